"""Splitting JSON arrays and JSON lines into exact byte slices, without re-serialising.  Pure."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.producers.json_split import InputKind, input_kind, split_array, split_input, split_lines

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_blank = st.text(alphabet=" \t\r\n", max_size=4)


@st.composite
def _encoded(draw: st.DrawFn) -> bytes:
    value = draw(_json)
    indent = draw(st.sampled_from([None, 0, 2]))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8")


@given(elements=st.lists(_encoded(), max_size=12), gaps=st.lists(_blank, min_size=40, max_size=40), bom=st.booleans())
def test_array_elements_are_the_exact_input_slices_with_their_lines(
    elements: list[bytes], gaps: list[str], bom: bool
) -> None:
    parts = [b"\xef\xbb\xbf" if bom else b"", gaps[0].encode(), b"["]
    starts: list[int] = []
    for i, element in enumerate(elements):
        parts.append(gaps[2 * i + 1].encode())
        starts.append(sum(map(len, parts)))
        parts.append(element)
        parts.append(gaps[2 * i + 2].encode())
        if i < len(elements) - 1:
            parts.append(b",")
    parts += [gaps[-1].encode(), b"]", gaps[-2].encode()]
    data = b"".join(parts)
    assert input_kind(data) is InputKind.ARRAY
    pieces = split_array(data)
    assert [p.raw for p in pieces] == elements
    assert [p.index for p in pieces] == list(range(len(elements)))
    assert [p.line for p in pieces] == [data[:start].count(b"\n") + 1 for start in starts]
    assert all(p.error is None for p in pieces)


def test_a_syntax_error_ends_the_array_with_one_located_piece() -> None:
    data = b'[{"a": 1},\n {"b": 2},\n {"c": oops}, {"d": 4}]'
    pieces = split_array(data)
    assert [p.raw for p in pieces[:2]] == [b'{"a": 1}', b'{"b": 2}']
    broken = pieces[2]
    assert (broken.index, broken.line, broken.raw) == (2, 3, b'{"c": oops}, {"d": 4}]')
    assert broken.error is not None and broken.error.reason == "malformed_json"
    assert "element 2 (line 3)" in broken.error.detail


def test_non_arrays_and_trailing_data_are_located_errors() -> None:
    (only,) = split_array(b'  {"a": 1}')
    assert only.error is not None and only.index == 0
    pieces = split_array(b"[1, 2]\n garbage")
    assert [p.raw for p in pieces[:2]] == [b"1", b"2"]
    assert pieces[2].error is not None and pieces[2].line == 2 and pieces[2].raw == b"garbage"
    assert split_array(b"[ ]") == []


def test_invalid_utf8_stays_inside_its_element() -> None:
    pieces = split_array(b'["\xff\xfe", {"x": "\xc3\xa9"}, 3]')
    assert [p.raw for p in pieces] == [b'"\xff\xfe"', b'{"x": "\xc3\xa9"}', b"3"]
    assert all(p.error is None for p in pieces)


@given(
    lines=st.lists(st.one_of(_encoded().filter(lambda b: b"\n" not in b), st.just(b"")), max_size=15),
    crlf=st.booleans(),
)
def test_json_lines_keep_each_line_and_its_number(lines: list[bytes], crlf: bool) -> None:
    end = b"\r\n" if crlf else b"\n"
    data = b"".join(line + end for line in lines)
    pieces = split_lines(data)
    expected = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    assert [(p.line, p.raw) for p in pieces] == expected
    assert [p.index for p in pieces] == list(range(len(expected)))


@given(data=st.binary(max_size=300))
def test_any_bytes_split_without_raising_and_every_piece_is_a_slice(data: bytes) -> None:
    kind, pieces = split_input(data)
    for piece in pieces:
        assert piece.raw in data
    if kind is InputKind.ARRAY:
        assert all(p.error is None for p in pieces[:-1])
