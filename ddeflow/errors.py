"""The one error tree of ddeflow.

Every failure that crosses a module boundary is a ``DdeflowError``.  Third-party
exceptions (httpx, aiokafka, websockets, OSError from subprocesses) are
translated into these at the edge, so callers branch on the type and on
``retriable``, never on message strings.

Messages never contain credentials: anything that could carry a token is
redacted before it is put into an error.
"""

from __future__ import annotations


class DdeflowError(Exception):
    """Root of every error ddeflow raises on purpose."""

    retriable: bool = False


# --- configuration -------------------------------------------------------------------


class ConfigError(DdeflowError):
    """The configuration is missing, contradictory or invalid."""


class UnknownSportError(ConfigError, ValueError):
    """A sport name or feed path is not one we know.

    Also a ``ValueError`` so that ``Sport("cricket")`` fails the way any enum
    lookup does, for callers (settings validation) that expect that.
    """


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


class KafkaError(DdeflowError):
    """A Kafka operation failed after the client's own retries.

    ``retriable`` is the Kafka client's own verdict on the error (``ddeflow.client_errors``
    translates it once, at the boundary): the broker or coordinator was unreachable or
    moving, and the same operation may succeed later.
    """

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class FencedError(KafkaError):
    """A newer producer with our transactional id exists (or the coordinator bumped our epoch)."""


class KafkaAuthError(KafkaError):
    """The cluster refused our credentials, or an ACL refused the operation."""


class KafkaConfigError(KafkaError, ConfigError):
    """The cluster and our configuration disagree (a record too large, an unsupported version, a bad setting)."""


class BrokerUnavailableError(KafkaError):
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


# --- bad input from the feed --------------------------------------------------------


class PacketError(DdeflowError):
    """A frame from the feed is not a valid packet.

    ``reason`` is a short machine-friendly code (``malformed_json``,
    ``missing_field``, ``wrong_type``, ``bad_value``, ``too_large``,
    ``not_a_packet``); ``field`` is a dotted path such as
    ``fixtureAction.fixtureSeqNum`` when one field is to blame; ``detail`` says
    what was wrong with it.  The raw bytes are kept so that the frame can go to
    the dead-letter topic unchanged.
    """

    def __init__(self, reason: str, detail: str, *, field: str | None = None, raw: bytes = b"") -> None:
        where = f" at {field}" if field else ""
        super().__init__(f"{reason}{where}: {detail}")
        self.reason = reason
        self.field = field
        self.detail = detail
        self.raw = raw


# --- processor state -----------------------------------------------------------------


class StateError(DdeflowError):
    """A stored processor state (a table value) cannot be read back: corrupt, or written by an unknown version."""


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
