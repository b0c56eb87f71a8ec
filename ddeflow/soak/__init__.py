"""``make soak``: the whole pipeline at a steady packet rate for minutes, its memory, lag and delay over time."""
