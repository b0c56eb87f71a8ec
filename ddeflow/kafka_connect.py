"""Why a Kafka client could not connect: aiokafka's bootstrap logs the real failure (a refused certificate,
wrong SASL credentials) and raises only "Unable to bootstrap".  ``explained`` connects once more, alone, to
find the real reason, so that ``client_errors`` can say it; ``explaining`` does that for a block of client calls,
and ``admin_client`` for a started admin client's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError
from aiokafka.errors import KafkaError as AIOKafkaError

from ddeflow.client_errors import kafka_error

PROBE_TIMEOUT_S = 10.0


async def why_unreachable(options: Mapping[str, Any]) -> BaseException | None:
    """The first failure met connecting to each bootstrap server with ``options`` (``kafka_options``'s), if any."""
    for address in str(options["bootstrap_servers"]).split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            conn = await asyncio.wait_for(
                create_conn(
                    host,
                    int(port),
                    ssl_context=options.get("ssl_context"),
                    security_protocol=options.get("security_protocol", "PLAINTEXT"),
                    sasl_mechanism=options.get("sasl_mechanism"),
                    sasl_plain_username=options.get("sasl_plain_username"),
                    sasl_plain_password=options.get("sasl_plain_password"),
                ),
                PROBE_TIMEOUT_S,
            )
        except Exception as exc:
            return exc
        conn.close()
    return None


async def explained(exc: BaseException, options: Mapping[str, Any]) -> BaseException:
    """``exc``, or for a failed bootstrap over TLS or SASL the failure behind it."""
    if isinstance(exc, KafkaConnectionError) and options.get("security_protocol", "PLAINTEXT") != "PLAINTEXT":
        cause = await why_unreachable(options)
        if cause is not None:
            return cause
    return exc


@contextlib.asynccontextmanager
async def explaining(options: Mapping[str, Any], what: str) -> AsyncIterator[None]:
    """Kafka client errors of the block as ours, a failed bootstrap ``explained``: wrong credentials or a refused
    certificate are then a final ``KafkaAuthError``, not an outage to wait out."""
    try:
        yield
    except AIOKafkaError as exc:
        raise kafka_error(await explained(exc, options), what) from None


@contextlib.asynccontextmanager
async def admin_client(options: Mapping[str, Any], what: str) -> AsyncIterator[AIOKafkaAdminClient]:
    """A started admin client, closed after the block; its errors as ours, as ``explaining`` says."""
    admin = AIOKafkaAdminClient(**options)
    try:
        async with explaining(options, what):
            await admin.start()
            yield admin
    finally:
        await admin.close()
