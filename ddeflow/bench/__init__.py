"""``ddeflow bench``: the processor's latency, throughput and memory, each beside a raw-client baseline measured
in the same run.

- ``profile``: how much data and which offered loads (``quick``, ``full``).  Pure.
- ``figures``: percentiles, CDFs, rates over time, the JSON report and its markdown table.  Pure.
- ``feed``: the generated season slice and appending it to the raw topics.
- ``baseline``: the raw aiokafka consume → produce pass-through, transactional or not.
- ``children``: the worker and the baseline each in a process of its own, and their RSS.
- ``phases``: sustained throughput over a backlog; delay at an offered load.
- ``plots``: the PNGs.  ``machine``: what the run ran on.  ``command``: the CLI.
"""
