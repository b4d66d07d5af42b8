"""The country a document comes from, by what its issuer prints, and so the currency of
amounts it writes bare: a receipt from Malaysia prints "TOTAL 27.55", its currency said
only by its GST number, its address or its company's legal form.

Evidence, each naming one country: a tax registration number in that country's own form
(an EU VAT id with its country prefix and a valid check digit, python-stdnum; Australia's
ABN, India's GSTIN, Switzerland's UID; Malaysia's 12-digit GST number and its SST number),
the country's name ending an address line (CLDR's names in the six languages, by Babel),
and a company's legal form that one country's law uses ("SDN BHD", "GmbH"). The currency is
the country's own (CLDR's, by Babel), where all the evidence found names one."""

from __future__ import annotations

import re
from functools import lru_cache

# A legal form that one country's law (or one currency area) uses: "Ltd", "AG", "AB" are
# left out. The currency, not the country: an area's forms ("GmbH", "B.V.") share it.
LEGAL_FORMS = (
    (r"sdn\.? ?bhd\.?|berhad", "MYR"),
    (r"pte\.? ?ltd\.?", "SGD"),
    (r"pty\.? ?ltd\.?", "AUD"),
    (r"gmbh|e\.\s?k\.|ohg|s\.?a\.?r\.?l\.?|s\.a\.s\.|b\.v\.|s\.r\.l\.|s\.p\.a\.|"
     r"s\.l\.u?\.", "EUR"),
    (r"sp\. z o\.o\.", "PLN"),
    (r"kft\.?", "HUF"),
    (r"aps|a/s", "DKK"),
    (r"llc|inc\.", "USD"),
)  # fmt: skip

# "GST No. 0010 9010 6344", "GST ID : 001609584640": Malaysia's GST registration number
# (2015-2018) has 12 digits; Singapore's, Australia's, India's, Canada's and New Zealand's
# have other forms. Its SST number (from 2018) reads "W10-1808-31000083".
_MY_GST = re.compile(
    r"\bGST\s*(?:reg(?:istration)?\.?\s*)?(?:id|no|number)?\b[\s.,:;#]*(?:no\.?[\s:]*)?"
    r"(\d{4}\s?\d{4}\s?\d{4})(?!\d)",
    re.IGNORECASE,
)
_MY_SST = re.compile(r"\bSST\b[^\n\d]{0,20}[A-Z]\d{2}-\d{4}-\d{8}\b", re.IGNORECASE)
# a VAT id with its country prefix, its groups perhaps spaced or dotted
_PREFIXED = re.compile(r"(?<![A-Z0-9])([A-Z]{2})[ .-]?([\dA-Z]?\d[\dA-Z .-]{5,16}[\dA-Z])")
_NUMBERED = re.compile(r"\b(?:ABN|GSTIN)\b[\s.:#-]*([\dA-Z][\dA-Z\s]{9,18})", re.IGNORECASE)
_SWISS = re.compile(r"\bCHE[\s-]?\d{3}\.?\d{3}\.?\d{3}\b")


def countries_of(text: str) -> set[str]:
    """The countries (ISO 3166 codes) a document's tax ids and addresses name."""
    return tax_countries(text) | address_countries(text)


def tax_countries(text: str) -> set[str]:
    """The countries whose tax registration numbers, in their own form, are printed."""
    from stdnum.au import abn
    from stdnum.ch import uid
    from stdnum.eu import vat
    from stdnum.in_ import gstin

    found: set[str] = set()
    if _MY_GST.search(text) or _MY_SST.search(text):
        found.add("MY")
    for m in _PREFIXED.finditer(text):
        prefix, number = m.group(1), re.sub(r"[ .-]", "", m.group(2))
        if prefix.lower() not in vat.MEMBER_STATES:
            continue
        # what follows the id on its line may have run into it: the longest that validates
        if any(vat.is_valid(prefix + number[:end]) for end in range(len(number), 7, -1)):
            found.add({"EL": "GR", "XI": "GB"}.get(prefix, prefix))
    for m in _NUMBERED.finditer(text):
        number = m.group(1).replace(" ", "")
        if abn.is_valid(number[:11]):
            found.add("AU")
        elif gstin.is_valid(number[:15]):
            found.add("IN")
    if any(uid.is_valid(m.group(0)) for m in _SWISS.finditer(text)):
        found.add("CH")
    return found


def address_countries(text: str) -> set[str]:
    """The countries whose name ends an address line ("KLANG SELANGOR, MALAYSIA",
    "75008 Paris, France") or stands alone on one; a name inside a sentence or an item
    ("Turkey sandwich") is not an address."""
    names = country_names()
    found = set()
    for line in text.splitlines():
        last = re.split(r"[,|]|\s{2,}|\d+\s+", line.strip(" .|*#-"))[-1].strip(" .")
        code = names.get(last.lower())
        if code is not None:
            found.add(code)
    return found


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Country names in the six languages, lower case, to their ISO 3166 code (CLDR's,
    written out in ``countries``)."""
    from docintel.pipeline.profiles.countries import NAMES

    names: dict[str, str] = {}
    for line in NAMES.strip().splitlines():
        code, _, listed = line.partition(" ")
        for name in listed.split("|"):
            names.setdefault(name, code)
    return names


def cldr_country_names(languages: tuple[str, ...]) -> dict[str, str]:
    """``country_names`` from Babel's CLDR data in ``languages`` (``locale.LANGUAGES``):
    what ``countries`` holds, and a test checks; regions ("Europe", "001") left out."""
    from babel import Locale

    names: dict[str, str] = {}
    for language in languages:
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ"):
                names.setdefault(name.lower(), code)
    return names


def territory_currency(code: str) -> str | None:
    """The currency a country's amounts are in today: CLDR's first tender in use (Babel's
    global data, which loads no locale)."""
    from babel.core import get_global

    current = [c for c, _start, end, tender in get_global("territory_currencies").get(code, ())
               if end is None and tender]  # fmt: skip
    return current[0] if current else None


def legal_form_currencies(text: str) -> set[str]:
    """The currencies the legal forms of the companies on the document name."""
    return {
        code
        for form, code in LEGAL_FORMS
        if re.search(rf"(?<![\w.])(?:{form})(?![\w])", text, re.IGNORECASE)
    }


def country_currency(text: str) -> str | None:
    """The currency of the country the document comes from, where the evidence names one:
    its tax ids first (the strongest: a number only that country issues), then its legal
    forms and addresses together, then its legal forms alone (a buyer's address abroad
    leaves the issuer's legal form to say it)."""
    forms = legal_form_currencies(text)
    for found in (
        _currencies(tax_countries(text)),
        forms | _currencies(address_countries(text)),
        forms,
    ):
        if len(found) == 1:
            return found.pop()
    return None


def _currencies(countries: set[str]) -> set[str]:
    return {c for c in map(territory_currency, countries) if c is not None}
