"""The CPU engine's field reader: every field's value chosen among candidates, not taken
from the first match.

Each label of the profile (in any of its languages) is found where a 'label: value' unit
starts: at a cell's start, or after a separator. All the profile's labels compete at a
place, the longest winning, so "Total HT" is the net amount's label and not the total's.
From a label, a value of the field's type is looked for in the same cell, in the cells to
its right (up to the next label), in the cell below it, and at the start of the next line;
each place has a weight, and so has the label (the profile lists the specific ones first).
The candidates of a field are then weighed together with what the document says as a
whole: the total is the one that the net and the tax add up to, or the largest of the
labelled totals after them; a due date is not before the issue date; a reference has a
digit and is not a date, an amount or a phone number. A field a person corrected before
on this correspondent's documents is read where the correction was found first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docintel.pipeline.profiles.candidates import Candidate, Hint
from docintel.pipeline.profiles.correspondents import fold, names
from docintel.pipeline.profiles.fallbacks import fallback
from docintel.pipeline.profiles.identifiers import (
    LEAD,
    looks_like_money,
    party_name,
    reference,
    tax_or_bank_id,
)
from docintel.pipeline.profiles.labels import (
    COUNTED,
    label_index,
    label_key,
    label_weight,
    speck,
    unit_start,
)
from docintel.pipeline.profiles.layout import Cell, Layout, layout_of
from docintel.pipeline.profiles.locale import day_first, document_currency, language_of
from docintel.pipeline.profiles.spec import FieldSpec, Profile
from docintel.pipeline.profiles.taught import near_words
from docintel.pipeline.profiles.values import Value, parse, parse_date, parse_money
from docintel.pipeline.types import DocumentContent, FieldValue

SAME, RIGHT, BELOW, NEXT_LINE = 1.0, 0.95, 0.85, 0.7
MONEY_NAMES = ("total", "net", "tax")


@dataclass(frozen=True)
class View:
    """What every profile's reading of one document shares: its cells, its text, its
    language and currency, and how it writes dates."""

    layout: Layout
    text: str
    language: str
    currency: str | None
    day_first: bool

    @classmethod
    def of(cls, content: DocumentContent) -> View:
        layout = layout_of(content)
        text = "\n".join(t for _, t in layout.lines())
        language = language_of(text)
        currency = document_currency(text, language)
        return cls(layout, text, language, currency, day_first(language, currency, text))


class Reader:
    """One document read for one profile."""

    def __init__(
        self,
        profile: Profile,
        content: DocumentContent,
        hints: tuple[Hint, ...] = (),
        view: View | None = None,
    ) -> None:
        self.profile = profile
        view = view or View.of(content)
        self.layout, self.text = view.layout, view.text
        self.language, self.currency, self.day_first = view.language, view.currency, view.day_first
        self.hints = hints
        self.scalars = [f for f in profile.fields if f.type != "table"]
        self.labels = label_index(tuple(self.scalars))
        self.titles = profile.titles
        self._titles = {t.lower() for t in profile.titles}
        self._found: list[Candidate] = []

    def evidence(self) -> list[FieldSpec]:
        """The fields a label of this profile leads to a value of the field's type."""
        named = {c.spec.name for c in self._labelled()}
        return [spec for spec in self.scalars if spec.name in named]

    def read(self) -> list[FieldValue]:
        found: dict[str, list[Candidate]] = {f.name: [] for f in self.scalars}
        self._found = self._labelled()
        for candidate in self._found:
            found[candidate.spec.name].append(candidate)
        for candidate in self._taught():
            found[candidate.spec.name].append(candidate)
        chosen: dict[str, Candidate] = {}
        for spec in self.scalars:
            best = self._choose(spec, found[spec.name], chosen)
            if best is None:
                best = fallback(self, spec, chosen)
            if best is not None:
                chosen[spec.name] = best
        return [self._field(c) for c in chosen.values()]

    # -- candidates -------------------------------------------------------------------

    def _labelled(self) -> list[Candidate]:
        out: list[Candidate] = []
        pattern = self.labels.pattern
        label_cells = self._label_cells()
        for cell in self.layout.cells:
            if not cell.text:
                continue
            units = [m for m in pattern.finditer(cell.text) if self._starts_unit(cell, m)]
            # One label starts a unit, the rest of the cell its value; a later label with
            # its colon starts another ("Invoice date: 2026-11-02 Due date: 2026-12-02").
            units = units[:1] + [m for m in units[1:] if re.match(r"\s*:", cell.text[m.end() :])]
            hits = [
                (m.group(0), label_key(m.group(0)), m.end(), 1.0, nxt.start() if nxt else None)
                for m, nxt in zip(units, [*units[1:], None], strict=False)
            ]
            if not hits and cell.ocr:
                hits = [(*h, None) for h in self._misread_label(cell)]
            for n, (label, key, end, trust, stop) in enumerate(hits):
                rest = cell.text[end:stop]
                if n and not LEAD.sub("", rest).strip():
                    continue  # labels stacked in a cell: which value beside is whose is unknown
                counted = COUNTED.match(rest) is not None
                titled = ":" not in cell.text and key in self._titles and not rest.strip()
                for spec, rank in self.labels.fields[key]:
                    if counted and spec.type == "money":
                        continue  # "Total Qty", "Gesamt Menge": a count, not an amount
                    weight = label_weight(rank, key) * trust
                    if titled and spec.type == "string" and not spec.format:
                        # a title word in a heading ("SERVICES AGREEMENT"): the heading is
                        # the value, not whatever line follows it
                        value = self._value(spec, cell.text.strip(" #*|"))
                        if value is not None:
                            out.append(Candidate(spec, value, cell, weight * SAME, "a heading"))
                        continue
                    out += self._around(spec, cell, rest, weight, label, label_cells)
        return out

    def _misread_label(self, cell: Cell) -> list[tuple[str, str, int, float]]:
        """A label OCR misspelt at the cell's start ("Tatal Amount:", "Involce No"): the
        closest label to its first words, by RapidFuzz's ratio, where it is close enough and
        long enough not to be a chance likeness."""
        from rapidfuzz import fuzz, process

        words = list(re.finditer(r"\S+", cell.text))[:4]
        best: tuple[str, str, int, float] | None = None
        for n in range(len(words), 0, -1):
            head = cell.text[: words[n - 1].end()].rstrip(":;.#")
            if len(head) < 5:
                continue
            found = process.extractOne(
                head.lower(), self.labels.long, scorer=fuzz.ratio, score_cutoff=82
            )
            if found and (best is None or found[1] / 100 > best[3]):
                best = (head, found[0], words[n - 1].end(), found[1] / 100)
        return [best] if best else []

    def _starts_unit(self, cell: Cell, m: re.Match[str]) -> bool:
        """A label begins a 'label: value' unit at its cell's start or after a separator;
        anywhere where a colon follows it (columns run together in a scan's line: "Mountain
        View, CA 94043 Balance Due: $4,647.68"); and a title word anywhere in a heading
        ("Google INVOICE")."""
        if unit_start(cell.text[: m.start()]):
            return True
        if cell.ocr and speck(cell.text[: m.start()]):
            return True  # "y Payé 9,50€": a speck of dirt read as a letter before the label
        after = cell.text[m.end() :]
        if re.match(r"\s*:", after):
            return True
        if any(spec.type == "date" for spec, _ in self.labels.fields[label_key(m.group(0))]):
            # "... ist zahlbar zum 25.02.2025": a date label with its date right after it
            found = parse_date(after[:40], day_first=self.day_first)
            if found is not None and after.lstrip(" :").startswith(found.text):
                return True
        heading = len(cell.text.split()) <= 6 and ":" not in cell.text
        return heading and m.group(0).lower() in self._titles

    def _label_cells(self) -> set[tuple[int, int]]:
        """The cells that are a label and nothing more (a header, or a label before its
        value cell)."""
        out = set()
        for cell in self.layout.cells:
            m = self.labels.pattern.match(cell.text)
            if m and not LEAD.sub("", cell.text[m.end() :]).strip():
                out.add((cell.line, cell.col))
        return out

    def _around(
        self,
        spec: FieldSpec,
        cell: Cell,
        rest: str,
        weight: float,
        label: str,
        label_cells: set[tuple[int, int]],
    ) -> list[Candidate]:
        """The values of ``spec``'s type beside a label: in its cell, to its right, below
        it, on the next line."""
        out = []
        if spec.format == "party" and rest.strip() and not re.match(r"\s*[:=\-–]", rest):
            return out  # "Seller Company": a name that starts with a label's word
        rest = LEAD.sub("", rest)
        if rest.strip():
            value = self._value(spec, rest)
            if value is not None:
                out.append(Candidate(spec, value, cell, weight * SAME, f"after '{label}'"))
                return out
        right = self._right_value(spec, cell, label_cells)
        if right is not None:
            value, where = right
            out.append(Candidate(spec, value, where, weight * RIGHT, f"right of '{label}'"))
            return out
        below = self.layout.below(cell)
        if below is not None and (below.line, below.col) not in label_cells:
            value = self._value(spec, below.text, beside=False)
            if value is not None and (
                self._below_is_a_value(cell) or spec.type == "date" and self._lone_date(below)
            ):
                out.append(Candidate(spec, value, below, weight * BELOW, f"below '{label}'"))
                return out
        if self.layout.right(cell) is None:
            nxt = self.layout.next_line(cell)
            if nxt is not None and (nxt.line, nxt.col) not in label_cells:
                value = self._value(spec, nxt.text, beside=False)
                if value is not None:
                    how = f"on the line after '{label}'"
                    out.append(Candidate(spec, value, nxt, weight * NEXT_LINE, how))
        return out

    def _right_value(
        self, spec: FieldSpec, cell: Cell, label_cells: set[tuple[int, int]]
    ) -> tuple[Value, Cell] | None:
        """The value in the cells right of a label, up to the next label: for an amount the
        last of them (a totals row's gross is its last column), else the first."""
        found: list[tuple[Value, Cell]] = []
        for right in self.layout.row_after(cell):
            if (right.line, right.col) in label_cells or self.labels.pattern.match(right.text):
                break
            value = self._value(spec, right.text)
            if value is not None:
                found.append((value, right))
                if spec.type != "money":
                    break
        return found[-1] if found else None

    def _below_is_a_value(self, cell: Cell) -> bool:
        """A label's cell below holds its value in a key/value header row (every cell of the
        row a label) or a short table; not in a line-item table's column."""
        row = [c for c in self.layout.rows[cell.line] if c.text]
        labelled = sum(1 for c in row if self.labels.pattern.match(c.text))
        return not cell.table or labelled >= max(2, len(row) - 1) or len(row) <= 2

    def _lone_date(self, cell: Cell) -> bool:
        """A date under a date's label in a header row of other words ("Your Reference |
        Salesperson | Due Date"), with no date under it: the row's value, not a column of
        dates (a schedule, a statement's lines)."""
        under = self.layout.below(cell, reach=1)
        return under is None or parse_date(under.text, day_first=self.day_first) is None

    def _taught(self) -> list[Candidate]:
        """A person's corrections of this correspondent's documents: the value at the same
        place beside the same label, first."""
        out = []
        by_name = {s.name: s for s in self.scalars}
        for hint in self.hints:
            spec = by_name.get(hint.field)
            if spec is None or hint.profile not in ("", self.profile.name):
                continue
            if hint.place == "name":
                found = self._named(spec, hint)
                if found is not None:
                    out.append(found)
                continue
            label, near = hint.label.lower(), near_words(hint.label)
            for cell in self.layout.cells:
                if cell.text.lower().startswith(label):
                    rest = cell.text[len(hint.label) :]
                elif hint.place == "same" and near and (m := near.search(cell.text)):
                    rest = cell.text[m.end() :]  # the words before the value, elsewhere
                else:
                    continue
                got = self._at(spec, cell, rest, hint.place)
                if got is not None:
                    value, where = got
                    source = f" of document {hint.document_id}" if hint.document_id else ""
                    how = f"learned from a correction{source}: {hint.place} '{hint.label}'"
                    out.append(Candidate(spec, value, where, 2.0, how))
                    break
        return out

    def _named(self, spec: FieldSpec, hint: Hint) -> Candidate | None:
        """The correspondent a person named, where its name stands on this document."""
        key = fold(hint.example)
        for cell in self.layout.cells:
            if names(key, fold(cell.text)):  # as written, or a letter misread by OCR
                source = f" of document {hint.document_id}" if hint.document_id else ""
                how = f"learned from a correction{source}: the correspondent's name"
                return Candidate(spec, Value(hint.example, cell.text), cell, 2.0, how)
        return None

    def _at(self, spec: FieldSpec, cell: Cell, rest: str, place: str) -> tuple[Value, Cell] | None:
        target: Cell | None = cell
        text = LEAD.sub("", rest)
        if place == "right":
            target = self.layout.right(cell)
        elif place == "below":
            target = self.layout.below(cell)
        elif place == "next_line":
            target = self.layout.next_line(cell)
        if target is None:
            return None
        value = self._value(spec, text if place == "same" else target.text)
        return (value, target) if value is not None else None

    # -- values -----------------------------------------------------------------------

    def _value(self, spec: FieldSpec, text: str, beside: bool = True) -> Value | None:
        """A value of ``spec``'s type in ``text``; away from its label (``beside`` False)
        an amount needs decimals or a currency (a whole number there is a code or a count)."""
        text = text.strip()
        if not text:
            return None
        if spec.type == "date":
            return parse_date(text, day_first=self.day_first)
        if spec.type == "money":
            value = parse_money(text)
            if value is not None and not beside and not looks_like_money(value):
                return None
            if value is not None and value.currency is None and self.currency:
                value = Value(value.normalized, value.text, value.number, self.currency)
            return value
        if spec.type == "string" and spec.format == "id":
            return reference(text)
        if spec.type == "string" and spec.format == "party":
            name = party_name(text)
            return Value(name, text) if name else None
        if spec.type == "string" and spec.format in ("iban", "vat"):
            return tax_or_bank_id(text, spec.format)
        if spec.type == "string" and spec.format == "currency":
            code = document_currency(text, self.language)
            return Value(code, text) if code else None
        value = parse(spec.type, text, day_first=self.day_first, values=spec.values)
        if (
            value is not None
            and spec.type == "string"
            and self.labels.pattern.fullmatch(value.normalized)
        ):
            return None  # another label, not a value
        return value

    # -- choosing ---------------------------------------------------------------------

    def _choose(
        self, spec: FieldSpec, candidates: list[Candidate], chosen: dict[str, Candidate]
    ) -> Candidate | None:
        if not candidates:
            return None
        if spec.type == "money" and spec.name == "total":
            return self._total(candidates)
        ranked = sorted(candidates, key=lambda c: (-c.score, c.cell.line))
        if spec.type == "date" and spec.name.startswith("due"):
            issued = chosen.get("issue_date")
            fitting = [c for c in ranked if not issued or c.value.day >= issued.value.day]
            ranked = fitting or ranked
        return ranked[0]

    def _total(self, candidates: list[Candidate]) -> Candidate:
        """The labelled total that the net and the tax add up to; else the best labelled,
        the largest of equal weight (a gross after its net)."""
        nets = [c.value.number for c in self._labelled_of("net")]
        taxes = [c.value.number for c in self._labelled_of("tax")]
        sums = {round(n + t, 2) for n in nets for t in taxes if n is not None and t is not None}
        adding = [
            c for c in candidates if c.value.number is not None and round(c.value.number, 2) in sums
        ]
        if adding:
            return max(adding, key=lambda c: (c.score, c.cell.line))
        best = max(c.score for c in candidates)
        top = [c for c in candidates if c.score >= best - 0.05]
        floor = max((n for n in nets if n is not None), default=None)
        above = [c for c in top if floor is None or (c.value.number or 0) >= floor - 0.005]
        return max(above or top, key=lambda c: (c.value.number or 0, c.cell.line))

    def _labelled_of(self, name: str) -> list[Candidate]:
        return [c for c in self._found if c.spec.name == name]

    def _field(self, c: Candidate) -> FieldValue:
        value = c.value
        quote = self.layout.line_text(c.cell.line)
        taught = c.how.startswith("learned")
        return FieldValue(
            field=c.spec.name,
            value=value.text if c.spec.type != "string" else value.normalized,
            normalized=value.normalized,
            number=value.number,
            currency=value.currency,
            day=value.day.isoformat() if value.day else None,
            page=c.cell.page,
            seconds=c.cell.seconds,
            quote=(quote or c.cell.text)[:500],
            confidence=round(min(0.95, 0.5 + c.score / 2.5), 2),
            engine="rules+correction" if taught else "rules",
            note=c.how,
        )
