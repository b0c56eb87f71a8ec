"""Where the broker and the registry are: explicit settings, or the running local stack."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from typing import Any

from ddeflow.config import Settings
from ddeflow.errors import ConfigError
from ddeflow.local.layout import StackLayout, recorded_pid, recorded_ports
from ddeflow.registry import SchemaRegistry


@dataclass(frozen=True, slots=True)
class Endpoints:
    bootstrap_servers: str
    registry_url: str


def resolve(settings: Settings) -> Endpoints:
    """Explicit ``KAFKA_BOOTSTRAP_SERVERS``/``SCHEMA_REGISTRY_URL`` win; otherwise the local stack's."""
    bootstrap = settings.kafka_bootstrap_servers
    registry = settings.schema_registry_url
    if bootstrap is None or registry is None:
        local = _local_stack_endpoints(settings)
        bootstrap = bootstrap or (local.bootstrap_servers if local else None)
        registry = registry or (local.registry_url if local else None)
    if bootstrap is None or registry is None:
        missing = " and ".join(
            name
            for name, value in (("KAFKA_BOOTSTRAP_SERVERS", bootstrap), ("SCHEMA_REGISTRY_URL", registry))
            if value is None
        )
        raise ConfigError(f"{missing} not set and no local stack is running: run `ddeflow local up` first")
    return Endpoints(bootstrap_servers=bootstrap, registry_url=registry.rstrip("/"))


def _local_stack_endpoints(settings: Settings) -> Endpoints | None:
    try:
        state = json.loads(StackLayout(settings.home).state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    bootstrap, registry = state.get("bootstrap_servers"), state.get("registry_url")
    ports = recorded_ports(state)
    started = ports is not None and any(recorded_pid(state, ports.service(node)) for node in ports.node_ids)
    if isinstance(bootstrap, str) and isinstance(registry, str) and started:
        return Endpoints(bootstrap, registry)
    return None


def kafka_options(settings: Settings, endpoints: Endpoints) -> dict[str, Any]:
    """Keyword arguments shared by every aiokafka client: address, security and credentials."""
    options: dict[str, Any] = {
        "bootstrap_servers": endpoints.bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        if settings.kafka_sasl_mechanism is None or settings.kafka_sasl_username is None:
            raise ConfigError(
                f"KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol} needs "
                "KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        password = settings.kafka_sasl_password
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=password.get_secret_value() if password else "",
        )
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
        if settings.kafka_ssl_certfile is not None:
            context.load_cert_chain(
                str(settings.kafka_ssl_certfile),
                str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
            )
        options["ssl_context"] = context
    return options


def feed_tls(settings: Settings) -> ssl.SSLContext:
    """The TLS context of the feed's wss and https connections: the system's CAs, plus ``DDE_CA_FILE``'s; the
    certificate and host name are always verified (there is no switch to turn that off)."""
    context = ssl.create_default_context()
    if settings.dde_ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(settings.dde_ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"DDE_CA_FILE {settings.dde_ca_file} cannot be loaded: {exc}") from None
    return context


def registry_verify(settings: Settings) -> ssl.SSLContext | bool:
    """Certificate verification for an https registry: always on; ``SCHEMA_REGISTRY_CAFILE`` adds a CA."""
    if settings.schema_registry_cafile is None:
        return True
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(settings.schema_registry_cafile))
    return context


def registry_auth(settings: Settings) -> tuple[str, str] | None:
    """Basic auth for the registry, when configured."""
    if settings.schema_registry_username is None:
        return None
    password = settings.schema_registry_password
    return settings.schema_registry_username, password.get_secret_value() if password else ""


def registry_client(settings: Settings, endpoints: Endpoints | None = None) -> SchemaRegistry:
    """The schema registry as configured: its URL, basic auth and certificate verification."""
    url = (endpoints or resolve(settings)).registry_url
    return SchemaRegistry(url, auth=registry_auth(settings), verify=registry_verify(settings))
