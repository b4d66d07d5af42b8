"""Scores shared by the tests and the benchmarks."""

from __future__ import annotations

from collections import Counter


def cell_f1(expected: list[list[str]], found: list[list[str]]) -> float:
    """F1 over (row, column, text) cells: a cell counts only if whole and in place."""
    want = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(expected)
        for c, v in enumerate(row)
        if v.strip()
    )
    got = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(found)
        for c, v in enumerate(row)
        if v.strip()
    )
    hits = sum((want & got).values())
    if not hits:
        return 0.0
    return 2 * hits / (sum(want.values()) + sum(got.values()))


def prf(truth: set, found: set) -> tuple[float, float, float]:  # type: ignore[type-arg]
    """Precision, recall and F1 of two sets."""
    hits = len(truth & found)
    p = hits / len(found) if found else 0.0
    r = hits / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
