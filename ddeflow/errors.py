"""The one error tree of ddeflow.

Every failure that crosses a module boundary is a ``DdeflowError``.  Third-party
exceptions (httpx, aiokafka, websockets, OSError from subprocesses) are
translated into these at the edge, so callers branch on the type and on
``retriable``, never on message strings.

Messages never contain credentials: anything that could carry a token is
redacted before it is put into an error.

The root, the configuration errors and ``PacketError`` are defined in the
domain package (``ddeflow.dde.errors``), which imports nothing else of ours, and are
re-exported here: import every error from this module.
"""

from __future__ import annotations

from ddeflow.dde.errors import ConfigError as ConfigError
from ddeflow.dde.errors import DdeflowError as DdeflowError
from ddeflow.dde.errors import PacketError as PacketError
from ddeflow.dde.errors import UnknownSportError as UnknownSportError

# --- local infrastructure (``ddeflow local``) ---------------------------------------


class InfrastructureError(DdeflowError):
    """The embedded broker or registry could not be fetched, started or stopped."""


class ToolMissingError(InfrastructureError):
    """A required executable (java, mvn) is not installed."""


class FetchError(InfrastructureError):
    """Maven could not fetch the broker or registry artifacts."""


class ServiceStartError(InfrastructureError):
    """A local service was started but never became ready."""


# --- talking to Kafka and the registry ----------------------------------------------


class BrokerError(DdeflowError):
    """A Kafka operation failed after the client's own retries.

    ``retriable`` is the Kafka client's own verdict on the error (``ddeflow.client_errors``
    translates it once, at the boundary): the broker or coordinator was unreachable or
    moving, and the same operation may succeed later.
    """

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class FencedError(BrokerError):
    """A newer producer with our transactional id exists (or the coordinator bumped our epoch)."""


class KafkaAuthError(BrokerError):
    """The cluster refused our credentials, or an ACL refused the operation."""


class KafkaConfigError(BrokerError, ConfigError):
    """The cluster and our configuration disagree (a record too large, an unsupported version, a bad setting)."""


class BrokerUnavailableError(BrokerError):
    """The broker is unreachable (an outage): what was not acknowledged was discarded with its producer.

    Always retriable: wait until the broker is back, then start again from what the topic holds.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, retriable=True)


class RegistryError(DdeflowError):
    """The schema registry refused a request or could not be reached.

    Retriable when it could not be reached, timed out, or answered 429 or 5xx.
    """

    def __init__(self, message: str, *, status: int | None = None, retriable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retriable = retriable


class SchemaIncompatibleError(RegistryError):
    """A local schema is not compatible with the version the registry holds."""


class AvroDecodeError(DdeflowError):
    """Bytes that are not a Confluent-framed Avro record of a known schema."""


# --- processor state -----------------------------------------------------------------


class StateError(DdeflowError):
    """A stored processor state (a table value) cannot be read back: corrupt, or written by an unknown version."""


class ProcessorError(ConfigError):
    """A processor's declaration cannot be used (bad name, schema, topic), or one named in the settings is not
    installed."""


# --- the DDE feed as a remote service -----------------------------------------------


class FeedError(DdeflowError):
    """The DDE service answered in a way the producer cannot continue from."""


class FeedAuthError(FeedError):
    """The token was refused (401).  Never retried: retrying cannot fix it."""


class FeedRequestError(FeedError):
    """The request itself was wrong (400), for instance a missing Accept header."""


class FeedNotFoundError(FeedRequestError):
    """No such fixture or stream (404): retrying the same request cannot help."""


class FeedUnavailableError(FeedError):
    """The feed is down, rate limited or the connection dropped; try again later."""

    retriable = True
