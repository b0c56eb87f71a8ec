"""The secure local stack's certificates, SCRAM users and ACLs (I/O shell over ``certs`` and ``ddeflow.acls``).

Under ``<home>/local/secure/`` (keys and the credentials file mode 0600)::

    ca.pem, ca-key.pem                    the throwaway CA clients trust (KAFKA_SSL_CAFILE)
    broker-keystore.pem                   the broker's key and certificate, for the name ``localhost`` only
    clients/<principal>.pem, -key.pem     a client certificate per principal, for the SSL listener
    credentials.json                      each principal's SCRAM-SHA-512 password

The SCRAM users are made by ``kafka-storage format --add-scram`` before the broker first starts; the ACLs by
``kafka-acls`` (the commands ``ddeflow acl print`` shows) over the loopback PLAINTEXT listener.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ddeflow import acls
from ddeflow.config import Settings
from ddeflow.errors import ConfigError, ServiceStartError
from ddeflow.local import artifacts, certs
from ddeflow.local.layout import ADMIN_PRINCIPAL, SECURE_HOST, SecureFiles, StackLayout, acl_command

PRINCIPALS: tuple[str, ...] = (*(stage.value for stage in acls.Stage), ADMIN_PRINCIPAL)
"""One principal per stage, named as the stage, and the super user."""
ACL_TIMEOUT_S = 120.0


def prepare(layout: StackLayout, formatted: bool) -> SecureFiles:
    """Make the CA, the broker's and the clients' certificates and the passwords, once."""
    files = layout.secure_files
    if formatted and not files.credentials.is_file():
        raise ConfigError(
            f"the stack in {layout.root} was first started without --secure, so it has no SCRAM users; "
            "use another DDEFLOW_HOME for the secure stack"
        )
    if files.credentials.is_file():
        missing = [principal for principal in PRINCIPALS if principal not in passwords(files)]
        if missing:
            raise ConfigError(
                f"the secure stack in {layout.root} was made before the principal(s) {', '.join(missing)} existed, "
                "so it has no user or certificate for them; use another DDEFLOW_HOME for the secure stack"
            )
    if not files.ca.is_file():
        authority = certs.make_authority(files.root)
        broker = certs.issue(authority, files.root / "broker", "broker", hosts=(SECURE_HOST,))
        certs.write_private(files.broker_keystore, broker.pem_bundle.encode("ascii"))
        for principal in PRINCIPALS:
            certs.issue(authority, files.root / "clients", principal, client=True)
    if not files.credentials.is_file():
        passwords_ = {principal: secrets.token_urlsafe(24) for principal in PRINCIPALS}
        certs.write_private(files.credentials, json.dumps(passwords_, indent=2).encode("utf-8"))
    return files


def passwords(files: SecureFiles) -> dict[str, str]:
    try:
        data = json.loads(files.credentials.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(f"the secure stack's credentials in {files.credentials} cannot be read") from None
    return {str(k): str(v) for k, v in data.items()}


def redact(text: str, secret_values: Iterable[str]) -> str:
    for value in secret_values:
        if value:
            text = text.replace(value, "**********")
    return text


def stage_acl_set(topic_prefix: str, settings: Settings) -> list[acls.Acl]:
    return [
        acl for stage in acls.Stage for acl in acls.stage_acls(stage, stage.value, topic_prefix, settings.topic_layout)
    ]


def apply_acls(java: Path, settings: Settings, bootstrap: str, topic_prefix: str) -> None:
    """Run ``kafka-acls --add`` for every stage's ACLs under ``topic_prefix`` (a few JVMs, two at a time)."""
    tools = artifacts.ensure_kafka_tools(settings.jar_cache, settings.kafka_version, java)
    invocations = acls.commands(stage_acl_set(topic_prefix, settings), bootstrap)

    def run(argv: list[str]) -> str | None:
        try:
            done = subprocess.run(
                acl_command(java, tools, argv), capture_output=True, text=True, timeout=ACL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            return f"kafka-acls took over {ACL_TIMEOUT_S:.0f} s"
        except OSError as exc:
            return f"kafka-acls could not run: {exc.strerror}"
        return None if done.returncode == 0 else (done.stdout + done.stderr).strip()[-500:]

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [failure for failure in pool.map(run, invocations) if failure]
    if failures:
        raise ServiceStartError(f"granting the stages' ACLs failed: {failures[0]}")
