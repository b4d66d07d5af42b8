"""What Flower shows as a task's arguments: the document's file name, id and the part a
task reads, instead of a bare sha256 (its search then finds a document by name)."""

from __future__ import annotations


def task_label(doc_id: int | None, name: str, sha256: str, part: str = "") -> str:
    """What Flower shows as a task's arguments: 'invoice.pdf · doc 12 · pages 1-3 ·
    761c580c1f2a'."""
    name = " ".join(str(name).split())
    name = name if len(name) <= 120 else name[:117] + "..."
    bits = [name, f"doc {doc_id}" if doc_id is not None else "", part, sha256[:12]]
    return " · ".join(b for b in bits if b)


def span(numbers: list[int]) -> str:
    """1-3, or 4 for one number."""
    return f"{min(numbers)}-{max(numbers)}" if len(numbers) > 1 else str(numbers[0])
