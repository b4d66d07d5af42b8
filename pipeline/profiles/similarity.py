"""The type by meaning, where the words leave a doubt: the document's opening compared with
each profile's description (and keywords) by an embedder."""

from __future__ import annotations

from collections.abc import Callable

from docintel.pipeline.profiles.spec import Profile
from docintel.pipeline.types import Classification

Embed = Callable[[list[str]], list[list[float]]]
SIMILAR_CHARS = 2000  # the opening compared with the profiles' descriptions
SIMILAR_MIN, SIMILAR_LEAD = 0.33, 0.10


def classify_by_similarity(
    text: str, profiles: dict[str, Profile], kind: str, embed: Embed
) -> Classification | None:
    """The profile whose description (and keywords) the document's opening is most like,
    when it is clearly the most like: a meeting's transcript that never says "minutes" is
    still a meeting. Measured with MiniLM: 0.35-0.44 for a document of the type, under 0.25
    for one of none, so both a floor and a lead over the runner-up are asked."""
    candidates = [p for p in profiles.values() if not p.kinds or kind in p.kinds]
    opening = " ".join(text.split())[:SIMILAR_CHARS]
    if not candidates or not opening.strip():
        return None
    vectors = embed([opening] + [f"{p.description} {' '.join(p.keywords)}" for p in candidates])
    doc = vectors[0]
    sims = {
        p.name: sum(a * b for a, b in zip(doc, v, strict=True)) / (_norm2(doc) * _norm2(v) or 1.0)
        for p, v in zip(candidates, vectors[1:], strict=True)
    }
    ranked = sorted(sims.items(), key=lambda kv: kv[1], reverse=True)
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < SIMILAR_MIN or score - second < SIMILAR_LEAD:
        return None
    return Classification(
        best,
        round(min(0.9, score), 2),
        [f"similar to the {best} profile's description ({score:.2f}; next {second:.2f})"],
        {name: round(value, 3) for name, value in sims.items()},
    )


def _norm2(vector: list[float]) -> float:
    return sum(x * x for x in vector) ** 0.5
