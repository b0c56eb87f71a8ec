"""The parser reads JSON with msgspec for speed, yet every input must read exactly as the standard library
reads it: the same values of the same types, and an error where it errs.  The field rules were written
against the standard library's reading (integers beyond 64 bits stay ints, ``1e400`` is infinite)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.dde.parse import _decode, _NotJsonError
from tests.profiles import examples

# Number tokens as written, beyond what json.dumps writes: long integers, long fractions, huge exponents.
NUMBER_TOKENS = st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)
# Any code point, lone surrogates included, which json.dumps writes as \udXXX escapes.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=6)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=12,
)


def standard(data: bytes) -> Any:
    def reject(name: str) -> Any:
        raise ValueError(name)

    return json.loads(data.decode("utf-8"), parse_constant=reject)


def reading(data: bytes) -> str:
    """What a packet parse makes of ``data`` as JSON: the value it read (types kept), or that it was not JSON."""
    try:
        value = standard(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "not JSON"
    return json.dumps(value)  # distinguishes 1, 1.0 and true, and keeps key order


def parsed_reading(data: bytes) -> str:
    """The same, as the parser reads it."""
    try:
        value = _decode(data)
    except _NotJsonError:
        return "not JSON"
    return json.dumps(value)


@examples(ci=1_500, fuzz=200_000)
@given(VALUES)
def test_any_json_value_reads_as_the_standard_library_reads_it(value: Any) -> None:
    for data in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")):
        assert parsed_reading(data) == reading(data)


@examples(ci=1_500, fuzz=200_000)
@given(st.lists(NUMBER_TOKENS, min_size=1, max_size=4))
def test_any_number_token_reads_as_the_standard_library_reads_it(tokens: list[str]) -> None:
    data = ("[" + ",".join(tokens) + "]").encode()
    assert parsed_reading(data) == reading(data)


@examples(ci=1_500, fuzz=200_000)
@given(st.binary(max_size=64))
def test_any_bytes_read_as_the_standard_library_reads_them(data: bytes) -> None:
    assert parsed_reading(data) == reading(data)


def test_the_comparison_tells_the_readings_apart() -> None:
    assert reading(b"18446744073709551616") == "18446744073709551616"
    assert reading(b"18446744073709551616") != json.dumps(1.8446744073709552e19)
    assert reading(b"1e400") == "Infinity"
    assert reading(b"NaN") == "not JSON"
    assert reading(b'"\\ud800"') == '"\\ud800"'


def test_nesting_too_deep_for_the_standard_library_is_not_json() -> None:
    for depth in (10, 5_000, 100_000):
        data = b"[" * depth + b"]" * depth
        assert parsed_reading(data) == reading(data)
