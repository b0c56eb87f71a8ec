"""One secure broker for the whole session: ``ddeflow local up --secure`` in a temporary home, its ACLs granted
for one topic prefix that every security test shares (granting runs kafka-acls JVMs: once, not per test).

The derived records' schemas live in the session's ordinary registry (``infra``): a second registry would cost a
minute and half a gigabyte for nothing these tests look at.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ddeflow import topics
from ddeflow.acls import Stage
from ddeflow.admin import ensure_topics
from ddeflow.config import Settings, load_settings
from ddeflow.endpoints import kafka_options, resolve
from ddeflow.harness.infra import local_stack_settings
from ddeflow.harness.registry_proxy import ProxyConfig, registry_proxy
from ddeflow.local import certs
from ddeflow.local.processes import free_port_block
from ddeflow.local.secure_setup import passwords
from ddeflow.local.stack import LocalStack, SecureInfo
from tests.infra import Infra


@dataclass(frozen=True)
class SecureStack:
    plain_bootstrap: str
    """The loopback PLAINTEXT listener: the administrator's (creates the topics)."""
    secure: SecureInfo
    passwords: dict[str, str] = field(repr=False)
    registry_url: str
    topic_prefix: str

    def settings(self, stage: Stage | str, protocol: str, home: Path, **overrides: object) -> Settings:
        """Settings of one stage running as its own principal over ``protocol`` (SSL or SASL_SSL)."""
        return load_settings(**self.values(stage, protocol, home, **overrides))

    def env(self, stage: Stage | str, protocol: str, home: Path, **overrides: object) -> dict[str, str]:
        """The same settings as a ``ddeflow`` subprocess's environment."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DDE_", "KAFKA_", "DDEFLOW_", "SCHEMA_"))}
        return inherited | {k: str(v) for k, v in self.values(stage, protocol, home, **overrides).items()}

    def values(self, stage: Stage | str, protocol: str, home: Path, **overrides: object) -> dict[str, object]:
        principal = str(stage)
        files = self.secure.files
        values: dict[str, object] = {
            "SCHEMA_REGISTRY_URL": self.registry_url,
            "DDEFLOW_TOPIC_PREFIX": self.topic_prefix,
            "DDEFLOW_HOME": str(home),
            "KAFKA_SECURITY_PROTOCOL": protocol,
            "KAFKA_SSL_CAFILE": str(files.ca),
        }
        if protocol == "SSL":
            values.update(
                KAFKA_BOOTSTRAP_SERVERS=self.secure.ssl_bootstrap,
                KAFKA_SSL_CERTFILE=str(files.client_cert(principal)),
                KAFKA_SSL_KEYFILE=str(files.client_key(principal)),
            )
        else:
            values.update(
                KAFKA_BOOTSTRAP_SERVERS=self.secure.sasl_ssl_bootstrap,
                KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
                KAFKA_SASL_USERNAME=principal,
                KAFKA_SASL_PASSWORD=self.passwords[principal],
            )
        values.update(overrides)
        return values


REGISTRY_USER = "registry-user"
REGISTRY_PASSWORD = "reg-pass-Vq4nL8sT"  # distinctive, so the secret scan can look for it


@asynccontextmanager
async def https_registry(stack: SecureStack, directory: Path) -> AsyncIterator[dict[str, object]]:
    """The session's registry behind a TLS + basic-auth proxy whose certificate the stack's CA signed for
    ``localhost``; yields the settings that reach it."""
    files = stack.secure.files
    authority = certs.Authority(files.ca, files.root / "ca-key.pem")
    server = certs.issue(authority, directory, "registry", hosts=("localhost",))
    upstream = stack.registry_url.split("/apis/")[0]
    config = ProxyConfig(upstream, str(server.cert), str(server.key), REGISTRY_USER, REGISTRY_PASSWORD)
    async with registry_proxy(config) as proxy:
        yield {
            "SCHEMA_REGISTRY_URL": proxy.url + "/apis/ccompat/v7",
            "SCHEMA_REGISTRY_USERNAME": REGISTRY_USER,
            "SCHEMA_REGISTRY_PASSWORD": REGISTRY_PASSWORD,
            "SCHEMA_REGISTRY_CAFILE": str(files.ca),
        }


@pytest.fixture(scope="session")
def secure_stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureStack]:
    home = tmp_path_factory.mktemp("secure-stack")
    prefix = f"s{uuid.uuid4().hex[:8]}."
    base = local_stack_settings(home)
    stack_settings = base.model_copy(update={"local_secure_port": free_port_block(2), "topic_prefix": prefix})
    stack = LocalStack(stack_settings)
    try:
        info = stack.up(registry=False, secure=True)
        assert info.secure is not None
        admin = load_settings(KAFKA_BOOTSTRAP_SERVERS=info.bootstrap_servers, SCHEMA_REGISTRY_URL=infra.registry_url)
        asyncio.run(ensure_topics(kafka_options(admin, resolve(admin)), topics.all_topics(prefix)))
        yield SecureStack(info.bootstrap_servers, info.secure, passwords(info.secure.files), infra.registry_url, prefix)
    finally:
        stack.down()
