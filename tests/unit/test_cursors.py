"""Opaque log cursors and page sizes."""

from __future__ import annotations

import base64

import pytest

from api.errors import BadInput
from api.graphql.cursors import DEFAULT_PAGE, MAX_PAGE, decode, encode, page_size


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("position", [0, 1, 7, 123_456, 2**40])
def test_cursor_round_trip(position: int) -> None:
    assert decode(encode(position)) == position


def test_cursor_is_opaque_and_unpadded() -> None:
    cursor = encode(42)
    assert "42" not in cursor
    assert "=" not in cursor
    assert cursor == b64("v1:42")


def test_different_positions_give_different_cursors() -> None:
    assert encode(1) != encode(2)


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_is_the_start(cursor: str | None) -> None:
    assert decode(cursor) == 0


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "a",
        "v1:5",
        b64("v1:-1"),
        b64("v1:abc"),
        b64("v1:"),
        b64("v2:5"),
        b64("5"),
        b64("arrayconnection:5"),
        base64.urlsafe_b64encode(b"v1:\xff\xfe").decode(),
    ],
)
def test_garbage_negative_and_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(BadInput) as raised:
        decode(cursor)
    assert raised.value.code == "BAD_USER_INPUT"
    assert raised.value.message.startswith("after: ")
    assert repr(cursor) in raised.value.message


def test_refusal_names_the_field() -> None:
    with pytest.raises(BadInput, match=r"^before: "):
        decode("nope", field="before")


def test_page_size_default_and_bounds() -> None:
    assert page_size(None) == DEFAULT_PAGE
    assert page_size(0) == 0
    assert page_size(1) == 1
    assert page_size(MAX_PAGE) == MAX_PAGE == 500


@pytest.mark.parametrize("first", [-1, MAX_PAGE + 1, 10_000])
def test_page_size_out_of_bounds_is_refused(first: int) -> None:
    with pytest.raises(BadInput, match=f"first: {first} ") as raised:
        page_size(first)
    assert raised.value.code == "BAD_USER_INPUT"
