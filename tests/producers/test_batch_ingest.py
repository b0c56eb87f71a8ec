"""``ingest file`` and ``ingest rest`` on the real broker: seq order, exact bytes, dead letters with line numbers."""

from __future__ import annotations

import json
import random
from pathlib import Path

from ddeflow.config import Settings
from ddeflow.dde import classify_frame
from ddeflow.dde.actions import ActionPacket
from ddeflow.dde.sports import Sport
from ddeflow.dlq import read_dlq_headers as read_dlq_headers
from ddeflow.producers.batch_ingest import reconcile_fixture
from ddeflow.producers.gate import Gate
from ddeflow.producers.one_shot import ingest_file, ingest_rest
from ddeflow.producers.pacer import Pacer
from ddeflow.producers.raw_records import Source, Stream, raw_topic
from ddeflow.producers.rest_client import FeedRest
from ddeflow.producers.runtime import open_runtime, require_token
from ddeflow.producers.stream_ingest import ingest_ws
from ddeflow.topics import DERIVED_PARTITIONS, DLQ
from tests.producers.support import feed_settings, make_matches, of_fixture, read_topic, simulator


def _seq(raw: bytes) -> int:
    packet = classify_frame(raw)
    assert isinstance(packet, ActionPacket)
    return packet.seq_num


async def test_file_array_unsorted_published_in_seq_order_with_exact_bytes(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    first, second = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=2, keep=25)
    elements = first.actions() + second.actions()
    random.Random(5).shuffle(elements)
    # A REST-like array: odd spacing, and two elements that are JSON but not packets.
    elements.insert(4, b'{"heartbeat": true}')
    elements.insert(9, b"42")
    body = b"[\n  " + b" ,\n\t".join(elements) + b"\n]\n"
    path = tmp_path / "actions.json"
    path.write_bytes(body)

    outcome = await ingest_file(settings, path, Sport.SOCCER)

    assert outcome.published[Stream.ACTIONS] == 50
    # Element i starts on line i + 2 (the "[" has a line of its own).
    assert [(r.index, r.line, r.error.reason) for r in outcome.rejected] == [
        (4, 6, "not_a_packet"),
        (9, 11, "not_a_packet"),
    ]
    records = await read_topic(settings, raw_topic(settings.topic_prefix, Sport.SOCCER, Stream.ACTIONS))
    for match in (first, second):
        mine = of_fixture(records, match.fixture_id)
        assert [r.value for r in mine] == sorted(match.actions(), key=_seq)
        assert {r.headers.source for r in mine} == {Source.FILE}
        assert all(r.headers.position is None and r.headers.stream is Stream.ACTIONS for r in mine)
    dead = await read_topic(settings, settings.topic_prefix + DLQ, DERIVED_PARTITIONS)
    letters = sorted(
        ((read_dlq_headers(list(r.raw_headers)), r.value) for r in dead), key=lambda item: item[0]["dlq.source.line"]
    )
    assert [(h["dlq.origin"], h["dlq.source.line"], h["dlq.reason"], v) for h, v in letters] == [
        ("ingest-file", "11", "not_a_packet", b"42"),
        ("ingest-file", "6", "not_a_packet", b'{"heartbeat": true}'),
    ]
    assert all(h["dlq.source.file"] == str(path) for h, _ in letters)


async def test_file_json_lines_malformed_lines_go_to_dlq_with_line_numbers(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="volleyball", count=1, keep=12)
    lines = match.actions()
    broken = lines[5][: len(lines[5]) // 2]
    text = [*lines[:3], b"", *lines[3:5], broken, *lines[6:], b"not json at all"]
    path = tmp_path / "actions.jsonl"
    path.write_bytes(b"\r\n".join(text) + b"\r\n")

    outcome = await ingest_file(settings, path, Sport.VOLLEYBALL)

    assert outcome.published[Stream.ACTIONS] == len(lines) - 1
    assert [(r.line, r.error.reason) for r in outcome.rejected] == [
        (7, "malformed_json"),
        (len(text), "malformed_json"),
    ]
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, Sport.VOLLEYBALL, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in records] == lines[:5] + lines[6:]
    dead = await read_topic(settings, settings.topic_prefix + DLQ, DERIVED_PARTITIONS)
    by_line = {read_dlq_headers(list(r.raw_headers))["dlq.source.line"]: r.value for r in dead}
    assert by_line == {"7": broken, str(len(text)): b"not json at all"}


async def test_file_statistics_lines_go_to_the_statistics_topic(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="snooker", count=1, keep=5, statistics=6)
    stats = match.statistics()
    path = tmp_path / "stats.jsonl"
    path.write_bytes(b"\n".join(reversed(stats)) + b"\n")
    outcome = await ingest_file(settings, path, Sport.SNOOKER)
    assert outcome.published[Stream.STATISTICS] + len(outcome.rejected) == len(stats)
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, Sport.SNOOKER, Stream.STATISTICS)), match.fixture_id
    )
    accepted = [line for line in stats if line not in {r.raw for r in outcome.rejected}]
    assert [r.value for r in records] == sorted(accepted, key=lambda raw: json.loads(raw)["seqNum"])


async def test_rest_unsorted_array_published_in_seq_order(settings: Settings, tmp_path: Path, gen_cache: Path) -> None:
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="basketball", count=1, keep=40)
    lines = match.actions()
    body, last = lines[:-1], lines[-1]
    random.Random(9).shuffle(body)
    body.insert(7, b'{"fixtureAction": {"fixtureId": "x"}}')
    (match.directory / "actions.jsonl").write_bytes(b"\n".join([*body, last]) + b"\n")
    async with simulator(tmp_path / "data") as sim:
        outcome = await ingest_rest(feed_settings(settings, sim), match.sport, match.fixture_id)
    assert outcome.published[Stream.ACTIONS] == len(lines)
    assert [(r.index, r.error.reason) for r in outcome.rejected] == [(7, "missing_field")]
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.value for r in records] == sorted(lines, key=_seq)
    assert {r.headers.source for r in records} == {Source.REST}
    dead = await read_topic(settings, settings.topic_prefix + DLQ, DERIVED_PARTITIONS)
    assert [read_dlq_headers(list(r.raw_headers))["dlq.origin"] for r in dead] == ["ingest-rest"]
    assert [r.value for r in dead] == [b'{"fixtureAction": {"fixtureId": "x"}}']


async def test_reconciliation_reads_the_topic_back_and_publishes_only_the_gaps(
    settings: Settings, tmp_path: Path, gen_cache: Path
) -> None:
    """As after a restart: nothing known in memory, so the held seq numbers come from the raw topic."""
    (match,) = make_matches(tmp_path / "data", gen_cache, sport="soccer", count=1, keep=30)
    lines = match.actions()
    async with simulator(tmp_path / "data", faults=((None, {"malformed_at": 4}),)) as sim:
        feed = feed_settings(settings, sim)
        await ingest_ws(feed, match.sport, match.fixture_id, (Stream.ACTIONS,))
        token = require_token(feed)
        async with (
            open_runtime(feed) as runtime,
            FeedRest(feed.dde_api_url, token, Gate(Pacer(50, 1.0))) as rest,
        ):
            outcome = await reconcile_fixture(
                sport=match.sport,
                fixture_id=match.fixture_id,
                rest=rest,
                sink=runtime.sink,
                scanner=runtime.scanner,
                topic_prefix=runtime.topic_prefix,
                known_seqs=None,
            )
            again = await reconcile_fixture(
                sport=match.sport,
                fixture_id=match.fixture_id,
                rest=rest,
                sink=runtime.sink,
                scanner=runtime.scanner,
                topic_prefix=runtime.topic_prefix,
                known_seqs=None,
            )
    assert (outcome.rest_packets, outcome.held, outcome.healed) == (30, 29, 1)
    assert again.healed == 0 and again.held == 30
    records = of_fixture(
        await read_topic(settings, raw_topic(settings.topic_prefix, match.sport, Stream.ACTIONS)), match.fixture_id
    )
    assert [r.headers.source for r in records] == [Source.WS] * 30 + [Source.REST]
    assert records[-1].value == lines[4] and records[4].value != lines[4]
