"""A client for the Confluent-compatible schema registry REST API (Confluent, Apicurio's ccompat/v7, Karapace).

Only the calls ddeflow needs: register a subject version, fetch a schema by id,
test compatibility against the latest version, and set a subject's
compatibility level.  httpx errors and non-2xx answers become ``RegistryError``.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx

from ddeflow.client_errors import registry_error, registry_status_error
from ddeflow.errors import RegistryError

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
COMPATIBILITY_LEVELS = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "NONE")


def canonical(schema: dict[str, Any]) -> str:
    """The schema text sent to the registry: stable, so that the same schema gets the same id."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


class SchemaRegistry:
    def __init__(
        self,
        url: str,
        *,
        auth: tuple[str, str] | None = None,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.url,
            auth=auth,
            verify=verify,
            timeout=timeout_s,
            headers={"Accept": CONTENT_TYPE},
            transport=transport,
        )
        self._by_id: dict[int, dict[str, Any]] = {}

    async def close(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> SchemaRegistry:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._client.request(
                method,
                path,
                content=json.dumps(body) if body is not None else None,
                headers={"Content-Type": CONTENT_TYPE} if body is not None else None,
            )
        except httpx.HTTPError as exc:
            raise registry_error(exc, self.url) from None
        if response.status_code in (401, 403):
            raise registry_status_error(
                f"schema registry at {self.url} refused the credentials ({response.status_code}): "
                "check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD",
                response.status_code,
            )
        if response.status_code >= 400:
            raise registry_status_error(
                f"schema registry answered {response.status_code} to {method} {path}: {_message(response)}",
                response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise RegistryError(f"schema registry sent a non-JSON answer to {method} {path}") from None

    async def register(self, subject: str, schema: dict[str, Any]) -> int:
        """Register ``schema`` under ``subject`` (a no-op if it is already there); returns its global id."""
        answer = await self._call("POST", f"/subjects/{subject}/versions", {"schema": canonical(schema)})
        schema_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(schema_id, int):
            raise RegistryError(f"schema registry returned no id for subject {subject}: {answer!r}")
        self._by_id[schema_id] = schema
        return schema_id

    async def schema(self, schema_id: int) -> dict[str, Any]:
        """The writer schema with ``schema_id``, cached: ids are immutable."""
        cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        answer = await self._call("GET", f"/schemas/ids/{schema_id}")
        try:
            parsed: dict[str, Any] = json.loads(answer["schema"])
        except (KeyError, TypeError, ValueError):
            raise RegistryError(f"schema id {schema_id} has no readable schema text") from None
        self._by_id[schema_id] = parsed
        return parsed

    async def is_compatible(self, subject: str, schema: dict[str, Any]) -> bool:
        """Whether ``schema`` may be registered under ``subject``; True when the subject does not exist yet."""
        try:
            answer = await self._call(
                "POST", f"/compatibility/subjects/{subject}/versions/latest", {"schema": canonical(schema)}
            )
        except RegistryError as exc:
            if exc.status == 404:
                return True
            raise
        return bool(isinstance(answer, dict) and answer.get("is_compatible"))

    async def set_compatibility(self, subject: str, level: str) -> None:
        if level not in COMPATIBILITY_LEVELS:
            raise RegistryError(f"unknown compatibility level {level!r}")
        try:
            await self._call("PUT", f"/config/{subject}", {"compatibility": level})
        except RegistryError as exc:
            # Apicurio answers 409 when another client created the rule a moment earlier; that is success
            # if the level in force is the one asked for.
            if exc.status != 409 or await self.compatibility(subject) != level:
                raise

    async def compatibility(self, subject: str) -> str | None:
        """The subject's own compatibility level, or None when it has none."""
        try:
            answer = await self._call("GET", f"/config/{subject}")
        except RegistryError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(answer, dict):
            return None
        level = answer.get("compatibilityLevel") or answer.get("compatibility")
        return level if isinstance(level, str) else None

    async def subjects(self) -> list[str]:
        answer = await self._call("GET", "/subjects")
        return [s for s in answer if isinstance(s, str)] if isinstance(answer, list) else []


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body)[:300]
    return str(body)[:200]
