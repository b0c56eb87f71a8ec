"""Real-infrastructure plumbing shared by the test suite, the benchmarks and the chaos suite.

- ``infra``: which broker and registry to use (an existing cluster, Docker, or a private jar stack).
- ``derived``: reading the derived topics back with ``read_committed`` and decoding them.
- ``worker_process``: ``ddeflow process`` as a subprocess, and the processors' group progress.
- ``plan``: generated matches as the producers write them, with duplicates, stale re-sends and bad frames mixed in.
"""
