"""The example scoreboard (``examples/scoreboard.py``) run as a Faust worker, answering on its web server.

Score changes reach ``dde.score-changes`` in three transactions, the middle one aborted; the board must show
the score of the committed ones, after two changes, never the aborted one's.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from ddeflow import topic_schemas, topics
from ddeflow.admin import ensure_topics
from ddeflow.avro import AvroCodec
from ddeflow.config import load_settings
from ddeflow.endpoints import registry_client
from ddeflow.harness.derived import options
from ddeflow.harness.worker_process import worker_env
from tests.faust.worker import FaustWorker
from tests.infra import Infra

ANSWER_TIMEOUT_S = 180.0


def _change(fixture: str, home: int, away: int, seq: int) -> dict[str, Any]:
    return {
        "fixtureId": fixture,
        "sport": "soccer",
        "homeScore": home,
        "awayScore": away,
        "previousHomeScore": home,
        "previousAwayScore": away,
        "period": 1,
        "homePeriodScore": home,
        "awayPeriodScore": away,
        "previousHomePeriodScore": home,
        "previousAwayPeriodScore": away,
        "isCorrection": False,
        "causeActionId": f"a{seq}",
        "causeSendType": "Confirmed",
        "causeActionType": "goal",
        "fixtureSeqNum": seq,
        "feedTimestamp": 1_772_390_000_000_000 + seq,
        "receivedAt": None,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _answer(client: httpx.AsyncClient, path: str, ready: Any, board: FaustWorker) -> Any:
    """The JSON at ``path`` once ``ready(json)`` holds."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    last: object = None
    while time.monotonic() < deadline:
        assert board.running(), board.tail()
        try:
            response = await client.get(path)
            last = response.status_code, response.text[:300]
            if response.status_code == 200 and ready(response.json()):
                return response.json()
        except httpx.TransportError as exc:
            last = exc
        await asyncio.sleep(0.5)
    raise AssertionError(f"{path} did not answer as expected in {ANSWER_TIMEOUT_S} s (last: {last}); {board.tail()}")


async def test_the_scoreboard_serves_each_fixture_s_committed_score(infra: Infra, tmp_path: Path) -> None:
    settings = load_settings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        SCHEMA_REGISTRY_URL=infra.registry_url,
        DDEFLOW_TOPIC_PREFIX=f"fboard{uuid.uuid4().hex[:8]}.",
        DDEFLOW_HOME=str(tmp_path / "home"),
    )
    await ensure_topics(options(settings), topics.derived_topics(settings.topic_prefix))
    binding = next(b for b in topic_schemas.bindings(settings.topic_prefix) if b.schema_name == "score_change")
    async with registry_client(settings) as registry:
        codec = AvroCodec(registry)
        await codec.register(binding.subject, binding.schema)
        producer = AIOKafkaProducer(**options(settings), transactional_id=f"{settings.topic_prefix}board-test")
        await producer.start()
        try:
            for changes, commit in (
                ([_change("f1", 1, 0, 1), _change("f2", 0, 1, 1)], True),
                ([_change("f1", 5, 0, 2)], False),
                ([_change("f1", 2, 0, 3)], True),
            ):
                await producer.begin_transaction()
                for change in changes:
                    value = codec.encode(binding.subject, change)
                    await producer.send_and_wait(binding.topic, value, key=change["fixtureId"].encode())
                await (producer.commit_transaction() if commit else producer.abort_transaction())
        finally:
            await producer.stop()

    port = _free_port()
    board = FaustWorker(
        "examples.scoreboard",
        worker_env(settings),
        tmp_path,
        "scoreboard",
        ("--web-host", "127.0.0.1", "--web-port", str(port)),
        datadir=tmp_path / "scoreboard-data",
    )
    await board.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as client:
            f1 = await _answer(client, "/scoreboard/f1/", lambda score: score["fixture_seq_num"] == 3, board)
            everything = await _answer(client, "/scoreboard/", lambda scores: "f2" in scores, board)
            missing = (await client.get("/scoreboard/f3/")).status_code
    finally:
        await board.stop()
    assert (f1["fixtureId"], f1["home"], f1["away"], f1["changes"]) == ("f1", 2, 0, 2)
    assert (everything["f2"]["home"], everything["f2"]["away"], everything["f2"]["changes"]) == (0, 1, 1)
    assert missing == 404
