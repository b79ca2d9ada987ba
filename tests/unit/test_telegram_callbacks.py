"""Signed callback data: compact, round-trips, and refuses anything we did not sign."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifiers.telegram.callbacks import CODES, MAX_BYTES, Callback, ForgedCallback, sign, verify

KEY = "khóa-bí-mật"


@pytest.mark.parametrize("action", sorted(CODES))
def test_round_trip_and_size(action: str) -> None:
    data = sign(action, 2_147_483_647, 99_999, KEY)
    assert len(data.encode()) <= MAX_BYTES
    assert verify(data, KEY) == Callback(action, 2_147_483_647, 99_999)


def test_typical_button_is_small() -> None:
    assert len(sign("ack", 17, 3, KEY)) <= 25


@pytest.mark.parametrize("data", ["", "k.h.3", "k.h.3.AAAAAAAAAAAA", "ack:17", "k.h.3.xx.yy", "đ" * 40])
def test_forged_data_is_refused(data: str) -> None:
    with pytest.raises(ForgedCallback):
        verify(data, KEY)


def test_any_change_breaks_the_signature() -> None:
    good = sign("approve", 17, 5, KEY)
    code, ident, version, mac = good.split(".")
    for forged in (f"c.{ident}.{version}.{mac}", f"{code}.i.{version}.{mac}", f"{code}.{ident}.6.{mac}"):
        with pytest.raises(ForgedCallback):
            verify(forged, KEY)
    with pytest.raises(ForgedCallback):
        verify(good, "another key")


def test_unknown_action_cannot_be_signed() -> None:
    with pytest.raises(ValueError):
        sign("delete_everything", 1, 1, KEY)


@given(st.text(st.characters(exclude_categories=()), max_size=80))
def test_anything_we_did_not_sign_is_forged_and_nothing_else(data: str) -> None:
    with pytest.raises(ForgedCallback):
        verify(data, KEY)
