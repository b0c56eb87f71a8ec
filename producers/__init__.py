"""Producers: the feed's frames into per-sport raw Kafka topics, byte for byte.

Commands (``ddeflow.producers.command``, options and wiring only): ``ddeflow ingest ws`` (one
fixture's streams), ``ingest live`` (every live fixture, discovered and healed through
REST), ``ingest rest`` and ``ingest file`` (whole bodies); the same as calls in
``stream_ingest`` (ws, live) and ``one_shot`` (rest, file).  The raw record format is
documented in ``ddeflow.producers.raw_records``.

Pure policy, importable without asyncio, websockets, httpx or aiokafka:

- ``backoff``: reconnect delays; ``pacer``: attempts per window; ``failures``:
  what a refusal or a drop means and whether to retry;
- ``positions``: event positions and re-deliveries of one stream;
  ``history``: what the raw topic holds for a fixture stream;
- ``frames``: data, heartbeat or error frame; ``json_split``, ``batch_plan``,
  ``reconcile``: bodies and files into ordered packets and dead letters;
- ``schedule``: which fixtures ``ingest live`` streams; ``progress``: counters,
  the delay histogram, progress lines; ``raw_records``: the record format.

I/O shells: ``raw_sink`` (aiokafka producer), ``topic_scan`` (reading a raw
topic back), ``ws_stream`` (one websocket stream), ``rest_client`` (httpx),
``gate`` (waiting for a pacer slot), ``batch_ingest``, ``live``, ``runtime``.
"""
