"""Where a table drawn with horizontal rules only stands: the style of papers and reports (a
rule above the header, one under it, one under the last row; no vertical lines), for which
PyMuPDF's grid finder has no cells. The rules say which part of the page is the table, on a
two-column page which column, and from which line to which; the words between them are then
read by their alignment, apart from the prose beside them."""

from __future__ import annotations

from typing import Any

Box = tuple[float, float, float, float]
Rule = tuple[float, float, float]  # x0, x1, y

MIN_RULE = 40.0  # narrower strokes are underlines and fraction bars
SAME_EXTENT = 0.9  # rules of one table span (nearly) the same columns
MAX_GAP = 400.0  # consecutive rules of one table are closer than this


def horizontal_rules(page: Any, drawings: Any = None) -> list[Rule]:
    """Every horizontal stroke (a line, or a rectangle thinner than 2.5 pt), with
    collinear pieces that touch joined: a rule drawn cell by cell is one rule.
    ``drawings``: the page's ``get_cdrawings()``, where read already."""
    pieces: list[Rule] = []
    for path in page.get_cdrawings() if drawings is None else drawings:
        for item in path.get("items", ()):
            if item[0] == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                if abs(y0 - y1) < 1.0:
                    pieces.append((min(x0, x1), max(x0, x1), (y0 + y1) / 2))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                if abs(y1 - y0) < 2.5 and x1 - x0 > 2:
                    pieces.append((x0, x1, (y0 + y1) / 2))
    pieces.sort(key=lambda r: (round(r[2]), r[0]))
    rules: list[Rule] = []
    for x0, x1, y in pieces:
        last = rules[-1] if rules else None
        # pieces that touch (or overlap): two rules at nearly the same height side by side
        # (two tables' header rules, 0.9 pt apart) sort by their rounded heights, not x
        if last and abs(last[2] - y) < 1.0 and x0 - last[1] < 3.0 and last[0] - x1 < 3.0:
            rules[-1] = (min(last[0], x0), max(last[1], x1), last[2])
        else:
            rules.append((x0, x1, y))
    return [r for r in rules if r[1] - r[0] >= MIN_RULE]


def rule_bands(
    page: Any, words: list[Any], min_lines: int = 2, drawings: Any = None
) -> list[tuple[Box, list[float]]]:
    """The boxes between the first and last of two or more rules of the same extent with
    ``min_lines`` lines of words or more between them, none overlapping another (a page's
    header rule spans both columns and is not one of a table's), each with the heights of
    its rules, top to bottom. The groups of most rules are taken first, then the widest: a
    table ruled under each row in one column of a page whose two rules (under the figures,
    over the footer) span both is that table, not the page's prose beside it."""
    groups: list[list[Rule]] = []
    for rule in sorted(horizontal_rules(page, drawings), key=lambda r: r[2]):
        for group in groups:
            x0, x1 = min(r[0] for r in group), max(r[1] for r in group)
            shared = min(x1, rule[1]) - max(x0, rule[0])
            wide = max(x1 - x0, rule[1] - rule[0])
            if shared >= SAME_EXTENT * wide and rule[2] - group[-1][2] < MAX_GAP:
                group.append(rule)
                break
        else:
            groups.append([rule])
    bands: list[tuple[Box, list[float]]] = []
    for group in sorted(
        groups, key=lambda g: (-len(g), min(r[0] for r in g) - max(r[1] for r in g))
    ):
        if len(group) < 2:
            continue
        box = (
            min(r[0] for r in group) - 2,
            group[0][2],
            max(r[1] for r in group) + 2,
            group[-1][2],
        )
        if any(_overlap(box, other) for other, _ in bands):
            continue
        if _line_count([w for w in words if _within(w, box)]) >= min_lines:
            bands.append((box, [r[2] for r in group]))
    return bands


def _within(word: Any, box: Box) -> bool:
    x, y = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _overlap(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _line_count(words: list[Any]) -> int:
    """Lines of text, counted by the words' vertical middles (3 pt apart or more)."""
    middles = sorted((w[1] + w[3]) / 2 for w in words)
    return sum(1 for i, m in enumerate(middles) if i == 0 or m - middles[i - 1] > 3.0)
