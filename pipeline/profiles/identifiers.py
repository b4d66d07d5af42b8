"""Values of the types a field reader looks for beside a label: a document's reference, an
organisation's name as written, a validated IBAN or VAT id, an amount that looks like money."""

from __future__ import annotations

import re

from docintel.pipeline.profiles.parties import ADDRESS
from docintel.pipeline.profiles.values import Value, parse_date

LEAD = re.compile(r"^[\s:#.=\-–—>|*]+")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./\\-]*[A-Za-z0-9]|[0-9]")
_PHONE = re.compile(r"^\+\d[\d\s()/.-]{6,}$")


def looks_like_money(value: Value) -> bool:
    return (
        value.currency is not None
        and any(ch in value.text for ch in "€$£¥₹")
        or bool(re.search(r"[.,]\d{2}\b", value.text))
    )


_PREFIX = re.compile(r"^(?:n[°ºo]\.?|nr\.?|no\.?|num\.?|#|:)$", re.IGNORECASE)


def reference(text: str) -> Value | None:
    """A document's reference: the token right after its label (past a 'No.', '#' or
    'n°'), with a digit, and not a date, an amount or a phone number."""
    tokens = LEAD.sub("", text).split()
    while tokens and _PREFIX.match(tokens[0]):
        tokens = tokens[1:]
    if not tokens:
        return None
    token = tokens[0].strip(".,;:()[]")
    token = re.sub(r"^(?:n[°ºo]\.?|nr\.?|no\.|#)", "", token, flags=re.IGNORECASE)
    if not _ID.fullmatch(token) or len(token) > 40 or not any(ch.isdigit() for ch in token):
        return None
    if parse_date(token) is not None or _PHONE.match(token):
        return None
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", token):
        return None  # an amount
    if tokens[0].endswith(",") and ADDRESS.search(" ".join(tokens[1:4])):
        return None  # "No. 53, Jalan Besar": a house's number in its street
    return Value(token, token)


_NOT_A_NAME = re.compile(r"^[\d\s\W]+$|@|^https?:|^tel\b|^fax\b|^phone\b", re.IGNORECASE)


def party_name(text: str) -> str | None:
    """An organisation's name as written: the text before its address or contact."""
    name = re.split(r"\s*[|,;·•]\s*|\s{2,}", LEAD.sub("", text).strip(), maxsplit=1)[0]
    name = name.strip(" .:-")
    if len(name) < 2 or len(name) > 80 or _NOT_A_NAME.search(name) or name[0].isdigit():
        return None
    return name


def tax_or_bank_id(text: str, kind: str) -> Value | None:
    """An IBAN or a VAT id that validates (python-stdnum), as written compactly."""
    from stdnum import iban
    from stdnum.eu import vat

    candidates = re.findall(r"[A-Z]{2}[0-9A-Z ]{6,40}", text.upper())
    for raw in candidates:
        compact = raw.replace(" ", "")
        for end in range(len(compact), 7, -1):
            piece = compact[:end]
            ok = iban.is_valid(piece) if kind == "iban" else vat.is_valid(piece)
            if ok:  # an IBAN in its print form (groups of four), a VAT id compact
                return Value(iban.format(piece) if kind == "iban" else piece, raw.strip())
    return None
