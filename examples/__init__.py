"""Examples of apps built on ddeflow (not part of the installed package)."""
