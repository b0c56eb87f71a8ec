"""A downstream Faust app for the tests: it appends every record of ``dde.score-changes`` it is given to a file.

Run as ``python -m faust -A tests.faust.recorder_app worker --without-web``.  Besides ddeflow's settings it reads,
at this edge, ``RECORDER_APP_ID`` (its consumer group), ``RECORDER_OUT`` (the JSON-lines file), ``RECORDER_DATADIR``
and ``RECORDER_READ_COMMITTED`` (``1``: ``ddeflow.faust``'s read_committed transport; ``0``: Faust's own).
Each line holds the record's partition, offset and key, and its value as the model holds it, with
timestamps as the microseconds on the wire.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import faust

from ddeflow.config import load_settings
from ddeflow.faust import DdeflowTopics, app_options
from ddeflow.faust.codec import plain as representation
from ddeflow.harness.derived import plain as wire_timestamps

settings = load_settings()
app = faust.App(
    os.environ["RECORDER_APP_ID"],
    **app_options(settings, read_committed=os.environ["RECORDER_READ_COMMITTED"] == "1"),
    datadir=os.environ["RECORDER_DATADIR"],
)
out = Path(os.environ["RECORDER_OUT"])


@app.agent(DdeflowTopics(app, settings).score_changes())
async def record(stream: faust.StreamT[Any]) -> None:
    with out.open("a", encoding="utf-8") as sink:  # noqa: ASYNC230 -- one open for the agent's life
        async for event in stream.events():
            value = wire_timestamps(representation(event.value))
            line = {"partition": event.message.partition, "offset": event.message.offset, "key": event.key}
            sink.write(json.dumps({**line, "value": value}) + "\n")
            sink.flush()
