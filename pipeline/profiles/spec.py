"""Extraction profiles: one YAML file per document type (name, description, hints, typed
fields with label synonyms, document-level checks), read and validated with an error per
line a person can fix. The bundled ones live beside this module; a user's folder
(DOCINTEL_PROFILES) adds to them or replaces one by name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIELD_TYPES = ("string", "number", "money", "date", "enum", "boolean", "table")
FORMATS = ("id", "party", "iban", "vat", "currency")
# first_line: the letterhead's first line; issuer: the party that issues the document
# (letterhead, sender line, footer, tax id); first_date: the document's first date
FALLBACKS = ("first_line", "issuer", "first_date", "document_currency")
CHECK_KINDS = ("sum", "after", "adds")
BUNDLED = Path(__file__).resolve().parent / "bundled"
OTHER = "other"  # the type of a document no profile fits


class ProfileError(ValueError):
    """A profile file that cannot be used, with every problem found and its line."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path, self.problems = path, problems
        lines = "\n".join(f"  {path.name}:{line}: {text}" for line, text in problems)
        super().__init__(f"{path} is not a usable profile:\n{lines}")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    labels: tuple[str, ...] = ()
    required: bool = False
    values: tuple[str, ...] = ()  # an enum's allowed values
    columns: tuple[FieldSpec, ...] = ()  # a table's columns
    fallback: str | None = None  # where to look when no label is found (FALLBACKS)
    # what kind of text a string is: "id" (a reference: one token, with a digit), "party"
    # (an organisation, found where a document names who issues it), "iban", "vat"
    format: str | None = None

    @property
    def schema(self) -> dict[str, Any]:
        """JSON schema of this field's value, as a model's structured-output tool takes it."""
        if self.type == "table":
            row = {c.name: c.schema for c in self.columns}
            return {"type": "array", "items": {"type": "object", "properties": row}}
        if self.type == "enum":
            return {"type": "string", "enum": list(self.values)}
        if self.type == "money":
            return {
                "type": "object",
                "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
            }
        kind = {"number": "number", "boolean": "boolean"}.get(self.type, "string")
        return {"type": kind, **({"format": "date"} if self.type == "date" else {})}


@dataclass(frozen=True)
class Check:
    # sum: a table column adds up to a field (or to one of ``also``: a net subtotal);
    # after: a date follows another; adds: the ``parts`` fields add up to the field
    kind: str
    field: str
    than: str = ""  # after: the earlier date
    items: str = ""  # sum: "table.column"
    tolerance: float = 0.01
    also: tuple[str, ...] = ()  # sum: other fields the items may add up to instead
    parts: tuple[str, ...] = ()  # adds: the fields that add up to ``field``


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    keywords: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    checks: tuple[Check, ...] = ()
    kinds: tuple[str, ...] = ()  # document kinds it applies to (pdf, image, audio); all if empty
    titles: tuple[str, ...] = ()  # what such a document is titled, in the languages it comes in
    source: str = ""
    content_hash: str = ""

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {f.name: f.schema for f in self.fields},
            "required": [f.name for f in self.fields if f.required],
        }


def load_profiles(folder: Path | None = None) -> dict[str, Profile]:
    """The bundled profiles, then the user's (``folder``), by name; a user's profile with a
    bundled one's name replaces it. A broken file raises ProfileError."""
    profiles = {p.name: p for p in map(read_profile, sorted(BUNDLED.glob("*.yaml")))}
    if folder is not None and folder.is_dir():
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            profile = read_profile(path)
            profiles[profile.name] = profile
    return profiles


def read_profile(path: Path) -> Profile:
    import yaml

    raw = path.read_bytes()
    try:
        # libyaml's parser where PyYAML has it: ten times faster, and every command reads
        # the bundled profiles.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        node = yaml.compose(raw.decode("utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise ProfileError(path, [(max(line, 1), f"not valid YAML: {exc}")]) from exc
    problems: list[tuple[int, str]] = []
    profile = _profile(node, problems, path)
    if problems or profile is None:
        raise ProfileError(path, problems or [(1, "empty file")])
    return profile


def _profile(node: Any, problems: list[tuple[int, str]], path: Path) -> Profile | None:
    data = _mapping(
        node, problems, "the file", {"name", "description", "hints", "fields", "checks"}
    )
    if data is None:
        return None
    name = _text(data.get("name"), problems, "name", node)
    description = _text(data.get("description"), problems, "description", node, default="")
    keywords: list[str] = []
    kinds: list[str] = []
    titles: list[str] = []
    if "hints" in data:
        hints = _mapping(data["hints"], problems, "hints", {"keywords", "kinds", "titles"}) or {}
        keywords = _strings(hints.get("keywords"), problems, "hints.keywords")
        kinds = _strings(hints.get("kinds"), problems, "hints.kinds")
        titles = _strings(hints.get("titles"), problems, "hints.titles")
    fields: list[FieldSpec] = []
    if "fields" not in data:
        problems.append((_line(node), "'fields' is missing: a profile names what to extract"))
    else:
        fields = _fields(data["fields"], problems, "fields", allow_table=True)
    checks = _checks(data.get("checks"), problems, {f.name: f for f in fields})
    if problems or not name:
        return None
    return Profile(
        name=name,
        description=description or "",
        keywords=tuple(keywords),
        fields=tuple(fields),
        checks=tuple(checks),
        kinds=tuple(kinds),
        titles=tuple(titles),
        source=str(path),
        content_hash=hashlib.sha256(path.read_bytes()).hexdigest()[:16],
    )


def _fields(node: Any, problems: list[tuple[int, str]], where: str, allow_table: bool) -> list:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        problems.append((_line(node), f"'{where}' must be a list of fields"))
        return []
    out: list[FieldSpec] = []
    seen: set[str] = set()
    keys = {"name", "type", "labels", "required", "values", "columns", "fallback", "format"}
    for item in node.value:
        spec = _mapping(item, problems, f"a field in '{where}'", keys)
        if spec is None:
            continue
        name = _text(spec.get("name"), problems, f"{where}[].name", item)
        kind = _text(spec.get("type"), problems, f"{where}[].type", item, default="string")
        line = _line(item)
        if name in seen:
            problems.append((line, f"field '{name}' is named twice"))
        seen.add(name or "")
        if kind not in FIELD_TYPES or (kind == "table" and not allow_table):
            allowed = [t for t in FIELD_TYPES if allow_table or t != "table"]
            where_type = _line(spec.get("type", item))
            problems.append((where_type, f"field '{name}': type '{kind}' is not one of {allowed}"))
            continue
        values = _strings(spec.get("values"), problems, f"{name}.values")
        if kind == "enum" and not values:
            problems.append((line, f"field '{name}': an enum needs 'values', the allowed list"))
        columns: list[FieldSpec] = []
        if kind == "table":
            if "columns" not in spec:
                problems.append((line, f"field '{name}': a table needs 'columns'"))
            else:
                columns = _fields(spec["columns"], problems, f"{name}.columns", False)
        required = _boolean(spec.get("required"), problems, f"{name}.required")
        fallback = _text(spec.get("fallback"), problems, f"{name}.fallback", item, default="")
        if fallback and fallback not in FALLBACKS:
            problems.append((line, f"field '{name}': fallback must be one of {list(FALLBACKS)}"))
        form = _text(spec.get("format"), problems, f"{name}.format", item, default="")
        if form and form not in FORMATS:
            problems.append((line, f"field '{name}': format must be one of {list(FORMATS)}"))
        labels = _strings(spec.get("labels"), problems, f"{name}.labels")
        out.append(
            FieldSpec(
                name=name or "",
                type=kind or "string",
                # without labels, the field's own name is its label ("due_date": "due date")
                labels=with_transliterations(labels) or ((name or "").replace("_", " "),),
                required=required,
                values=tuple(values),
                columns=tuple(columns),
                fallback=fallback or None,
                format=form or None,
            )
        )
    return out


def with_transliterations(labels: list[str]) -> tuple[str, ...]:
    """The labels, each followed by its spelling without umlauts ('Schadenhöhe' and
    'Schadenhoehe'), as keyboards and OCR without the glyphs write them."""
    out: list[str] = []
    for label in labels:
        out.append(label)
        plain = label
        for umlaut, spelled in UMLAUTS.items():
            plain = plain.replace(umlaut, spelled)
        if plain != label:
            out.append(plain)
    return tuple(out)


UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}


def _checks(node: Any, problems: list[tuple[int, str]], fields: dict[str, FieldSpec]) -> list:
    import yaml

    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        problems.append((_line(node), "'checks' must be a list"))
        return []
    out: list[Check] = []
    for item in node.value:
        keys = {"kind", "field", "than", "items", "tolerance", "also", "parts"}
        spec = _mapping(item, problems, "a check", keys)
        if spec is None:
            continue
        line = _line(item)
        kind = _text(spec.get("kind"), problems, "checks[].kind", item)
        target = _text(spec.get("field"), problems, "checks[].field", item)
        if kind not in CHECK_KINDS:
            problems.append((line, f"check kind '{kind}' is not one of {list(CHECK_KINDS)}"))
            continue
        if target not in fields:
            problems.append((line, f"check on '{target}': no such field in this profile"))
            continue
        than = _text(spec.get("than"), problems, "checks[].than", item, default="")
        items = _text(spec.get("items"), problems, "checks[].items", item, default="")
        if kind == "after" and (than not in fields or fields[than].type != "date"):
            problems.append((line, f"check 'after' on '{target}': 'than' must name a date field"))
        if kind == "sum":
            table, _, column = (items or "").partition(".")
            spec_table = fields.get(table)
            if spec_table is None or not any(c.name == column for c in spec_table.columns):
                problems.append((line, f"check 'sum': items '{items}' is not table.column"))
        tolerance = float(_text(spec.get("tolerance"), problems, "tolerance", item, "0.01") or 0)
        also = _strings(spec.get("also"), problems, "checks[].also")
        parts = _strings(spec.get("parts"), problems, "checks[].parts")
        for name in [*also, *parts]:
            if name not in fields:
                problems.append((line, f"check on '{target}': no field '{name}' in this profile"))
        if kind == "adds" and len(parts) < 2:
            problems.append((line, f"check 'adds' on '{target}': 'parts' names two fields or more"))
        out.append(
            Check(kind, target or "", than or "", items or "", tolerance, tuple(also), tuple(parts))
        )
    return out


def _mapping(node: Any, problems: list, what: str, keys: set[str]) -> dict[str, Any] | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        problems.append((_line(node), f"{what} must be a mapping of keys to values"))
        return None
    out = {}
    for key, value in node.value:
        if key.value not in keys:
            problems.append((_line(key), f"unknown key '{key.value}' (known: {sorted(keys)})"))
        out[key.value] = value
    return out


def _text(node: Any, problems: list, what: str, parent: Any, default: str | None = None):  # type: ignore[no-untyped-def]
    import yaml

    if node is None:
        if default is None:
            problems.append((_line(parent), f"'{what}' is missing"))
        return default
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        problems.append((_line(node), f"'{what}' must be a non-empty text"))
        return default
    return str(node.value).strip()


def _strings(node: Any, problems: list, what: str) -> list[str]:
    import yaml

    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode) or not all(
        isinstance(v, yaml.ScalarNode) and str(v.value).strip() for v in node.value
    ):
        problems.append((_line(node), f"'{what}' must be a list of texts"))
        return []
    return [str(v.value).strip() for v in node.value]


def _boolean(node: Any, problems: list, what: str) -> bool:
    if node is None:
        return False
    value = str(getattr(node, "value", "")).lower()
    if value not in ("true", "false", "yes", "no"):
        problems.append((_line(node), f"'{what}' must be true or false"))
        return False
    return value in ("true", "yes")


def _line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 1
