"""Cutting a JSON array or a JSON-lines text into its elements' exact bytes, without re-serialising.  Pure.

Input formats (a REST ``/actions`` body, or a saved file)::

    JSON array    [ element , element , ... ]     first non-blank byte is "[" (a UTF-8 BOM is skipped)
    JSON lines    element \\n element \\n ...       anything else; blank lines are skipped; a line's
                                                    bytes exclude its "\\n" and a "\\r" before it

Each element is returned as the byte slice of the input that holds it, with its
element index (0-based, blank lines not counted) and the 1-based line it starts
on, so a bad one can be reported precisely and dead-lettered unchanged.

A JSON array is split with ``json.JSONDecoder.raw_decode``, which gives each
element's span in the text; spans are turned back into byte offsets.  Invalid
UTF-8 is carried through (``surrogateescape``) so that it is the element, not
the whole input, that gets rejected later.  A syntax error inside an array
ends the split there: everything from the broken element to the end of the
input becomes one piece carrying the error, because nothing after it can be
delimited reliably.  JSON lines never have that problem: each line stands
alone, and is checked later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ddeflow.dde.parse import MALFORMED_JSON
from ddeflow.errors import PacketError

_WHITESPACE: Final = " \t\n\r"
_BOM: Final = b"\xef\xbb\xbf"
_DECODER: Final = json.JSONDecoder()


class InputKind(StrEnum):
    ARRAY = "array"
    LINES = "lines"


@dataclass(frozen=True, slots=True)
class Piece:
    index: int
    line: int
    raw: bytes
    error: PacketError | None = None
    """Set when the piece could not even be delimited (a broken array); else checked later."""


def input_kind(data: bytes) -> InputKind:
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    return InputKind.ARRAY if body.lstrip(_WHITESPACE.encode()).startswith(b"[") else InputKind.LINES


def split_input(data: bytes) -> tuple[InputKind, list[Piece]]:
    kind = input_kind(data)
    return kind, split_array(data) if kind is InputKind.ARRAY else split_lines(data)


def split_lines(data: bytes) -> list[Piece]:
    pieces: list[Piece] = []
    body_start = len(_BOM) if data.startswith(_BOM) else 0
    for number, line in enumerate(data[body_start:].split(b"\n"), start=1):
        raw = line[:-1] if line.endswith(b"\r") else line
        if raw.strip():
            pieces.append(Piece(len(pieces), number, raw))
    return pieces


class _Offsets:
    """Character index in the decoded text -> byte offset and line number, computed incrementally."""

    def __init__(self, text: str, base_byte: int) -> None:
        self._text = text
        self._char = 0
        self._byte = base_byte
        self._line = 1

    def at(self, index: int) -> tuple[int, int]:
        if index < self._char:
            raise ValueError("offsets are asked in increasing order")
        chunk = self._text[self._char : index]
        self._byte += len(chunk.encode("utf-8", "surrogateescape"))
        self._line += chunk.count("\n")
        self._char = index
        return self._byte, self._line


def _skip_blank(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def split_array(data: bytes) -> list[Piece]:
    return _ArraySplitter(data).split()


class _ArraySplitter:
    def __init__(self, data: bytes) -> None:
        base = len(_BOM) if data.startswith(_BOM) else 0
        self._data = data
        self._text = data[base:].decode("utf-8", "surrogateescape")
        self._offsets = _Offsets(self._text, base)
        self._pieces: list[Piece] = []

    def split(self) -> list[Piece]:
        text = self._text
        index = _skip_blank(text, 0)
        if index >= len(text) or text[index] != "[":
            return self._broken(index, "expected a JSON array")
        index = _skip_blank(text, index + 1)
        if index < len(text) and text[index] == "]":
            return self._end(index + 1)
        while True:
            try:
                _, end = _DECODER.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                return self._broken(index, f"{exc.msg} at character {exc.pos - index} of the element")
            start_byte, line = self._offsets.at(index)
            end_byte, _ = self._offsets.at(end)
            self._pieces.append(Piece(len(self._pieces), line, self._data[start_byte:end_byte]))
            index = _skip_blank(text, end)
            if index < len(text) and text[index] == ",":
                index = _skip_blank(text, index + 1)
                continue
            if index < len(text) and text[index] == "]":
                return self._end(index + 1)
            return self._broken(index, "expected ',' or ']' after an element")

    def _end(self, index: int) -> list[Piece]:
        rest = _skip_blank(self._text, index)
        if rest < len(self._text):
            return self._broken(rest, "unexpected data after the end of the array")
        return self._pieces

    def _broken(self, at: int, detail: str) -> list[Piece]:
        start_byte, line = self._offsets.at(at)
        raw = self._data[start_byte:]
        where = f"element {len(self._pieces)} (line {line})"
        error = PacketError(MALFORMED_JSON, f"{where}: {detail}", raw=raw)
        self._pieces.append(Piece(len(self._pieces), line, raw, error))
        return self._pieces
