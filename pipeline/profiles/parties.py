"""Who issues a document, where no label says so: the party of the letterhead, the sender
line above the address window, the footer's company block, the one whose VAT id and bank
account are printed; never the addressee (the "bill to" block) and never the document's
title ("INVOICE", "PAYMENT RECEIPT").

Each line of the document's head and foot is a candidate; a name scores for a legal form
(GmbH, Ltd, SARL, B.V., S.p.A. ...), for being printed again elsewhere (a letterhead and
its footer), for standing first, for a sender line's shape (``Name · Street · Town``), and
for a tax id, bank account or web address beside it; it loses for looking like an address,
a phone number, a date, or a label."""

from __future__ import annotations

import re
from functools import lru_cache

from docintel.pipeline.profiles.layout import Cell, Layout

LEGAL_FORM = re.compile(
    r"(?<![\w])(?:GmbH|gGmbH|mbH|AG|KG|KGaA|OHG|GbR|UG|e\.\s?K\.|e\.\s?V\.|SE|Ltd\.?|Limited|"
    r"LLC|L\.L\.C\.|LLP|Inc\.?|Incorporated|Corp\.?|Corporation|PLC|plc|Co\.|Company|"
    r"S\.?A\.?S\.?U?|S\.A\.|SA|SARL|S\.à\s?r\.l\.|EURL|SNC|SCI|B\.V\.|BV|N\.V\.|NV|VOF|BVBA|"
    r"SPRL|S\.L\.U?\.?|S\.L\.|SL|S\.p\.A\.|SpA|S\.r\.l\.|Srl|SRL|S\.n\.c\.|Oy|AB|A/S|ApS|AS|"
    r"Sp\.\s?z\s?o\.o\.|Pty\.?|Sdn\.?\s?Bhd\.?|Bhd\.?|Pte\.?\s?Ltd\.?)(?![\w])"
)
# The forms no word of a language spells, written in capitals too ("SDN BHD", "GMBH", "LTD"
# on a till's receipt); "AG", "SA", "CO" in capitals are often words or abbreviations.
LEGAL_FORM_CAPS = re.compile(
    r"(?<![\w])(?:G?GMBH|MBH|KGAA|LTD\.?|LIMITED|LLC|LLP|INC\.?|INCORPORATED|CORP\.?|"
    r"CORPORATION|PLC|SARL|EURL|BVBA|SPRL|S\.P\.A\.|SRL|SDN\.?\s?BHD\.?|BHD\.?|"
    r"PTE\.?\s?LTD\.?|PTY\.?)(?![\w])"
)


def legal_form(text: str) -> re.Match[str] | None:
    """The legal form in ``text``, as written or in capitals."""
    return LEGAL_FORM.search(text) or LEGAL_FORM_CAPS.search(text)


# Where the addressee's block begins, in the six languages.
ADDRESSEE = re.compile(
    r"^(?:bill(?:ed)?\s+to|invoice\s+to|invoiced\s+to|sold\s+to|ship(?:ped)?\s+to|deliver(?:ed)?"
    r"\s+to|customer|client|attention|attn|recipient|kunde|kundin|rechnungsempf[äa]nger|"
    r"rechnungsadresse|lieferadresse|lieferanschrift|empf[äa]nger|an|factur[ée]\s+[àa]|"
    r"adresse\s+de\s+(?:facturation|livraison)|destinataire|livr[ée]\s+[àa]|factuuradres|"
    r"afleveradres|klant|aan|cliente|facturar\s+a|cobrar\s+a|env[ií]e\s+a|"
    r"direcci[óo]n\s+de\s+(?:facturaci[óo]n|env[ií]o)|destinatario|enviar\s+a|spett\.?le|"
    r"intestatario|consegna\s+a)\b",
    re.IGNORECASE,
)
TITLE = re.compile(
    r"^(?:tax\s+|vat\s+|sales\s+|cash\s+)?(?:invoice|bill|receipt|payment\s+receipt|"
    r"credit\s+note|(?:account\s+|bank\s+)?statement|kontoauszug|relev[ée]|"
    r"purchase\s+order|order|quotation|quote|rechnung|gutschrift|quittung|beleg|kassenbon|"
    r"facture|avoir|re[çc]u|factuur|creditnota|bon|factura|recibo|fattura|ricevuta|"
    r"scontrino|proforma|pro\s+forma)\b[\s\w.#:-]{0,30}$",
    re.IGNORECASE,
)
ADDRESS = re.compile(
    r"\b\d{1,5}\s*[a-z]?\s*(?:,|$)|\b(?:str(?:aße|asse|\.)|weg|platz|allee|gasse|road|rd\.|"
    r"street|st\.|avenue|ave\.?|lane|drive|blvd|rue|chemin|boulevard|place|straat|laan|"
    r"plein|calle|avenida|via|piazza|corso|viale|jalan|jln|lorong)\b|\b\d{4,5}\s+[A-ZÄÖÜ][a-zäöü]+|"
    r"\b[A-Z]{1,2}\d{1,2}\s?\d[A-Z]{2}\b|\bP\.?O\.?\s*Box\b|\bpostfach\b",
    re.IGNORECASE,
)
CONTACT = re.compile(
    r"@|\bwww\.|https?:|\b(?:tel|phone|fax|mobil|mobile|e-?mail|telefon|t[ée]l[ée]phone)\b"
    r"|^\+?\d[\d\s()/.-]{6,}$",
    re.IGNORECASE,
)
ISSUER_MARKS = re.compile(
    r"\b(?:IBAN|BIC|SWIFT|USt[-.\s]?Id|UStIdNr|VAT\s*(?:no|number|reg|id)|TVA|BTW|P\.?\s?IVA|"
    r"CIF|NIF|SIRE[NT]|KvK|HRB|HRA|Steuer-?Nr|Tax\s*ID|Company\s*(?:no|number|reg)|"
    r"R\.?C\.?S|Amtsgericht|Gesch[äa]ftsf[üu]hr)",
    re.IGNORECASE,
)
# A legal form spelt out after the name ("BOUYGUES TELECOM - Société Anonyme au capital")
LEGAL_WORDS = re.compile(
    r"\b(?:soci[ée]t[ée]\s+(?:anonyme|par\s+actions|[àa]\s+responsabilit[ée])|au\s+capital\s+de|"
    r"share\s+capital|registered\s+(?:office|in)|company\s+(?:no|number|reg)|"
    r"stammkapital|handelsregister|kvk|capitale\s+sociale|capital\s+social)\b",
    re.IGNORECASE,
)
# A receipt thanks its customer for the visit, naming the shop ("Thank you for visiting /
# Clachan", "Merci de votre visite chez ..."), in the six languages.
THANKS = re.compile(
    r"(?:thank\s*you\s+for\s+(?:visiting|shopping\s+(?:at|with)|choosing|dining\s+(?:at|with))|"
    r"welcome\s+to|merci\s+de\s+votre\s+visite(?:\s+(?:chez|[àa]))?|bienvenue\s+(?:chez|[àa])|"
    r"danke\s+f[üu]r\s+ihren\s+(?:besuch|einkauf)(?:\s+(?:bei|im))?|willkommen\s+(?:bei|im)|"
    r"bedankt\s+voor\s+uw\s+(?:bezoek|aankoop)(?:\s+(?:bij|aan))?|welkom\s+bij|"
    r"gracias\s+por\s+su\s+(?:visita|compra)(?:\s+(?:en|a))?|bienvenidos?\s+a|"
    r"grazie\s+per\s+(?:la\s+visita|l'acquisto|aver\s+scelto)|benvenuti\s+(?:da|a|in))"
    r"[\s:,.!]*",
    re.IGNORECASE,
)
HEAD_LINES, FOOT_LINES = 25, 15


def issuer(layout: Layout, text: str, titles: tuple[str, ...] = ()) -> tuple[Cell, str, str] | None:
    """(the cell, the name, why) of the party that issues the document, or None. A line
    that is one of ``titles`` (the profile's titles and labels) is not a name."""
    own = {" ".join(t.lower().split()) for t in titles}
    lines = [line for line, _ in layout.lines()]
    if not lines:
        return None
    head, foot = set(lines[:HEAD_LINES]), set(lines[-FOOT_LINES:])
    addressee = _addressee(layout, lines)
    marks = {line for line, t in layout.lines() if ISSUER_MARKS.search(t)}
    foot_text = "\n".join(layout.line_text(line) for line in lines[-FOOT_LINES:])
    domains = (_domains(text), _domains(foot_text))
    low_text = text.lower()
    named: list[tuple[Cell, str]] = []
    thanked = _thanked(layout, lines)
    for cell in layout.cells:
        if cell.line not in head and cell.line not in foot:
            continue
        name = _name(cell.text)
        if name is None or _is_own(name, own):
            continue
        if (cell.line, None) in addressee or (cell.line, cell.col) in addressee:
            continue
        if cell.line in thanked and (m := THANKS.search(cell.text)):
            name = _name(cell.text[m.end() :]) or name  # "Welcome to Clachan"
        named.append((cell, _untitled(name)))
    best: tuple[float, int, Cell, str, list[str]] | None = None
    for cell, name in named:
        if _shortened(name, cell, named):
            continue
        score, why = _score(name, cell, lines, foot, marks, domains, low_text)
        if cell.line in thanked:
            score, why = score + 2.5, [*why, "the shop it thanks you for visiting"]
        if best is None or score > best[0] or (score == best[0] and cell.line < best[1]):
            best = (score, cell.line, cell, name, why)
    if best is None or best[0] < 1.0:
        return None
    score, _, cell, name, why = best
    return cell, _from_domain_word(name, domains[0]), "the issuer: " + ", ".join(why)


def _from_domain_word(name: str, domains: set[str]) -> str:
    """The name from the word its web or mail address is named after, where words of a
    sentence come before it ("Votre interlocuteur EDF", edf.fr: "EDF")."""
    words = name.split()
    for n, word in enumerate(words[1:], start=1):
        if _plain(word.lower()) in domains and any(w.islower() for w in words[:n]):
            return " ".join(words[n:])
    return name


def _score(
    name: str,
    cell: Cell,
    lines: list[int],
    foot: set[int],
    marks: set[int],
    domains: tuple[set[str], set[str]],
    low_text: str,
) -> tuple[float, list[str]]:
    """The name's score as the issuer's, and why; ``domains`` are the web and mail
    addresses' names in the whole text and in its foot."""
    score, why = 0.0, []
    if legal_form(name):
        score, why = score + 3.0, [*why, "a legal form"]
    elif legal_form(cell.text[:120]) or LEGAL_WORDS.search(cell.text[:160]):
        score, why = score + 2.0, [*why, "a legal form beside it"]
    if _printed(name, low_text) >= 2:
        # a single short word printed twice is often a term (an Incoterm, a product)
        weight = 2.0 if len(name.split()) >= 2 or legal_form(name) else 1.0
        score, why = score + weight, [*why, "printed again"]
        last = max(m.start() for m in _whole(name).finditer(low_text))
        if cell.line in foot or last > len(low_text) * 0.7:
            score, why = score + 1.0, [*why, "in the footer"]
    position = lines.index(cell.line)
    if position < 3:
        score, why = score + 1.5, [*why, "at the top"]
    elif position < 10:
        score += 0.5
    if _sender_line(cell.text):
        score, why = score + 1.5, [*why, "the sender line"]
    if any(abs(cell.line - m) <= 3 for m in marks):
        score, why = score + 1.0, [*why, "beside its tax id or bank account"]
    words = {_plain(w) for w in re.findall(r"\w{3,}", name.lower())}
    if _named_by(words, domains[0]):
        score, why = score + 2.0, [*why, "its web or mail address"]
        if _named_by(words, domains[1]):
            # the contact block at the page's foot is the issuer's, whoever else is named
            score, why = score + 1.5, [*why, "in its footer's contact block"]
    if ADDRESS.search(name):
        score -= 2.0
    if name.islower():
        score -= 0.5  # a note written on the page, or a misread line
    elif len(name.split()) >= 2 and name.split()[-1].islower():
        score -= 1.0  # a sentence cut at the line's end ("Gratuity not / included")
    elif name.isupper() and len(name.split()) >= 2 and position < 5:
        score += 0.5  # a shop's name in capitals at the top of its receipt
    if len(name.split()) > 6:
        score -= 1.0
    return score, why


def _domains(text: str) -> set[str]:
    """The names of the web and mail addresses in ``text`` ("cronus" of info@cronus.com)."""
    return {_plain(d.lower()) for d in re.findall(r"(?:www\.|@)([\w-]+)\.", text)}


def _named_by(words: set[str], domains: set[str]) -> bool:
    """Whether a domain is the name's word ("edf" of edf.fr), or holds a long one."""
    return any(w == d or (len(w) >= 4 and w in d) for w in words for d in domains)


def _whole(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name.lower())}(?!\w)")


def _printed(name: str, low_text: str) -> int:
    """How often the name is printed as words of its own ("Tota" is not printed again in
    every "Total")."""
    return len(_whole(name).findall(low_text))


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Country names in the six languages (CLDR's, by Babel): an address's last line."""
    from babel import Locale

    names: set[str] = set()
    for language in ("en", "de", "fr", "nl", "es", "it"):
        names |= {n.lower() for n in Locale(language).territories.values()}
    return frozenset(names)


def _plain(word: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if ch.isalnum())


def _name(text: str) -> str | None:
    """The name a cell starts with, or None for what is no name."""
    if re.match(r"[^:]{1,40}:", text.strip()):
        return None  # "Total Amount: ..." or "Cashier:": a label
    first = re.split(r"\s*[|·•]\s*|\s{2,}|\s+[-–—]\s+", text.strip(), maxsplit=1)[0]
    name, _, after = first.partition(",")
    # "LG Electronics MobileComm U.S.A., Inc.": a legal form after a comma is the name's own
    own_form = LEGAL_FORM.match(after.strip()) or LEGAL_FORM_CAPS.match(after.strip())
    first = f"{name},{after}" if own_form else name
    first = first.strip(" :-*#")
    if first.endswith(".") and not re.search(r"(?:\b\w\.){2,}$|\b(?:Ltd|Inc|Corp|Co)\.$", first):
        first = first.rstrip(".")  # a full stop, not an abbreviation's ("B.V.", "Ltd.")
    if len(first) < 3 or len(first) > 70 or not re.search(r"[A-Za-zÀ-ÿ]{3}", first):
        return None
    if first.lower() in _countries() or "%" in first:
        return None
    if LEGAL_WORDS.search(first) or re.match(r"(?:SAS|SASU|SARL|EURL|GmbH|AG|SA)\b", first):
        return None  # "SASU au capital de ...": a company's legal notice, not its name
    if TITLE.match(first) or CONTACT.search(first) or ADDRESSEE.match(first):
        return None
    if sum(ch.isdigit() for ch in first) > 3 and not legal_form(first):
        return None  # a phone, a number, a date, a postcode and town
    if re.search(r":\s*\S", first) or first.endswith(":"):
        return None  # a label and its value
    return first


def _thanked(layout: Layout, lines: list[int]) -> set[int]:
    """The lines that name the shop a receipt thanks its customer for visiting: the thanks'
    own line where the name follows it, else the next line."""
    out: set[int] = set()
    for line, text in layout.lines():
        m = THANKS.search(text)
        if m is None:
            continue
        if text[m.end() :].strip(" |"):
            out.add(line)
        elif lines.index(line) + 1 < len(lines):
            out.add(lines[lines.index(line) + 1])
    return out


def _shortened(name: str, cell: Cell, named: list[tuple[Cell, str]]) -> bool:
    """A one-word name that is a word of a name printed above it (a signature's "Smith"
    under the letterhead's "John Smith"): the same party, whose full name stands."""
    if " " in name:
        return False
    word = _whole(name)
    return any(
        other.line < cell.line and " " in full and word.search(full.lower())
        for other, full in named
    )


def _untitled(name: str) -> str:
    """A heading's name without the document's title after it ("Google INVOICE")."""
    head, _, last = name.rpartition(" ")
    return head if head and len(head) >= 2 and TITLE.match(last) else name


def _is_own(name: str, own: set[str]) -> bool:
    """A title or a label of the profile, alone or before a figure ("TVA 20%")."""
    low = " ".join(name.lower().split())
    if low in own:
        return True
    # a label with a figure after it is a label and its value
    return any(low.startswith(w + " ") and re.search(r"\d", low[len(w) :]) for w in own)


def _sender_line(text: str) -> bool:
    """A return-address line: a name, a street, a town, in one line with separators."""
    parts = [p for p in re.split(r"\s*[|·•–-]\s+|\s*,\s*", text) if p.strip()]
    return len(parts) >= 3 and any(ADDRESS.search(p) for p in parts[1:])


def _addressee(layout: Layout, lines: list[int]) -> set[tuple[int, int | None]]:
    """The addressee blocks, as (line, column) for a table's cells and (line, None) for
    plain lines: from the label, six rows at most, to a blank line; in a table, the label's
    own column only (the issuer may stand in the next one)."""
    out: set[tuple[int, int | None]] = set()
    for cell in layout.cells:  # the address window under a sender line is the addressee's
        if cell.line in lines[:HEAD_LINES] and _sender_line(cell.text):
            below: Cell | None = cell
            for _ in range(5):
                below = layout.below(below, reach=1) if below.table else layout.next_line(below, 1)
                if below is None:
                    break
                out.add((below.line, below.col) if below.table else (below.line, None))
    for cell in layout.cells:
        if not ADDRESSEE.match(cell.text):
            continue
        at = lines.index(cell.line)
        if cell.table:
            out.add((cell.line, cell.col))
            below = cell
            for _ in range(6):
                below = layout.below(below, reach=2)  # past a row blank in this column
                if below is None:
                    break
                out.add((below.line, below.col))
            continue
        out.add((cell.line, None))
        for line in lines[at + 1 : at + 7]:
            if layout.rows[line][0].block != cell.block:
                break
            out.add((line, None))
    return out
