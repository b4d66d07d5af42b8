"""A transcript as captions: SubRip (``srt``), WebVTT (``vtt``) or plain text (``txt``).

Cues follow the word timestamps where the engine gave them (a cue ends at a sentence end,
or after about seven seconds or fourteen words, so a 28 s window is not one caption);
without them, one cue per segment."""

from __future__ import annotations

from typing import Any

FORMATS = ("srt", "vtt", "txt")


def cues(segments: list[dict[str, Any]]) -> list[tuple[float, float, str]]:
    out: list[tuple[float, float, str]] = []
    for seg in segments:
        if seg.get("skipped") or not (seg.get("text") or "").strip():
            continue
        words = seg.get("words") or []
        if not words or len(words) != len(seg["text"].split()):
            out.append((seg["start_s"], seg["end_s"], seg["text"].strip()))
            continue
        current: list[list[Any]] = []
        for word in words:
            current.append(word)
            ends = word[0].endswith((".", "?", "!"))
            if ends or current[-1][2] - current[0][1] >= 7.0 or len(current) >= 14:
                out.append((current[0][1], current[-1][2], " ".join(w[0] for w in current)))
                current = []
        if current:
            out.append((current[0][1], current[-1][2], " ".join(w[0] for w in current)))
    return out


def _clock(seconds: float, separator: str) -> str:
    millis = int(round(max(0.0, seconds) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def captions(segments: list[dict[str, Any]], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown caption format {fmt!r}; use one of {', '.join(FORMATS)}")
    timed = cues(segments)
    if fmt == "txt":
        return "\n".join(text for _, _, text in timed) + ("\n" if timed else "")
    if fmt == "srt":
        blocks = [
            f"{i}\n{_clock(a, ',')} --> {_clock(b, ',')}\n{text}\n"
            for i, (a, b, text) in enumerate(timed, 1)
        ]
        return "\n".join(blocks)
    blocks = [f"{_clock(a, '.')} --> {_clock(b, '.')}\n{text}\n" for a, b, text in timed]
    return "WEBVTT\n\n" + "\n".join(blocks)
