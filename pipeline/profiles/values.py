"""Typed values out of the text beside a label: amounts in either decimal convention
('1.234,56 €', '$1,234.56', "CHF 1'234.50"), with any ISO 4217 code or the usual symbols;
dates in the common numeric and written forms (month names in English, German, French,
Dutch, Spanish and Italian, from CLDR through ``profiles.locale``), numbers, yes/no and
enums. Each parser returns the normalised value (a Decimal, an ISO date, ...) and the text
it was read from, or None. An amount is never read out of a date or a percentage."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "usd": "USD", "us$": "USD",
    "£": "GBP", "gbp": "GBP",
    "chf": "CHF", "fr.": "CHF",
    "¥": "JPY", "jpy": "JPY",
    "cad": "CAD", "aud": "AUD", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "pln": "PLN",
}  # fmt: skip
# Symbols in any case; codes (any ISO 4217 one, checked after the match) in capitals only, so
# that a word ("all", "top") is not read as a currency.
CURRENCY_PATTERN = (
    r"US\$|R\$|[€$£¥₹₩₺₽₪]|(?<![A-Za-z])(?:[A-Z]{3}|RM|Rs\.?|Fr\.|kr|zł|Kč|Ft|"
    r"[Ee]uros?|[Ee]ur|[Uu]sd|[Cc]hf|[Gg]bp)(?![A-Za-z])"
)
# digits with optional grouping (. , space, apostrophe) and decimals
AMOUNT_PATTERN = (
    r"[-−]?\d{1,3}(?:[.,' \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|[-−]?\d+(?:[.,]\d{1,2})?"
)
MONEY = re.compile(
    rf"(?:(?P<pre>{CURRENCY_PATTERN})\s?|(?<![A-Za-z0-9.,]))(?P<amount>{AMOUNT_PATTERN})"
    rf"(?!\d)(?!\s?%)\s?(?P<post>{CURRENCY_PATTERN})?"
)
NUMBER = re.compile(rf"(?<![\w.,])(?P<amount>{AMOUNT_PATTERN})(?![\d])")

MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jänner": 1,
    "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "mär": 3, "märz": 3, "maerz": 3,
    "apr": 4, "april": 4,
    "may": 5, "mai": 5,
    "jun": 6, "june": 6, "juni": 6,
    "jul": 7, "july": 7, "juli": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
ORDINALS = {word: n for n, word in enumerate(_UNITS, 1)} | {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "thirty first": 31,
} | {f"twenty {word}": 20 + n for n, word in enumerate(_UNITS, 1)}  # fmt: skip
_ORDINAL = "|".join(sorted((w.replace(" ", "[ -]") for w in ORDINALS), key=len, reverse=True))
_DAY = rf"(?:[Tt]he\s+)?(?:\d{{1,2}}(?:st|nd|rd|th|\.)?|{_ORDINAL})"
# Spoken dates are matched on capitalised month names only: "may 5 items" is not a date.
_MONTH_NAME = "|".join(
    sorted(
        {k.capitalize() for k in MONTHS if len(k) > 3 or k == "mai"} | {"May"},
        key=len,
        reverse=True,
    )
)


def _written_month() -> str:
    """Every month name and abbreviation of the six languages (CLDR's, by Babel), with the
    spellings above, for the written-date patterns."""
    from docintel.pipeline.profiles.locale import all_month_names

    names = set(MONTHS) | set(all_month_names())
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@lru_cache(maxsize=1)
def date_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The date forms, in the order they are tried: built once, on first use (Babel's month
    names are loaded only by a process that reads a date)."""
    month = _written_month()
    sep = r"(?:\s*,\s*|\s+)"  # "August 3, 2014", "August 3 , 2014", "3 août 2014"
    return [
        ("iso", re.compile(r"\b(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})\b")),
        (
            "numeric",
            re.compile(r"\b(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<y>\d{4}|\d{2})\b"),
        ),
        (
            "day-month",
            re.compile(
                rf"\b(?P<d>\d{{1,2}})(?:er|\.|º|°)?\s+(?:de\s+)?(?P<mon>{month})\.?{sep}"
                rf"(?:de\s+)?(?P<y>\d{{4}})\b",
                re.I,
            ),
        ),
        (
            "month-day",
            re.compile(
                rf"\b(?P<mon>{month})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{sep}(?P<y>\d{{4}})\b",
                re.I,
            ),
        ),
        # as said: "the 12th of December", "the third of March 2027", "March 3rd" (a year
        # only when it is not the nearest); after the written forms, which name their year
        (
            "spoken",
            re.compile(
                rf"\b(?:(?P<d>{_DAY})\s+(?:of\s+)?(?P<mon>{_MONTH_NAME})\b\.?"
                rf"(?:,?\s+(?P<y>\d{{4}})\b)?|(?P<mon2>{_MONTH_NAME})\.?\s+(?P<d2>{_DAY})\b"
                rf"(?:,?\s+(?P<y2>\d{{4}})\b)?)"
            ),
        ),
        # "by the end of October", "bis Ende Oktober": the month's last day
        (
            "month-end",
            re.compile(
                rf"\b(?:(?:[Tt]he\s+)?end\s+of|Ende)\s+(?P<mon>{_MONTH_NAME})\b\.?"
                rf"(?:,?\s+(?P<y>\d{{4}})\b)?"
            ),
        ),
    ]


def month_number(name: str) -> int:
    from docintel.pipeline.profiles.locale import all_month_names

    key = name.lower().rstrip(".")
    return MONTHS.get(key) or all_month_names()[key]


YES = {"yes", "y", "true", "ja", "x", "☑", "☒", "[x]", "checked"}
NO = {"no", "n", "false", "nein", "☐", "[ ]", "unchecked"}


@dataclass(frozen=True)
class Value:
    normalized: str  # ISO date, decimal text, the enum value, 'true'/'false', the text
    text: str  # what was read
    number: float | None = None
    currency: str | None = None
    day: date | None = None


def parse(
    kind: str, text: str, *, day_first: bool = True, values: tuple[str, ...] = ()
) -> Value | None:
    """The first value of ``kind`` in ``text``."""
    text = text.strip()
    if not text:
        return None
    if kind == "money":
        return parse_money(text)
    if kind == "number":
        return parse_number(text)
    if kind == "date":
        return parse_date(text, day_first=day_first)
    if kind == "boolean":
        return parse_boolean(text)
    if kind == "enum":
        return parse_enum(text, values)
    return parse_string(text)


def parse_money(text: str) -> Value | None:
    """The first amount with a currency or decimals; else the first whole number. Numbers
    that are part of a date ("due on August 3, 2014") or a percentage are not amounts."""
    masked = _without_dates(text)
    plain: Value | None = None
    for m in MONEY.finditer(masked):
        amount = decimal_of(m.group("amount"))
        if amount is None:
            continue
        named = currency_of(m.group("pre") or m.group("post") or "")
        currency = named or _currency_nearby(masked)
        value = Value(f"{amount:.2f}", m.group(0).strip(), float(amount), currency)
        if named or _has_decimals(m.group("amount")):
            return value
        if abs(amount) < 10_000_000:  # a longer whole number is an id, not an amount
            plain = plain or value
    return plain


def currency_of(token: str) -> str | None:
    """The ISO 4217 code of a symbol or code."""
    if not token:
        return None
    from docintel.pipeline.profiles.locale import currency_code

    return CURRENCIES.get(token.lower()) or currency_code(token)


def _without_dates(text: str) -> str:
    """``text`` with its dates blanked out (same length, so positions hold)."""
    if not re.search(r"\d", text):
        return text
    out = text
    for _kind, pattern in date_patterns()[:4]:
        out = pattern.sub(lambda m: " " * len(m.group(0)), out)
    return out


def parse_number(text: str) -> Value | None:
    m = NUMBER.search(text)
    if not m:
        return None
    amount = decimal_of(m.group("amount"))
    if amount is None:
        return None
    normalized = f"{amount.normalize():f}"
    return Value(normalized, m.group(0), float(amount))


def decimal_of(raw: str) -> Decimal | None:
    """'1.234,56' and '1,234.56' and "1'234.56" and '1 234,56' → Decimal('1234.56'): the
    last separator followed by one or two digits is the decimal point; the others group."""
    text = raw.replace("−", "-").replace("\u00a0", " ").replace("\u202f", " ").strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-").strip()
    m = re.search(r"[.,](\d{1,2})$", text)
    if m and not re.fullmatch(r"\d{1,3}([.,' ]\d{3})+", text):
        whole, decimals = text[: m.start()], m.group(1)
    else:
        whole, decimals = text, ""
    digits = re.sub(r"[.,' ]", "", whole)
    if not digits.isdigit():
        return None
    try:
        return sign * Decimal(f"{digits}.{decimals or '0'}")
    except InvalidOperation:
        return None


def parse_date(text: str, *, day_first: bool = True, today: date | None = None) -> Value | None:
    """The first date in ``text``. One said without its year ("the 12th of December", "by
    March 3rd") is the nearest such day to ``today`` (the day it is read): people say the
    year only when it is not this one."""
    found: list[tuple[int, Value]] = []
    for kind, pattern in date_patterns():
        for m in pattern.finditer(text):
            day = _date_of(kind, m, day_first, today or date.today())
            if day is not None:
                found.append((m.start(), Value(day.isoformat(), m.group(0), day=day)))
                break
    return min(found, key=lambda f: f[0])[1] if found else None


def _date_of(kind: str, m: re.Match[str], day_first: bool, today: date) -> date | None:
    groups = m.groupdict()
    try:
        if kind == "spoken":
            return _spoken_date(groups, today)
        if kind == "month-end":
            return _month_end(groups, today)
        year = int(groups["y"])
        if year < 100:
            year += 2000 if year < 70 else 1900
        if kind == "numeric":
            a, b = int(groups["a"]), int(groups["b"])
            # which is the day: the one above 12, else the document's convention
            if a > 12 or (day_first and b <= 12):
                d, mo = a, b
            else:
                d, mo = b, a
        elif kind == "iso":
            d, mo = int(groups["d"]), int(groups["m"])
        else:
            d, mo = int(groups["d"]), month_number(groups["mon"])
        return date(year, mo, d)
    except (ValueError, KeyError):
        return None


def _spoken_date(groups: dict[str, str | None], today: date) -> date | None:
    raw = (groups["d"] or groups["d2"] or "").lower().replace("-", " ")
    raw = re.sub(r"(?<=\d)(?:st|nd|rd|th|\.)$", "", re.sub(r"^the\s+", "", raw.strip()))
    day = int(raw) if raw.isdigit() else ORDINALS.get(" ".join(raw.split()))
    month = MONTHS.get((groups["mon"] or groups["mon2"] or "").lower().rstrip("."))
    if day is None or month is None:
        return None
    year = groups["y"] or groups["y2"]
    if year:
        return date(int(year), month, day)
    candidates = [
        date(today.year + k, month, day) for k in (-1, 0, 1) if _valid(today.year + k, month, day)
    ]
    return min(candidates, key=lambda d: abs((d - today).days)) if candidates else None


def _month_end(groups: dict[str, str | None], today: date) -> date | None:
    """The last day of the month said, in the year said or the nearest to ``today``."""
    month = MONTHS[(groups["mon"] or "").lower().rstrip(".")]
    years = [int(groups["y"])] if groups["y"] else [today.year - 1, today.year, today.year + 1]
    ends = [date(y, month, calendar.monthrange(y, month)[1]) for y in years]
    return min(ends, key=lambda d: abs((d - today).days))


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_boolean(text: str) -> Value | None:
    token = text.strip().split()[0].lower() if text.strip() else ""
    if token in YES:
        return Value("true", token)
    if token in NO:
        return Value("false", token)
    return None


def parse_enum(text: str, values: tuple[str, ...]) -> Value | None:
    """One of the allowed values, named in the text (case and spacing aside); anything else
    is no value at all, never a new one."""
    low = " ".join(text.lower().replace("_", " ").split())
    for value in sorted(values, key=len, reverse=True):
        if re.search(rf"\b{re.escape(value.lower().replace('_', ' '))}\b", low):
            return Value(value, text)
    return None


def parse_string(text: str) -> Value | None:
    value = text.strip(" :#|*-\t")
    return Value(value, text) if value else None


def prefers_day_first(text: str) -> bool:
    """Whether the document writes dates day first: not where it looks American ('$' and
    no '€', or a month-day written date)."""
    dollars = "$" in text and "€" not in text
    written = date_patterns()[3][1].search(text) is not None
    return not (dollars or written)


def _has_decimals(raw: str) -> bool:
    return re.search(r"[.,]\d{1,2}$", raw.strip()) is not None


def _currency_nearby(text: str) -> str | None:
    for m in re.finditer(rf"({CURRENCY_PATTERN})", text):
        if code := currency_of(m.group(1)):
            return code
    return None
