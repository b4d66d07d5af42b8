"""What a document's language and currency say about reading its values: month names in
English, German, French, Dutch, Spanish and Italian (from CLDR, written out in ``months``), whether
numeric dates are written day first, and which currency a symbol or code names.

A US invoice writes 11/03/2017 for November 3rd; a French, German or British one for the
11th of March. The language is told by the document's own words (its labels and title), the
convention then by the language and the currency, unless a date in the document can only be
read one way (a first part above 12)."""

from __future__ import annotations

import re
from functools import lru_cache

from docintel.pipeline.profiles.country import country_currency

LANGUAGES = ("en", "de", "fr", "nl", "es", "it")

# Words that only (or nearly only) one of the languages prints on a business document.
_MARKERS = {
    "en": "invoice bill due total amount date payment thank please receipt subtotal tax the",
    "de": "rechnung datum betrag gesamt summe zahlbar bitte mwst ust steuer netto brutto und "
    "kunde lieferung überweisen",
    "fr": "facture montant date échéance total tva paiement règlement client merci ttc ht "
    "nous vous",
    "nl": "factuur datum bedrag totaal btw betaling klant vervaldatum graag excl incl wij het",
    "es": "factura fecha importe total iva pago cliente vencimiento gracias base imponible el",
    "it": "fattura data importo totale iva pagamento cliente scadenza grazie imponibile il",
}

# Symbols and the codes people write instead of ISO's; any ISO 4217 code is known as well.
SYMBOLS = {
    "€": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "us$": "USD", "£": "GBP",
    "¥": "JPY", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB", "₪": "ILS", "r$": "BRL",
    "rm": "MYR", "fr.": "CHF", "kr": "SEK", "zł": "PLN", "kč": "CZK", "ft": "HUF",
}  # fmt: skip
_DOLLAR_BY_LANGUAGE = {"en": "USD"}


def language_of(text: str) -> str:
    """The document's language among the six, by its own words; English where unsure."""
    words = re.findall(r"[a-zäöüßéèêàâçñíóúìòù]+", text.lower()[:20000])
    counts = dict.fromkeys(LANGUAGES, 0)
    vocab = _vocabulary()
    for word in words:
        for language in vocab.get(word, ()):
            counts[language] += 1
    best = max(LANGUAGES, key=lambda lang: counts[lang])
    return best if counts[best] >= 2 else "en"


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, tuple[str, ...]]:
    vocab: dict[str, list[str]] = {}
    for language, words in _MARKERS.items():
        for word in words.split():
            vocab.setdefault(word, []).append(language)
    for language in LANGUAGES:  # a month's name is a strong sign of its language
        for name in month_names(language):
            if len(name) > 4:
                vocab.setdefault(name, []).append(language)
    return {word: tuple(languages) for word, languages in vocab.items()}


def day_first(language: str, currency: str | None, text: str = "") -> bool:
    """Whether a numeric date like 11/03/2017 is the 11th of March: everywhere but in an
    English document in US dollars (and not where a date in it can only be read one
    way)."""
    for a, b in re.findall(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})\b", text):
        if int(a) > 12 >= int(b):
            return True
        if int(b) > 12 >= int(a):
            return False
    return not (language == "en" and currency == "USD")


def month_names(language: str) -> dict[str, int]:
    """Month names, full and abbreviated, lower case, to their number (CLDR's, written out
    in ``months``)."""
    from docintel.pipeline.profiles.months import MONTH_NAMES

    found = MONTH_NAMES.get(language)
    return found if found is not None else cldr_month_names(language)


@lru_cache(maxsize=8)
def cldr_month_names(language: str) -> dict[str, int]:
    """``month_names`` from Babel's CLDR data: what ``months`` holds, and a test checks."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, locale=language).items():
                key = name.lower().rstrip(".")
                names.setdefault(key, number)
                names.setdefault(_plain(key), number)
    return names


@lru_cache(maxsize=1)
def all_month_names() -> dict[str, int]:
    merged: dict[str, int] = {}
    for language in LANGUAGES:
        for name, number in month_names(language).items():
            merged.setdefault(name, number)
    merged.setdefault("sept", 9)
    return merged


def _plain(word: str) -> str:
    return word.replace("é", "e").replace("û", "u").replace("ä", "a").replace("è", "e")


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency_code(token: str, language: str = "en") -> str | None:
    """The ISO 4217 code a symbol, name or code stands for."""
    low = token.strip().lower()
    if low in SYMBOLS:
        code = SYMBOLS[low]
        return _DOLLAR_BY_LANGUAGE.get(language, code) if low == "$" else code
    upper = token.strip().upper()
    return upper if len(upper) == 3 and upper.isalpha() and upper in iso_currencies() else None


_TOKEN = r"[A-Z]{3}|€|\$|£|¥|₹|₩|₺|₽|₪|RM|Euro|EUR|Fr\.|kr|zł|Kč|Ft"
_AMOUNT = r"\d[\d.,' \u00a0]*\d|\d"
_HEADING = re.compile(rf"\(\s*({_TOKEN})\s*\)")
# beside its amount on the same line: a "$" that starts the next line is not this amount's
_BESIDE = re.compile(
    rf"(?<![A-Za-z])({_TOKEN})[ \u00a0]?(?:{_AMOUNT})|(?:{_AMOUNT})[ \u00a0]?({_TOKEN})(?![A-Za-z])"
)


def document_currency(text: str, language: str = "en") -> str | None:
    """The currency a document writes its amounts in: the one beside its amounts most often
    (a price with decimals weighs most), or named in a heading ("Amount (EUR)"); where only
    weak signs say one (a symbol beside a whole number, a lone "$" or "£" that OCR may have
    made of a stain), the country its tax ids, address or legal form name says it first
    (``country``)."""
    weights: dict[str, float] = {}
    for m in _HEADING.finditer(text):
        code = currency_code(m.group(1), language)
        if code is not None and (len(m.group(1)) != 3 or m.group(1) in _COMMON):
            weights[code] = weights.get(code, 0.0) + 2.0  # "Amount (RM)": the column's unit
    for m in _BESIDE.finditer(text):
        token = m.group(1) or m.group(2)
        code = currency_code(token, language)
        whole = not re.search(r"\d[.,]\d", m.group(0))
        if code is None or (len(token) == 3 and whole and token not in _COMMON):
            continue  # "RON 95" is a grade of petrol, "ISO 9001" a standard: no price
        weights[code] = weights.get(code, 0.0) + (1.0 if whole else 2.0)
    if not weights:
        for m in re.finditer(rf"(?<![A-Za-z])({_TOKEN})(?![A-Za-z])", text):
            token = m.group(1)
            code = currency_code(token, language)
            if code is not None and (len(token) != 3 or token in _COMMON):
                weights[code] = weights.get(code, 0.0) + (2.0 if len(token) == 3 else 0.5)
    best = max(weights, key=lambda c: weights[c]) if weights else None
    if best is not None and weights[best] >= 2.0:
        return best
    return country_currency(text) or best


# three-letter codes common enough to trust without an amount beside them
_COMMON = {"EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK",
           "HUF", "MYR", "SGD", "HKD", "INR", "CNY", "NZD", "ZAR", "BRL", "MXN"}  # fmt: skip
