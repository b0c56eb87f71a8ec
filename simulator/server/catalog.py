"""The fixtures the simulator serves, read from a data directory.  Blocking file I/O, no asyncio.

Layout (written by ``ddeflow generate`` or by hand)::

    DIR/<sport>/<fixtureId>/fixture.json       the REST fixture object
    DIR/<sport>/<fixtureId>/actions.jsonl      one action packet per line, in send order
    DIR/<sport>/<fixtureId>/statistics.jsonl   optional: one statistics packet per line

``<sport>`` is our name (``volleyball``, not ``v2/volleyball``).  A line is
served byte for byte, without its line break; blank lines are skipped.  Times
come from ``fixtureAction.timestamp`` (action packets) or ``timestamp``
(statistics packets); ``finished`` is read at the top level or in
``fixtureSummary``.

Loading is cheap and up front: ``fixture.json`` plus the first and last line of
each stream file.  A stream's full index (where each line is and when it is
due) is built on first use by ``build_index``; frames are then read with
``pread`` as they are sent, so memory does not grow with the size of the data.
"""

from __future__ import annotations

import json
import logging
import os
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError, UnknownSportError
from ddeflow.simulator.server.routes import StreamKind
from ddeflow.simulator.server.timeline import end_rel_s, parse_utc_s, relative_times

log = logging.getLogger(__name__)

FIXTURE_FILE = "fixture.json"
STREAM_FILES: Mapping[StreamKind, str] = {
    StreamKind.ACTIONS: "actions.jsonl",
    StreamKind.STATISTICS: "statistics.jsonl",
}
_TAIL_CHUNK = 64 * 1024


def packet_time_s(kind: StreamKind, packet: object) -> float | None:
    """A packet's time in epoch seconds, or None when it has no readable one."""
    if not isinstance(packet, dict):
        return None
    if kind is StreamKind.ACTIONS:
        action = packet.get("fixtureAction")
        text = action.get("timestamp") if isinstance(action, dict) else None
        return parse_utc_s(text) if text is not None else parse_utc_s(packet.get("timestamp"))
    return parse_utc_s(packet.get("timestamp"))


def packet_finished(packet: object) -> bool:
    if not isinstance(packet, dict):
        return False
    if packet.get("finished") is True:
        return True
    summary = packet.get("fixtureSummary")
    return isinstance(summary, dict) and summary.get("finished") is True


def _summary_field(packet: object, name: str) -> str | None:
    summary = packet.get("fixtureSummary") if isinstance(packet, dict) else None
    value = summary.get(name) if isinstance(summary, dict) else None
    return value if isinstance(value, str) else None


def _parse(line: bytes) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return None


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(offset, line)`` for each non-blank line, the line without its line break."""
    offset = 0
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield offset, line
            offset += len(raw)


def _first_line(path: Path) -> bytes | None:
    return next((line for _, line in iter_lines(path)), None)


def _last_line(path: Path) -> bytes | None:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        tail = b""
        position = end
        while position > 0:
            step = min(_TAIL_CHUNK, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
            lines = [line for line in tail.splitlines() if line.strip()]
            # The first piece may be a partial line unless we have reached the start.
            if len(lines) >= 2 or (lines and position == 0):
                return lines[-1].rstrip(b"\r")
    return None


@dataclass(frozen=True, slots=True)
class StreamFile:
    """One stream's file, with its first and last packet's relative times known up front."""

    kind: StreamKind
    path: Path
    end_rel_s: float


@dataclass(frozen=True, slots=True)
class FixtureEntry:
    sport: Sport
    fixture_id: str
    fixture: Mapping[str, Any]
    directory: Path
    origin_s: float
    actions: StreamFile | None
    statistics: StreamFile | None
    final_status: str | None
    final_collection_status: str | None

    def stream(self, kind: StreamKind) -> StreamFile | None:
        return self.actions if kind is StreamKind.ACTIONS else self.statistics

    @property
    def start_date(self) -> str:
        value = self.fixture.get("startDateUTC")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class StreamIndex:
    """Where each event of a stream is in its file and when it is due (relative time)."""

    path: Path
    offsets: array[int]
    lengths: array[int]
    rel_s: array[float]
    finished: bool

    @property
    def count(self) -> int:
        return len(self.offsets)

    @property
    def end_rel_s(self) -> float:
        return self.rel_s[-1] if self.rel_s else 0.0


def build_index(entry: FixtureEntry, kind: StreamKind) -> StreamIndex:
    """Scan a stream file once; events stop at the first ``finished`` packet."""
    stream = entry.stream(kind)
    if stream is None:
        raise ConfigError(f"fixture {entry.fixture_id} has no {kind} stream")
    offsets: array[int] = array("q")
    lengths: array[int] = array("q")
    times: list[float | None] = []
    finished = False
    for offset, line in iter_lines(stream.path):
        packet = _parse(line)
        offsets.append(offset)
        lengths.append(len(line))
        times.append(packet_time_s(kind, packet))
        if packet_finished(packet):
            finished = True
            break
    # Clamped to the file's last packet time, so the stream ends when the fixture's status says it does.
    rel = relative_times(times, entry.origin_s, stream.end_rel_s)
    return StreamIndex(stream.path, offsets, lengths, array("d", rel), finished)


def read_all_lines(path: Path) -> list[bytes]:
    return [line for _, line in iter_lines(path)]


def actions_array(entry: FixtureEntry) -> bytes:
    """The REST ``/actions`` body: every action packet, byte for byte, as one JSON array."""
    if entry.actions is None:
        return b"[]"
    return b"[" + b",".join(read_all_lines(entry.actions.path)) + b"]"


class FrameReader:
    """Reads event frames by position, keeping a bounded number of files open."""

    def __init__(self, max_open: int = 128) -> None:
        self._max_open = max_open
        self._fds: OrderedDict[Path, int] = OrderedDict()

    def _fd(self, path: Path) -> int:
        fd = self._fds.get(path)
        if fd is not None:
            self._fds.move_to_end(path)
            return fd
        fd = os.open(path, os.O_RDONLY)
        self._fds[path] = fd
        while len(self._fds) > self._max_open:
            _, old = self._fds.popitem(last=False)
            os.close(old)
        return fd

    def read(self, index: StreamIndex, start: int, stop: int) -> list[bytes]:
        """Frames ``start`` to ``stop - 1`` in one read."""
        if start >= stop:
            return []
        first = index.offsets[start]
        span = index.offsets[stop - 1] + index.lengths[stop - 1] - first
        blob = os.pread(self._fd(index.path), span, first)
        return [
            blob[index.offsets[i] - first : index.offsets[i] - first + index.lengths[i]] for i in range(start, stop)
        ]

    def close(self) -> None:
        while self._fds:
            _, fd = self._fds.popitem()
            os.close(fd)


class Catalog:
    """Every fixture found under the data directory, by sport and id."""

    def __init__(self, entries: Sequence[FixtureEntry]) -> None:
        ordered = sorted(entries, key=lambda e: (e.start_date, e.sport.value, e.fixture_id))
        self._ordered = tuple(ordered)
        self._by_key = {(e.sport, e.fixture_id): e for e in ordered}
        self._by_id = {e.fixture_id: e for e in ordered}

    def __len__(self) -> int:
        return len(self._ordered)

    @property
    def ordered(self) -> tuple[FixtureEntry, ...]:
        """Every fixture by start date, then sport and id: the order ``--stagger`` uses."""
        return self._ordered

    def get(self, sport: Sport, fixture_id: str) -> FixtureEntry | None:
        return self._by_key.get((sport, fixture_id))

    def by_id(self, fixture_id: str) -> FixtureEntry | None:
        return self._by_id.get(fixture_id)

    def of_sport(self, sport: Sport) -> list[FixtureEntry]:
        return [entry for entry in self._ordered if entry.sport is sport]


def _stream_file(
    kind: StreamKind, path: Path, origin_s: float | None
) -> tuple[StreamFile | None, float | None, object]:
    """The stream file summary, the origin it implies, and its last packet (parsed)."""
    if not path.is_file():
        return None, origin_s, None
    first_line = _first_line(path)
    if first_line is None:
        return None, origin_s, None
    last_line = _last_line(path) or first_line
    first, last = _parse(first_line), _parse(last_line)
    if origin_s is None:
        origin_s = packet_time_s(kind, first)
        if origin_s is None:
            origin_s = next(
                (t for _, line in iter_lines(path) if (t := packet_time_s(kind, _parse(line))) is not None),
                None,
            )
    origin = origin_s if origin_s is not None else 0.0
    end = end_rel_s(packet_time_s(kind, last), origin)
    if end is None:
        # The last packet has no time of its own: it takes the latest time before it.
        times = [packet_time_s(kind, _parse(line)) for _, line in iter_lines(path)]
        end = relative_times(times, origin, None)[-1]
    return StreamFile(kind, path, end), origin_s, last


def load_fixture(sport: Sport, directory: Path) -> FixtureEntry:
    """One fixture directory; raises ``ConfigError`` when it cannot be served."""
    fixture_path = directory / FIXTURE_FILE
    try:
        fixture = json.loads(fixture_path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{fixture_path}: cannot be read: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{fixture_path}: not JSON: {exc}") from None
    if not isinstance(fixture, dict):
        raise ConfigError(f"{fixture_path}: not a JSON object")
    fixture_id = directory.name
    if fixture.get("id") not in (None, fixture_id):
        log.warning(
            "%s: id %r differs from its directory name; serving it as %s",
            fixture_path,
            fixture.get("id"),
            fixture_id,
        )
    actions, origin_s, last_action = _stream_file(
        StreamKind.ACTIONS, directory / STREAM_FILES[StreamKind.ACTIONS], None
    )
    statistics, origin_s, _ = _stream_file(
        StreamKind.STATISTICS, directory / STREAM_FILES[StreamKind.STATISTICS], origin_s
    )
    return FixtureEntry(
        sport=sport,
        fixture_id=fixture_id,
        fixture=fixture,
        directory=directory,
        origin_s=origin_s if origin_s is not None else 0.0,
        actions=actions,
        statistics=statistics,
        final_status=_summary_field(last_action, "currentStatus"),
        final_collection_status=_summary_field(last_action, "collectionStatus"),
    )


def load_catalog(root: Path) -> Catalog:
    """Every fixture under ``root``; unreadable fixtures are skipped with a warning."""
    if not root.is_dir():
        raise ConfigError(f"simulator data directory {root} does not exist")
    entries: list[FixtureEntry] = []
    for sport_dir in sorted(root.iterdir()):
        if not sport_dir.is_dir():
            continue
        try:
            sport = Sport(sport_dir.name)
        except UnknownSportError:
            log.warning("%s: not a sport directory; skipped", sport_dir)
            continue
        for fixture_dir in sorted(sport_dir.iterdir()):
            if not fixture_dir.is_dir():
                continue
            try:
                entries.append(load_fixture(sport, fixture_dir))
            except ConfigError as exc:
                log.warning("skipped fixture: %s", exc)
    return Catalog(entries)
