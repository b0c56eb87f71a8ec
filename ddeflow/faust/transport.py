"""A Faust transport whose consumer reads with ``isolation_level="read_committed"``.

faust-streaming 0.15.3 builds its worker's aiokafka consumer in
``faust.transport.drivers.aiokafka.AIOKafkaConsumerThread._create_worker_consumer`` and passes
``isolation_level="read_committed"`` only when ``Consumer.in_transaction`` is true, which is
``App.in_transaction``: the app's own ``processing_guarantee`` is ``exactly_once``.  Any other app
reads ``read_uncommitted`` and so sees the records of transactions that ddeflow's worker aborted
(a worker killed mid-transaction leaves them in the log, where the next worker's abort marks them).
Turning on Faust's exactly_once only for the isolation level would also make the app commit through
Faust's transactional producers, with their own costs and traps.

This transport changes the isolation level and nothing else: Faust builds its consumer as usual, then,
before the consumer starts, its isolation level is set to read_committed (aiokafka hands it to its
fetcher in ``AIOKafkaConsumer.start``, pinned by the ``aiokafka`` range in pyproject).  It is the
aiokafka driver in every other respect.  An app selects it by the broker URL scheme ``SCHEME``
(``kafka-committed://host:port``), which ddeflow registers as a ``faust.transports`` entry point and
``ddeflow.faust.app_options`` uses.  Faust's client-only consumer (``App(client_only=True)``, no
consumer group) is left as it is.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

from ddeflow.errors import DdeflowError

SCHEME = "kafka-committed"
READ_COMMITTED = "read_committed"
_ISOLATION_ATTRIBUTE = "_isolation_level"
"""Where aiokafka's consumer keeps the level it gives its fetcher at start (aiokafka 0.14)."""


def read_committed(consumer: Any) -> Any:
    """``consumer`` (an aiokafka consumer not yet started) set to read only committed records."""
    if getattr(consumer, _ISOLATION_ATTRIBUTE, None) not in ("read_uncommitted", READ_COMMITTED):
        raise DdeflowError(
            "this aiokafka consumer keeps no isolation level where ddeflow.faust sets it: "
            "read_committed cannot be guaranteed with this aiokafka version"
        )
    setattr(consumer, _ISOLATION_ATTRIBUTE, READ_COMMITTED)
    return consumer


class ReadCommittedConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> Any:
        return read_committed(super()._create_worker_consumer(transport))


class ReadCommittedConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """The aiokafka transport, with a consumer that reads committed records only."""

    Consumer = ReadCommittedConsumer
