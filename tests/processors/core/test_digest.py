"""The content fingerprints stay what they were: stored states compare equal across versions."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from ddeflow.processors.core._codec import digest

SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False, allow_infinity=False)
PARTS = st.lists(SCALARS | st.lists(SCALARS, max_size=4) | st.tuples(SCALARS), max_size=12)


def json_digest(*parts: object) -> str:
    """The fingerprint as first defined: BLAKE2b of ``json.dumps``, compact and ASCII-only."""
    text = json.dumps(parts, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.blake2b(text.encode("ascii"), digest_size=8).hexdigest()


@given(PARTS)
def test_the_digest_is_the_json_digest(parts: list[object]) -> None:
    assert digest(*parts) == json_digest(*parts)


def test_the_texts_json_escapes_are_digested_as_json_writes_them() -> None:
    for text in ["é", "\x7f", "\x1f", '"', "\\", "\u2028", "plain"]:
        assert digest(1, text, [text]) == json_digest(1, text, [text])
    assert digest(1e16, [0.5]) == json_digest(1e16, [0.5])
    assert digest(2**70, -(2**64)) == json_digest(2**70, -(2**64))
