"""Speech to text for the audio step: Gemma 4's audio encoder on each window (the article's
prompts), or on the CPU faster-whisper over the batch's speech in one pass, each window then
given the words said in it; both answer per window."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine, uses_model
from docintel.pipeline.audio.signal import decode
from docintel.pipeline.audio.whisper import LONG_SILENCE_S, with_whisper
from docintel.pipeline.types import AUDIO_RATE, Segment, WindowText

LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "ar": "Arabic",
    "hi": "Hindi",
    "ru": "Russian",
    "tr": "Turkish",
    "sv": "Swedish",
}

TRANSCRIBE_PROMPT = (
    "Transcribe the following speech segment in {language} into {language} text.\n\n"
    "Follow these specific instructions for formatting the answer:\n"
    "* Only output the transcription, with no newlines.\n"
    "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point seven, "
    "and write 3 instead of three."
)
TRANSLATE_PROMPT = (
    "Transcribe the following speech segment in {language}, then translate it into "
    "{target}.\nWhen formatting the answer, first output the transcription in {language}, "
    "then one newline, then output the string '{target}: ', then the translation in "
    "{target}.\n* When transcribing numbers, write the digits."
)


def language_name(code: str) -> str:
    return LANGUAGES.get(code.lower(), code)


def prompt_for(settings: Settings) -> str:
    language = language_name(settings.audio_language)
    if settings.audio_task == "translate":
        return TRANSLATE_PROMPT.format(
            language=language, target=language_name(settings.translate_to)
        )
    return TRANSCRIBE_PROMPT.format(language=language)


def split_translation(text: str, target: str) -> tuple[str, str | None]:
    marker = f"{target}:"
    index = text.find(marker)
    if index < 0:
        return text.strip(), None
    return text[:index].strip(), text[index + len(marker) :].strip()


def transcribe(
    path: Path, windows: list[Segment], settings: Settings, engine: Engine
) -> list[WindowText]:
    """Each window transcribed (and translated) by ``engine``, or by faster-whisper on the
    CPU engine: the segment with its raw text kept for stitching, and its audit event."""
    if not windows:
        return []
    model = uses_model(engine)
    # faster-whisper hears a recording from its start, as it would run over the whole file
    first, span = span_samples(path, windows, lead_s=0.0 if model else LONG_SILENCE_S)
    audio = window_samples(first, span, windows)
    if model:
        rows = _with_model(audio, settings, engine)
    else:
        rows = with_whisper(first, span, windows, audio, settings)
    spans = {w.window: w for w in windows}
    out = []
    for segment, result in rows:
        span_of = spans[segment.window]
        segment.start_s, segment.end_s, segment.skipped = span_of.start_s, span_of.end_s, False
        # word times in recording time, not window time
        segment.words = [
            [w, round(a + span_of.start_s, 3), round(b + span_of.start_s, 3), p]
            for w, a, b, p in segment.words
        ]
        out.append(WindowText(segment, _window_audit(segment, result)))
    return out


def span_samples(path: Path, windows: list[Segment], lead_s: float = 0.0) -> tuple[float, Any]:
    """The samples of the span a batch of windows covers, from one decode (a compressed
    file decoded once per batch, not once per window from its start), and its start. With
    ``lead_s``, the span reaches the recording's start or end where the first window starts
    or the last ends less than ``lead_s`` from it."""
    first = min(w.start_s for w in windows)
    first = 0.0 if first < lead_s else first
    last = max(w.end_s for w in windows)
    span = decode(path, offset=first, duration=last - first + lead_s)
    if len(span) >= (last - first + lead_s - 0.05) * AUDIO_RATE:  # more follows: stop at last
        span = span[: int(round((last - first) * AUDIO_RATE))]
    return first, span


def window_samples(first: float, span: Any, windows: list[Segment]) -> dict[int, Any]:
    """Each window's samples, cut from the span that starts at ``first``."""
    return {
        w.window: span[
            int(round((w.start_s - first) * AUDIO_RATE)) : int(
                round((w.end_s - first) * AUDIO_RATE)
            )
        ]
        for w in windows
    }


def _window_audit(segment: Segment, result: Any) -> dict[str, Any]:
    """A model's call is recorded whole (tokens, prompt hash); faster-whisper's as a step."""
    measured = (
        result.audit()
        if result is not None
        else {
            "engine": segment.engine,
            "model": segment.model,
            "precision": segment.precision,
            "duration_ms": segment.timings["generate_ms"],
        }
    )
    return {
        "step": f"audio:{segment.window}",
        "status": "warning" if segment.timings.get("short") else "ok",
        "role": "assistant" if result is not None else "pipeline",
        "content": (segment.timings["raw_text"] or "")[:4000],
        **measured,
    }


def _with_model(
    audio: dict[int, Any], settings: Settings, engine: Engine
) -> list[tuple[Segment, Any]]:
    from docintel.models.types import AudioPart, Request, TextPart

    prompt = prompt_for(settings)
    requests = [
        Request([AudioPart(samples), TextPart(prompt)], thinking=False, tag=f"audio:window:{i}")
        for i, samples in audio.items()
    ]
    started = time.perf_counter()
    results = engine.generate(requests)
    batch_ms = (time.perf_counter() - started) * 1000
    target = language_name(settings.translate_to)
    rows = []
    for (index, samples), result in zip(audio.items(), results, strict=True):
        text, translation = (
            split_translation(result.text, target)
            if settings.audio_task == "translate"
            else (result.text, None)
        )
        segment = Segment(
            index,
            0.0,
            0.0,
            language=settings.audio_language,
            engine=result.engine,
            model=result.model,
            precision=result.precision,
            timings={
                "raw_text": text,
                "raw_translation": translation,
                "generate_ms": result.duration_ms,
                "batch_ms": batch_ms,
                "batch_size": len(requests),
                "audio_s": len(samples) / AUDIO_RATE,
                "audio_tokens": result.audio_tokens,
            },
        )
        rows.append((segment, result))
    return rows
