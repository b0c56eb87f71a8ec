"""The one translation of Kafka-client and HTTP-client errors into ddeflow's error tree.

Every ``except`` around aiokafka or httpx calls hands the exception here, so the
rules live once:

- aiokafka marks each error class ``retriable``; that flag is kept.  aiokafka's
  sender wraps whatever broke it in a generic ``KafkaError("Unexpected error
  during batch delivery")``, so the cause chain is searched too: a connection
  error anywhere in it makes the whole retriable.
- Fencing, authorization and configuration errors never heal by waiting; they
  become ``FencedError``, ``KafkaAuthError`` and ``KafkaConfigError``.  A broker
  certificate that fails verification (wrong host, unknown CA) is a ``KafkaAuthError``
  too (``kafka_connect.explained`` digs it out from behind aiokafka's bootstrap).
- For the registry, an unreachable service, a timeout, 429 and 5xx are
  retriable; any other answer is final.
"""

from __future__ import annotations

import asyncio
import ssl

import httpx
from aiokafka import errors as kafka

from ddeflow.errors import (
    BrokerError,
    DdeflowError,
    FencedError,
    KafkaAuthError,
    KafkaConfigError,
    RegistryError,
)

_FENCED: tuple[type[BaseException], ...] = (
    kafka.ProducerFenced,
    kafka.InvalidProducerEpoch,
    kafka.TransactionCoordinatorFenced,
)
_AUTH: tuple[type[BaseException], ...] = (
    kafka.TopicAuthorizationFailedError,
    kafka.GroupAuthorizationFailedError,
    kafka.ClusterAuthorizationFailedError,
    kafka.TransactionalIdAuthorizationFailed,
    kafka.SaslAuthenticationFailed,
    kafka.AuthenticationFailedError,
    kafka.AuthenticationMethodNotSupported,
    kafka.UnsupportedSaslMechanismError,
    kafka.IllegalSaslStateError,
)
_CONFIG: tuple[type[BaseException], ...] = (
    kafka.KafkaConfigurationError,
    kafka.IncompatibleBrokerVersion,
    kafka.UnrecognizedBrokerVersion,
    kafka.UnsupportedVersionError,
    kafka.InvalidConfigurationError,
    kafka.InvalidReplicationFactorError,
    kafka.InvalidTopicError,
    kafka.RecordTooLargeError,
    kafka.MessageSizeTooLargeError,
    kafka.UnsupportedCodecError,
)
# What a dropped socket or an expired wait looks like inside an aiokafka error.  aiokafka marks its own
# KafkaTimeoutError (a send that cannot be queued, metadata or offsets not fetched in time) not retriable,
# though it is what a broker that is away looks like.
_TRANSIENT: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError, ConnectionError, kafka.KafkaTimeoutError)
_RETRIABLE_STATUS = frozenset({408, 429})


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes; a cancellation behind a timeout says nothing more, so it is left out."""
    visited: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in visited:
        visited.append(current)
        current = current.__cause__ or current.__context__
    return [e for e in visited if not isinstance(e, asyncio.CancelledError)]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return "no answer in time (TimeoutError)"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def kafka_error(exc: BaseException, what: str) -> BrokerError:
    """Our error for an exception raised by the Kafka client while doing ``what``."""
    if isinstance(exc, BrokerError):
        return exc
    chain = _chain(exc)
    causes = " <- ".join(_describe(e) for e in chain)
    message = f"{what}: {causes}"
    if any(isinstance(e, _FENCED) for e in chain):
        return FencedError(message)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return KafkaAuthError(
            f"{what}: the broker's TLS certificate was refused (hostname verification is on; the CA is "
            f"KAFKA_SSL_CAFILE's or the system's): {causes}"
        )
    if any(isinstance(e, _AUTH) for e in chain):
        return KafkaAuthError(message)
    if any(isinstance(e, _CONFIG) for e in chain):
        return KafkaConfigError(message)
    retriable = any(bool(getattr(e, "retriable", False)) or isinstance(e, _TRANSIENT) for e in chain)
    return BrokerError(message, retriable=retriable)


def registry_error(exc: httpx.HTTPError, url: str | None = None) -> RegistryError:
    """Our error for an httpx failure to reach the registry (an HTTP answer is ``registry_status_error``'s)."""
    where = f" at {url}" if url else ""
    refused = next((e for e in _chain(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
    if refused is not None:
        return RegistryError(
            f"schema registry{where}: its TLS certificate was refused (the CA is SCHEMA_REGISTRY_CAFILE's or the "
            f"system's): {_describe(refused)}"
        )
    return RegistryError(f"schema registry{where} unreachable: {_describe(exc)}", retriable=True)


def registry_status_error(message: str, status: int) -> RegistryError:
    return RegistryError(message, status=status, retriable=status in _RETRIABLE_STATUS or status >= 500)


# What the clients raise: anything else escaping a client call is a bug of ours, never an outage.
CLIENT_ERRORS: tuple[type[BaseException], ...] = (kafka.KafkaError, httpx.HTTPError, OSError, DdeflowError)


def translate(exc: BaseException, what: str) -> DdeflowError:
    """Our error for a client failure while doing ``what``; anything that is not a client failure is re-raised."""
    if isinstance(exc, DdeflowError):
        return exc
    if isinstance(exc, httpx.HTTPError):
        return registry_error(exc)
    if not isinstance(exc, CLIENT_ERRORS):
        raise exc
    return kafka_error(exc, what)
