"""Broker outages as the producers see them: what starts one, what a fresh producer cures, what is held.  Pure.

An outage starts when the broker fails a send with an error the Kafka client
calls retriable, when a send cannot be handed over, or when the oldest record
handed to the producer has gone unacknowledged for ``ack_timeout_s`` (an
idempotent aiokafka producer retries a batch without end, so silence is the
usual symptom).  It ends when a fresh producer has been started against the
broker; ``ddeflow.outage.Outage`` logs one line at each end.

``SendBuffer`` is the explicit bound on what the producers hold while the
broker does not acknowledge: the bytes (value, key and headers) of every record
handed to the producer and not yet acknowledged.  A record is admitted while
the total stays within ``max_buffered_bytes``; one record larger than the
bound is admitted alone, so an oversized frame cannot block a stream forever.
Beneath it, aiokafka holds per partition one open batch (``max_batch_size``)
and one batch in flight, so its own memory is smaller than this bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ddeflow.backoff import BackoffPolicy
from ddeflow.errors import BrokerError, ConfigError, KafkaAuthError

DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class OutagePolicy:
    ack_timeout_s: float = 15.0
    """A record unacknowledged for this long means the broker is gone."""
    start_timeout_s: float = 10.0
    """How long one attempt to start a fresh producer may take."""
    max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES
    backoff: BackoffPolicy = field(default_factory=lambda: BackoffPolicy(initial_s=0.5, max_s=15.0))
    """Between attempts to start a fresh producer during an outage."""

    def __post_init__(self) -> None:
        if not (self.ack_timeout_s > 0 and self.start_timeout_s > 0 and self.max_buffered_bytes > 0):
            raise ConfigError("the ack and start timeouts and the buffer bound must be > 0")


def cured_by_a_fresh_producer(error: BrokerError) -> bool:
    """Whether discarding the producer and starting another can get past ``error`` from the producer.

    Retriable errors (the broker away) can; so can the producer's own broken state (a
    sequence the broker no longer accepts after it lost producer state, a bumped epoch),
    which a new producer id leaves behind.  Refused credentials or ACLs and bad
    configuration cannot: those are final.
    """
    return error.retriable or not isinstance(error, KafkaAuthError | ConfigError)


def is_stalled(oldest_sent_at: float | None, now: float, ack_timeout_s: float) -> bool:
    """Whether the oldest unacknowledged record (sent at ``oldest_sent_at``, None: none) has waited too long."""
    return oldest_sent_at is not None and now - oldest_sent_at >= ack_timeout_s


class SendBuffer:
    """Bytes handed to the producer and not yet acknowledged (or discarded), against a bound."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ConfigError("the buffer bound must be > 0")
        self.max_bytes = max_bytes
        self.bytes = 0
        self.records = 0

    def admits(self, size: int) -> bool:
        return self.records == 0 or self.bytes + size <= self.max_bytes

    def add(self, size: int) -> None:
        self.bytes += size
        self.records += 1

    def remove(self, size: int) -> None:
        self.bytes -= size
        self.records -= 1


def record_size(value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]) -> int:
    return len(value) + len(key or b"") + sum(len(name) + len(data) for name, data in headers)
