"""Reading ids and other small values out of request parameters without ever raising."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest primary key either database stores


def positive_id(value: object) -> int | None:
    """A database id written as plain digits, or None for anything else (letters, signs,
    spaces, non-ASCII digits, numbers no column can hold)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
