"""Reading the data directory: files in tmp_path, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError
from ddeflow.simulator.server.catalog import FrameReader, actions_array, build_index, load_catalog
from ddeflow.simulator.server.routes import StreamKind
from tests.simulator.simserver_support import START, fixture_id, write_fixture


def test_catalog_reads_every_sport_and_skips_junk(tmp_path: Path) -> None:
    write_fixture(tmp_path, "basketball", fixture_id(1), packets=5, gap_s=2.0)
    write_fixture(tmp_path, "volleyball", fixture_id(2), packets=3, start=START.replace(hour=10))
    write_fixture(tmp_path, "snooker", fixture_id(3), packets=4, statistics=6)
    (tmp_path / "cricket" / "x").mkdir(parents=True)
    (tmp_path / "soccer" / "broken").mkdir(parents=True)
    (tmp_path / "soccer" / "broken" / "fixture.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "README").write_text("not a sport", encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 3
    assert [e.fixture_id for e in catalog.ordered] == [fixture_id(2), fixture_id(1), fixture_id(3)]
    basketball = catalog.get(Sport.BASKETBALL, fixture_id(1))
    assert basketball is not None and basketball.actions is not None
    assert basketball.actions.end_rel_s == pytest.approx(8.0)
    assert basketball.statistics is None
    assert (basketball.final_status, basketball.final_collection_status) == ("Completed", "PostMatchChecked")
    snooker = catalog.get(Sport.SNOOKER, fixture_id(3))
    assert snooker is not None and snooker.statistics is not None
    assert snooker.statistics.end_rel_s == pytest.approx(5.0)
    assert catalog.get(Sport.SOCCER, fixture_id(1)) is None
    assert [e.fixture_id for e in catalog.of_sport(Sport.VOLLEYBALL)] == [fixture_id(2)]


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalog(tmp_path / "nope")


def test_index_and_reader_give_back_the_exact_lines(tmp_path: Path) -> None:
    data = write_fixture(tmp_path, "basketball", fixture_id(1), packets=12, gap_s=3.0)
    entry = load_catalog(tmp_path).get(Sport.BASKETBALL, fixture_id(1))
    assert entry is not None
    index = build_index(entry, StreamKind.ACTIONS)
    assert index.count == 12
    assert index.finished
    assert list(index.rel_s) == [pytest.approx(3.0 * i) for i in range(12)]
    reader = FrameReader(max_open=1)
    try:
        assert reader.read(index, 0, 12) == data.actions
        assert reader.read(index, 5, 7) == data.actions[5:7]
        assert reader.read(index, 4, 4) == []
    finally:
        reader.close()
    assert json.loads(actions_array(entry)) == [json.loads(line) for line in data.actions]
    assert actions_array(entry) == b"[" + b",".join(data.actions) + b"]"


def test_blank_lines_crlf_and_long_last_lines(tmp_path: Path) -> None:
    directory = tmp_path / "soccer" / "f"
    directory.mkdir(parents=True)
    (directory / "fixture.json").write_text('{"id": "f"}', encoding="utf-8")
    long_text = "x" * 200_000
    lines = [
        json.dumps({"fixtureAction": {"timestamp": "2026-05-06T17:00:00Z"}, "finished": False}),
        json.dumps({"fixtureAction": {"timestamp": "2026-05-06T17:00:04Z"}, "finished": False, "pad": long_text}),
        json.dumps(
            {
                "fixtureAction": {"timestamp": "2026-05-06T17:00:09Z"},
                "fixtureSummary": {"finished": True},
                "pad": long_text,
            }
        ),
    ]
    (directory / "actions.jsonl").write_bytes(
        (lines[0] + "\r\n\n   \n" + lines[1] + "\n" + lines[2] + "\n\n").encode("utf-8")
    )
    entry = load_catalog(tmp_path).get(Sport.SOCCER, "f")
    assert entry is not None and entry.actions is not None
    assert entry.actions.end_rel_s == pytest.approx(9.0)
    index = build_index(entry, StreamKind.ACTIONS)
    reader = FrameReader()
    try:
        assert reader.read(index, 0, index.count) == [line.encode() for line in lines]
    finally:
        reader.close()
    assert index.finished


def test_events_stop_at_the_first_finished_packet(tmp_path: Path) -> None:
    data = write_fixture(tmp_path, "basketball", fixture_id(1), packets=4)
    path = tmp_path / "basketball" / fixture_id(1) / "actions.jsonl"
    extra = json.dumps({"fixtureAction": {"timestamp": "2026-05-06T17:00:30Z"}, "finished": False})
    path.write_bytes(path.read_bytes() + extra.encode() + b"\n")
    entry = load_catalog(tmp_path).get(Sport.BASKETBALL, fixture_id(1))
    assert entry is not None
    index = build_index(entry, StreamKind.ACTIONS)
    assert index.count == len(data.actions)
    assert index.end_rel_s == pytest.approx(30.0)  # the file's last time: the fixture is over then


def test_unfinished_and_timeless_streams(tmp_path: Path) -> None:
    write_fixture(tmp_path, "basketball", fixture_id(1), packets=3, finished=False)
    directory = tmp_path / "soccer" / "t"
    directory.mkdir(parents=True)
    (directory / "fixture.json").write_text("{}", encoding="utf-8")
    (directory / "actions.jsonl").write_text(
        '{"a": 1}\nnot json\n{"fixtureAction": {"timestamp": "2026-05-06T17:00:05Z"}}\n{"b": 2}\n',
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path)
    unfinished = catalog.get(Sport.BASKETBALL, fixture_id(1))
    assert unfinished is not None
    assert not build_index(unfinished, StreamKind.ACTIONS).finished
    timeless = catalog.get(Sport.SOCCER, "t")
    assert timeless is not None and timeless.actions is not None
    assert timeless.actions.end_rel_s == 0.0  # the origin is the first packet with a time
    index = build_index(timeless, StreamKind.ACTIONS)
    assert index.count == 4
    assert list(index.rel_s) == [0.0, 0.0, 0.0, 0.0]
