"""The read_committed transport: Faust's worker consumer built by ``kafka-committed://`` reads committed records only.

No broker: the consumers are built, not started.  ``kafka://`` is the control, Faust's own transport, which
reads uncommitted records: what ``ddeflow.faust`` exists to change.
"""

from __future__ import annotations

import faust
import pytest

from ddeflow.errors import DdeflowError
from ddeflow.faust.transport import read_committed


def _worker_consumer_isolation(broker: str) -> str:
    app = faust.App("isolation-probe", broker=broker)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    level: str = consumer._isolation_level
    return level


async def test_the_kafka_committed_scheme_builds_a_read_committed_worker_consumer() -> None:
    assert _worker_consumer_isolation("kafka-committed://127.0.0.1:9") == "read_committed"


async def test_faust_s_own_transport_reads_uncommitted() -> None:
    assert _worker_consumer_isolation("kafka://127.0.0.1:9") == "read_uncommitted"


def test_a_consumer_that_keeps_no_isolation_level_is_refused() -> None:
    with pytest.raises(DdeflowError, match="read_committed cannot be guaranteed"):
        read_committed(object())
