"""Rich views for the CLI. Only presentation: the data comes from store.queries."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

STATUS_STYLE = {
    "done": "green",
    "failed": "red",
    "duplicate": "yellow",
    "processing": "cyan",
    "queued": "blue",
    "received": "white",
}


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: Any) -> str:
    """User-controlled text (names, page text, fields, transcripts, audit) without terminal
    control characters: ESC sequences and bidi overrides cannot spoof the terminal."""
    return _CONTROL.sub("\ufffd", "" if text is None else str(text))


def safe(text: Any) -> str:
    """``plain`` text, escaped for Rich: a field holding ``[/b]`` or ``[link=...]`` is shown
    as written, never read as markup."""
    return escape(plain(text))


def _status(value: str) -> str:
    return f"[{STATUS_STYLE.get(value, 'white')}]{value}[/]"


def documents_table(console: Console, docs: list[dict[str, Any]]) -> None:
    table = Table("id", "status", "type", "name", "pages", "sha256", "error / warnings")
    for d in docs:
        note = d["error"] or "; ".join(d["warnings"])
        table.add_row(
            str(d["id"]),
            _status(d["status"]),
            safe(d["kind"] or d["media_type"] or ""),
            safe(d["name"]),
            str(d["page_count"] or ""),
            d["sha256"][:12],
            safe(note[:80]),
        )
    console.print(table)


def status_view(console: Console, info: dict[str, Any]) -> None:
    console.print(f"[bold]{info['mode']}[/] mode, database {safe(info['database'])}")
    table = Table("status", "documents")
    for status, count in sorted(info["documents"].items()):
        table.add_row(_status(status), str(count))
    console.print(table)
    if info["queues"]:
        queues = Table("queue", "waiting")
        for name, depth in info["queues"].items():
            queues.add_row(name, str(depth))
        console.print(queues)
        console.print(f"workers: {', '.join(w['name'] for w in info['workers']) or 'none'}")
    ocr = info.get("ocr")
    if ocr:
        version = f" {ocr['version']}" if ocr["version"] else ""
        console.print(f"OCR: {safe(ocr['engine'])}{safe(version)} ({safe(ocr['why'])})")
    for refused in info.get("refused", []):
        console.print(f"[yellow]refused:[/] {safe(refused['reason'])}")
    for account in info.get("mail", []):
        console.print(account_line(account))


def _parts(reason: str | None) -> list[str]:
    return [p for p in (reason or "").split("; ") if p]


def shared_reason(results: list[dict[str, Any]]) -> list[str]:
    """The parts of the extraction reason that several documents share (the engines that
    ran, what is missing): said once under them instead of in every panel."""
    seen: dict[str, int] = {}
    for r in results:
        for part in dict.fromkeys(_parts((r.get("extraction") or {}).get("reason"))):
            seen[part] = seen.get(part, 0) + 1
    return [part for part, n in seen.items() if n > 1]


def document_panel(
    console: Console,
    result: dict[str, Any],
    *,
    audit: bool = False,
    full: bool = False,
    said_below: list[str] | None = None,
) -> None:
    doc = result["document"]
    lines = [
        f"{_status(doc['status'])}  {safe(doc['kind'] or doc['media_type'] or '')}  "
        f"id {doc['id']}  sha256 {doc['sha256'][:12]}"
    ]
    if doc["error"]:
        lines.append(f"[red]error:[/] {safe(doc['error'])}")
    lines += [f"[yellow]warning:[/] {safe(w)}" for w in doc["warnings"]]
    pages = result["pages"]
    if pages:
        sources: dict[str, int] = {}
        for p in pages:
            key = p["text_source"] or p["status"]
            sources[key] = sources.get(key, 0) + 1
        lines.append("pages: " + ", ".join(f"{n} {safe(k)}" for k, n in sources.items()))
    tables = [t for p in pages for t in p["tables"]] + result["tables"]
    if tables:
        lines.append(f"tables: {len(tables)}")
    ext = result.get("extraction")
    if ext:
        reason = "; ".join(p for p in _parts(ext["reason"]) if p not in (said_below or []))
        lines.append(
            f"extraction: {safe(ext['status'])}" + (f" ({safe(reason)})" if reason else "")
        )
    profile = result.get("profile")
    if profile:
        flagged = [k for k, f in profile["fields"].items() if not f["valid"]]
        lines.append(
            f"type: {safe(profile['doc_type'])} ({profile['confidence'] or 0:.2f})"
            + "".join(
                f"{'; ' if i == 0 else ', '}{safe(k)}={safe(f['value'])}"
                for i, (k, f) in enumerate(profile["fields"].items())
            )
            + (f" [yellow](check: {safe(', '.join(flagged))})[/]" if flagged else "")
        )
    lines += _found_lines(result, full)
    if doc.get("parent_id"):
        lines.append(f"inside document {doc['parent_id']} as {safe(doc['member'])}")
    for child in result.get("children", []):
        typed = child.get("doc_type")
        lines.append(
            f"  └ {child['id']} {safe(child['member'] or child['name'])} "
            f"{_status(child['status'])}"
            + (f" {safe(typed)}" if typed and typed != "other" else "")
            + (f" (same as {child['duplicate_of']})" if child["duplicate_of"] else "")
        )
    console.print(Panel("\n".join(lines), title=safe(doc["name"]), expand=False))
    if full and pages:
        page_table(console, pages)
    if full and result.get("markdown"):
        from rich.markdown import Markdown  # markdown-it: only `show` needs it

        console.print(Markdown(plain(result["markdown"][:20000])))
    if full and result.get("segments"):
        for seg in result["segments"]:
            if not seg["skipped"]:
                console.print(
                    f"[dim]{seg['start_s']:7.1f}–{seg['end_s']:7.1f}s[/] {safe(seg['text'])}"
                )
    if audit:
        audit_timeline(console, result.get("audit", []))


# How much of a transcript the summary panel quotes: enough to see it was heard right.
_TRANSCRIPT_CHARS = 160


def _found_lines(result: dict[str, Any], full: bool) -> list[str]:
    """What the summary panel shows beyond the type: the filled form fields of the pages and
    the start of the transcript (``show`` prints both in full below the panel instead)."""
    if full:
        return []
    lines = []
    fields = {k: v for p in result["pages"] for k, v in (p["fields"] or {}).items()}
    if fields:
        lines.append("form: " + ", ".join(f"{safe(k)}={safe(v)}" for k, v in fields.items()))
    said = " ".join(
        s["text"].strip() for s in result.get("segments") or [] if s["text"] and not s["skipped"]
    )
    if said:
        cut = said if len(said) <= _TRANSCRIPT_CHARS else said[:_TRANSCRIPT_CHARS] + "…"
        lines.append(f"transcript: {safe(cut)}")
    return lines


def page_table(console: Console, pages: list[dict[str, Any]]) -> None:
    table = Table("page", "status", "source", "kind", "tokens", "tables", "fields")
    for p in pages:
        table.add_row(
            str(p["page"]),
            _status(p["status"]),
            safe(p["text_source"] or ""),
            safe(p.get("kind") or ""),
            str(p["visual_tokens"] or ""),
            str(len(p["tables"])),
            str(len(p["fields"] or {})),
        )
    console.print(table)
    for p in pages:
        chart = p.get("chart") or {}
        decision = p["error"] or p["decision"] or ""
        if chart and chart.get("read") is False:
            decision += f" (chart not read: {chart['reason']})"
        console.print(f"[dim]page {p['page']}:[/] {safe(decision)}")
        if p["fields"]:
            console.print(
                f"[bold]page {p['page']} fields[/]: "
                + "; ".join(f"{safe(k)}: {safe(v)}" for k, v in p["fields"].items())
            )


def audit_timeline(console: Console, events: list[dict[str, Any]]) -> None:
    table = Table("at", "step", "role", "status", "what", "ms", "engine")
    attempts = sorted({e.get("attempt", 1) for e in events})
    shown = None
    for e in events:
        if len(attempts) > 1 and e["attempt"] != shown:  # a retry by hand: said where it starts
            shown = e["attempt"]
            label = "the latest" if shown == attempts[-1] else "before a retry"
            table.add_section()
            table.add_row("", f"[bold]attempt {shown}[/] ({label})")
        what = e["content"] or ""
        if e["tool_name"]:
            what = f"{e['tool_name']}({e['tool_args'] or {}}) -> {e['tool_result'] or ''}"
        table.add_row(
            (e["at"] or "")[11:23],
            safe(e["step"]),
            safe(e["role"]),
            safe(e["status"]),
            safe(what[:120]),
            f"{e['duration_ms']:.0f}" if e["duration_ms"] else "",
            safe(e["engine"] or ""),
        )
    console.print(table)


def account_line(row: dict[str, Any]) -> str:
    """One account in words, for `mail list` and `docintel status`."""
    taken = sum(n for k, n in row["messages"].items() if k in ("stored", "done"))
    head = f"mail [bold]{safe(row['name'])}[/] ({safe(row['user'])} at {safe(row['host'])})"
    if row["failures"]:
        return (
            f"{head}: [red]failing[/] ({row['failures']} in a row): {safe(row['last_error'])}; "
            f"next try {safe(row['next_try_at'])}"
        )
    if row.get("rules") == []:
        return f"{head}: [yellow]no rules[/] in DOCINTEL_MAIL_RULES, nothing is fetched"
    when = f"last poll {safe(row['last_ok_at'])}" if row["last_ok_at"] else "not polled yet"
    return f"{head}: [green]ok[/], {taken} message(s) taken, {when}"
