"""Seed reports changed as a later issue of them would print them: one figure corrected, or a
total that no longer agrees with its rows."""

from __future__ import annotations

from tests.support.ingest import seed

MAYOR = "001"
"""시장비서실's report of 2020-03-31 (tab-separated tables)."""
PRINTED = "현 원\t20\t6\t2\t2\t-\t2\t14\t1\t1\t11\t1"
"""Its staffing table's 현원 row, as printed (line 26)."""


def mayor_text() -> tuple[str, str]:
    """The seed's file name and text."""
    path = seed(MAYOR)
    return path.name, path.read_text(encoding="utf-8")


def reissued(text: str) -> str:
    """001 reissued with 별정직 4급상당 현원 1 -> 2 (and its 소계 and 총계 with it)."""
    assert PRINTED in text
    return text.replace(PRINTED, "현 원\t21\t6\t2\t2\t-\t2\t15\t1\t2\t11\t1")


def disagreeing(text: str) -> str:
    """001 with its 별정직 소계 of 현원 printed 13 where its rows sum to 14."""
    assert PRINTED in text
    return text.replace(PRINTED, "현 원\t20\t6\t2\t2\t-\t2\t13\t1\t1\t11\t1")
