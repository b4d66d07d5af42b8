"""Filled PDF forms (AcroForm widgets): each widget's value as a field, labelled by its
tooltip, its name, or the nearest text to its left or above when the name is a machine's
("Text1"). Checkboxes and radio buttons read ``yes``/``no`` (a radio group: its chosen
option's name); the glyphs their appearance streams draw (a ZapfDingbats check reads as '3')
are kept out of the page text.

A button's value is its field's ``/V``, found up the ``/Parent`` chain, as the PDF
specification defines it: each widget's appearance state (``/AS``, what a widget-by-widget
read reports) can disagree with it in files that were filled by one tool and drawn by
another, and a radio group read widget by widget then seems to hold every option at once."""

from __future__ import annotations

import re
from typing import Any

Rect = tuple[float, float, float, float]

_MACHINE_NAME = re.compile(
    r"^(?:text|check ?box|field|combo ?box|list ?box|radio|button|untitled)[\s_-]*\d*$", re.I
)
_OFF = {"", "off", "false", "no", "none"}


def form_widgets(page: Any, words: list[Any]) -> tuple[dict[str, str], list[Rect]]:
    """({label: value}, the widgets' rectangles) of the page's filled form fields."""
    fields: dict[str, str] = {}
    rects: list[Rect] = []
    try:
        widgets = list(page.widgets())
    except Exception:
        return {}, []
    for widget in widgets:
        rect = tuple(widget.rect)
        rects.append(rect)  # type: ignore[arg-type]
        value = _value(widget)
        label = _label(widget, rect, words)  # type: ignore[arg-type]
        if value is None or not label:
            continue
        if widget.field_type_string == "RadioButton" and value == "no" and label in fields:
            continue  # one button of a group is chosen; the others do not undo it
        fields[label] = value
    return fields, rects


def _value(widget: Any) -> str | None:
    kind = widget.field_type_string
    raw = widget.field_value
    if kind in ("CheckBox", "RadioButton"):
        raw = field_state(widget, raw)
        on = str(raw).strip().lower() not in _OFF and raw is not False
        if kind == "RadioButton" and on and str(raw) not in ("True", "Yes", "On"):
            return str(raw)  # the chosen option's own name
        return "yes" if on else "no"
    if isinstance(raw, list | tuple):
        raw = ", ".join(str(v) for v in raw)
    text = " ".join(str(raw or "").split())
    return text or None


def field_state(widget: Any, fallback: Any) -> Any:
    """The button field's ``/V`` (a name, without its slash), or ``fallback`` (the widget's
    own state) when no dictionary up the chain holds one."""
    try:
        document = widget.parent.parent
        xref = widget.xref
        for _ in range(8):  # a field tree is a few levels deep; a loop in a broken file ends
            kind, value = document.xref_get_key(xref, "V")
            if kind == "name":
                return value.lstrip("/")
            kind, parent = document.xref_get_key(xref, "Parent")
            if kind != "xref":
                break
            xref = int(parent.split()[0])
    except Exception:  # an odd file: the widget's own state is the best there is
        pass
    return fallback


def _label(widget: Any, rect: Rect, words: list[Any]) -> str:
    for candidate in (widget.field_label, widget.field_name):
        name = " ".join(str(candidate or "").split())
        if name and not _MACHINE_NAME.match(name):
            return name
    return nearest_text(rect, words) or " ".join(str(widget.field_name or "").split())


def nearest_text(rect: Rect, words: list[Any]) -> str:
    """The words just left of the widget on its line, else the line just above it."""
    x0, y0, x1, y1 = rect
    middle = (y0 + y1) / 2
    left = [w for w in words if w[2] <= x0 + 1 and w[1] <= middle <= w[3] and x0 - w[2] < 250]
    if not left:
        above = [w for w in words if w[3] <= y0 + 1 and y0 - w[3] < 20 and w[0] < x1 and w[2] > x0]
        if not above:
            return ""
        bottom = max(w[3] for w in above)
        left = [w for w in above if bottom - w[3] < 3]
    line = sorted(left, key=lambda w: w[0])
    # the run of words nearest the widget, not the whole line
    picked = [line[-1]]
    for w in reversed(line[:-1]):
        if picked[0][0] - w[2] > 12:
            break
        picked.insert(0, w)
    return " ".join(w[4] for w in picked).strip().rstrip(":").strip()


def widget_free(words: list[Any], rects: list[Rect]) -> list[Any]:
    """The page's words without those drawn inside a form widget."""
    if not rects:
        return words
    return [
        w
        for w in words
        if not any(
            x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1
            for x0, y0, x1, y1 in rects
        )
    ]
