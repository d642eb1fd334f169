from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import MAX_CALLBACK_BYTES, pack, unpack


def test_pack_and_unpack_round_trip() -> None:
    data = pack("lang", "set", "pt_BR")
    assert data == "lang:set:pt_BR"
    assert unpack(data, "lang", 2) == ["set", "pt_BR"]


@pytest.mark.parametrize(
    ("data", "prefix", "arity"),
    [
        ("lang:set", "lang", 2),
        ("wallet:x", "lang", 1),
        ("lang::x", "lang", 2),
        (None, "lang", 0),
        ("lang", "lang", 1),
    ],
)
def test_unpack_rejects_other_shapes(data: str | None, prefix: str, arity: int) -> None:
    assert unpack(data, prefix, arity) is None


def test_pack_refuses_oversized_or_ambiguous_parts() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        pack("x", "é" * 40)
    with pytest.raises(ValueError, match="contains"):
        pack("lang", "a:b")


@given(st.text(max_size=200), st.sampled_from(["lang", "home", ""]), st.integers(0, 4))
def test_unpack_never_raises_and_stays_in_bounds(data: str, prefix: str, arity: int) -> None:
    result = unpack(data, prefix, arity)
    if result is not None:
        assert len(result) == arity and all(result)
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
