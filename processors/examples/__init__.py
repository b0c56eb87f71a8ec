"""Two processors built only with the public API (``ddeflow.processors.api``), shipped enabled.

- ``snooker_breaks``: century breaks and the highest break of each frame, revised when the feed corrects a break;
- ``scoring_runs``: basketball scoring runs (an unanswered 8-0 or better), when one starts and when it ends.
"""
