"""The schema registry over HTTPS with basic auth (a TLS proxy in front of the session's registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ddeflow import topic_schemas
from ddeflow.config import load_settings
from ddeflow.endpoints import registry_auth, registry_verify
from ddeflow.errors import RegistryError
from ddeflow.registry import SchemaRegistry
from tests.security.conftest import SecureStack, https_registry


async def test_schemas_register_over_https_with_credentials(secure_stack: SecureStack, tmp_path: Path) -> None:
    async with https_registry(secure_stack, tmp_path) as reached:
        settings = load_settings(**reached, DDEFLOW_TOPIC_PREFIX=secure_stack.topic_prefix)
        assert str(settings.schema_registry_url).startswith("https://localhost:")
        async with SchemaRegistry(
            str(settings.schema_registry_url), auth=registry_auth(settings), verify=registry_verify(settings)
        ) as registry:
            ids = await registry_ids(registry, settings.topic_prefix)
            assert ids and all(isinstance(i, int) for i in ids.values())
            first = next(iter(ids.values()))
            assert await registry.schema(first)


async def registry_ids(registry: SchemaRegistry, prefix: str) -> dict[str, int]:
    return await topic_schemas.register_all(registry, prefix)


async def test_wrong_credentials_are_one_clear_final_error(secure_stack: SecureStack, tmp_path: Path) -> None:
    async with https_registry(secure_stack, tmp_path) as reached:
        settings = load_settings(**{**reached, "SCHEMA_REGISTRY_PASSWORD": "not-it"})
        async with SchemaRegistry(
            str(settings.schema_registry_url), auth=registry_auth(settings), verify=registry_verify(settings)
        ) as registry:
            with pytest.raises(RegistryError, match="refused the credentials") as raised:
                await registry_ids(registry, secure_stack.topic_prefix)
    assert raised.value.status == 401 and not raised.value.retriable
    assert "not-it" not in str(raised.value)


async def test_an_unknown_certificate_authority_is_refused(secure_stack: SecureStack, tmp_path: Path) -> None:
    async with https_registry(secure_stack, tmp_path) as reached:
        settings = load_settings(**{k: v for k, v in reached.items() if k != "SCHEMA_REGISTRY_CAFILE"})
        async with SchemaRegistry(
            str(settings.schema_registry_url), auth=registry_auth(settings), verify=registry_verify(settings)
        ) as registry:
            with pytest.raises(RegistryError, match="TLS certificate was refused") as raised:
                await registry_ids(registry, secure_stack.topic_prefix)
    assert not raised.value.retriable
