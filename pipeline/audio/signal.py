"""Recordings: decode to 16 kHz mono, find speech with a voice-activity measure relative
to the recording's own level, cut windows at quiet points, and stitch the windows' texts so
words said in an overlap appear once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docintel.pipeline.types import AUDIO_RATE as RATE

FRAME_S = 0.03


@dataclass(frozen=True)
class Window:
    index: int
    start_s: float
    end_s: float


def decode(path: Path, offset: float = 0.0, duration: float | None = None) -> Any:
    """16 kHz mono float32, whatever the input rate, channels or container: ``duration``
    seconds (all, if None) from ``offset``, read in bounded blocks (``audio.stream``)."""
    from docintel.pipeline.audio.stream import read

    return read(path, offset, duration)


# Below this peak (-80 dBFS) a block holds no speech: the VAD model is not asked.
DIGITAL_SILENCE = 1e-4


@dataclass(frozen=True)
class Heard:
    """What route keeps of a recording: its length, its loudness every ``FRAME_S``, and
    where speech is; about 1 MB an hour, whatever the recording's length."""

    duration_s: float
    energy_db: Any
    spans: list[tuple[float, float]]
    vad: str


def listen(path: Path, min_silence_s: float = 1.0, vad: str = "energy") -> Heard:
    """One pass over the recording, block by block: never the whole of it in memory."""
    import numpy as np

    from docintel.pipeline.audio.stream import blocks

    hop = int(FRAME_S * RATE)
    use_silero = vad == "silero" and has_silero()
    carry = np.zeros(0, dtype=np.float32)
    energies: list[Any] = []
    spans: list[tuple[float, float]] = []
    total = 0
    for block in blocks(path):
        if use_silero and float(np.abs(block).max(initial=0.0)) > DIGITAL_SILENCE:
            at = total / RATE
            spans += [(a + at, b + at) for a, b in silero_spans(block, min_silence_s)]
        total += len(block)
        joined = np.concatenate([carry, block])
        whole = len(joined) // hop * hop
        energies.append(frame_energy_db(joined[:whole]))
        carry = joined[whole:]
    energy = np.concatenate(energies) if energies else np.zeros(0)
    duration = total / RATE
    if use_silero:
        spans = merge_spans(spans, min_silence_s)
    else:
        spans = energy_spans(energy, duration, min_silence_s)
    return Heard(duration, energy, spans, "silero" if use_silero else "energy")


def merge_spans(
    spans: list[tuple[float, float]], min_silence_s: float
) -> list[tuple[float, float]]:
    """Spans closer than ``min_silence_s`` joined (speech found on both sides of a block's
    edge is one span)."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < min_silence_s:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def frame_energy_db(samples: Any) -> Any:
    import numpy as np

    hop = int(FRAME_S * RATE)
    n = len(samples) // hop
    if n == 0:
        return np.zeros(0)
    frames = samples[: n * hop].reshape(n, hop)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-10))


def speech_mask(energy_db: Any, drop_db: float = 35.0) -> Any:
    """Speech is frame energy within ``drop_db`` of the recording's own loud level (its 95th
    percentile), and clearly above its noise floor: no fixed amplitude constant, so a quiet
    recording and a loud one are judged alike."""
    import numpy as np

    if len(energy_db) == 0:
        return np.zeros(0, dtype=bool)
    loud = np.percentile(energy_db, 95)
    floor = np.percentile(energy_db, 10)
    threshold = max(loud - drop_db, floor + 6.0)
    return energy_db > threshold


def speech_spans(
    samples: Any, min_silence_s: float = 1.0, pad_s: float = 0.25
) -> list[tuple[float, float]]:
    """(start, end) seconds of speech; silences of at least ``min_silence_s`` separate spans."""
    return energy_spans(frame_energy_db(samples), len(samples) / RATE, min_silence_s, pad_s)


def energy_spans(
    energy_db: Any, total: float, min_silence_s: float = 1.0, pad_s: float = 0.25
) -> list[tuple[float, float]]:
    """``speech_spans`` from the frames' energies alone."""
    import numpy as np

    mask = speech_mask(energy_db)
    spans: list[list[float]] = []
    for i in np.flatnonzero(mask) if len(mask) else []:
        t = float(i) * FRAME_S
        if spans and t - spans[-1][1] < min_silence_s:
            spans[-1][1] = t + FRAME_S
        else:
            spans.append([t, t + FRAME_S])
    return [(max(0.0, a - pad_s), min(total, b + pad_s)) for a, b in spans if b - a >= 0.1]


def has_silero() -> bool:
    import importlib.util

    return importlib.util.find_spec("faster_whisper") is not None


def silero_spans(
    samples: Any, min_silence_s: float = 1.0, pad_s: float = 0.25
) -> list[tuple[float, float]]:
    """(start, end) seconds of speech by the Silero VAD that faster-whisper ships (ONNX, in
    its wheel); silences of at least ``min_silence_s`` separate spans."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        min_silence_duration_ms=int(min_silence_s * 1000), speech_pad_ms=int(pad_s * 1000)
    )
    found = get_speech_timestamps(samples, options, sampling_rate=RATE)
    return [(s["start"] / RATE, s["end"] / RATE) for s in found]


# Spans apart by less than this share a window while it has room: a short sentence alone in
# a window was misheard where the bare engine, hearing it with its neighbours, was right
# ("Our bank approved the loan" -> "Our man kept moved alone", bench/fidelity.py).
PACK_GAP_S = 3.0


def pack_spans(
    spans: list[tuple[float, float]], window_s: float, gap_s: float = PACK_GAP_S
) -> list[tuple[float, float]]:
    """Neighbouring speech spans joined while the joined span fits in a window and the
    silence between them is shorter than ``gap_s``; longer silences are still skipped."""
    packed: list[tuple[float, float]] = []
    for start, end in spans:
        if packed and start - packed[-1][1] < gap_s and end - packed[-1][0] <= window_s:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    return packed


def plan_windows(
    samples: Any,
    window_s: float = 28.0,
    overlap_s: float = 1.0,
    search_s: float = 6.0,
    min_silence_s: float = 2.0,
    vad: str = "energy",
) -> tuple[list[Window], list[tuple[float, float]]]:
    """``plan_heard`` for samples in memory."""
    find = silero_spans if vad == "silero" and has_silero() else speech_spans
    heard = Heard(len(samples) / RATE, frame_energy_db(samples), find(samples, min_silence_s), vad)
    return plan_heard(heard, window_s, overlap_s, search_s)


def plan_heard(
    heard: Heard, window_s: float = 28.0, overlap_s: float = 1.0, search_s: float = 6.0
) -> tuple[list[Window], list[tuple[float, float]]]:
    """Windows of at most ``window_s`` over the speech: pauses shorter than the minimum
    silence stay inside a window (a sentence is heard with its neighbours), a longer
    silence ends one and is skipped. A span longer than a window is cut at the quietest
    frame of its last ``search_s`` seconds (a pause, where there is one), with
    ``overlap_s`` of overlap that the stitching removes again."""
    energy, total = heard.energy_db, heard.duration_s
    spans = pack_spans(heard.spans, window_s)
    windows: list[Window] = []
    for start, end in spans:
        s = start
        while end - s > window_s:
            lo, hi = int((s + window_s - search_s) / FRAME_S), int((s + window_s) / FRAME_S)
            quiet = lo + int(energy[lo:hi].argmin()) if hi > lo else hi
            cut = min(quiet * FRAME_S + FRAME_S / 2, s + window_s)
            windows.append(Window(len(windows), round(s, 3), round(cut, 3)))
            s = cut - overlap_s
        windows.append(Window(len(windows), round(s, 3), round(end, 3)))
    skipped, cursor = [], 0.0
    for start, end in spans:
        if start - cursor >= 0.5:
            skipped.append((round(cursor, 3), round(start, 3)))
        cursor = end
    if total - cursor >= 0.5:
        skipped.append((round(cursor, 3), round(total, 3)))
    return windows, skipped


_TOKEN = re.compile(r"[\w'’]+")


def _norm(word: str) -> str:
    return "".join(_TOKEN.findall(word.lower()))


def overlap_end(prev: list[str], text: list[str], reach: int) -> int:
    """How many leading words of ``text`` repeat the end of ``prev``: the longest run of
    words that ends at the end of ``prev`` (or one word before, which the window boundary
    may have cut in half) and starts within the first words of ``text``. 0 if none."""
    a = [_norm(w) for w in prev[-reach:]]
    b = [_norm(w) for w in text[:reach]]
    for k in range(min(len(a), len(b)), 0, -1):
        for a_end in (len(a), len(a) - 1):
            if a_end - k < 0:
                continue
            run = a[a_end - k : a_end]
            if not all(run) or (k == 1 and len(run[0]) < 4):
                continue  # one short word ("the", "and") is not evidence of an overlap
            for j in range(0, min(3, len(b) - k + 1)):
                if b[j : j + k] == run:
                    return j + k
    return 0


def overlap_counts(texts: list[str], overlaps: list[float], words_per_s: float = 3.5) -> list[int]:
    """How many leading words of each window's text repeat the previous window's overlap.
    The overlapping words are aligned, not cut by a guess of time."""
    counts = [0]
    for prev, text, overlap in zip(texts, texts[1:], overlaps, strict=False):
        words = text.split()
        if overlap <= 0 or not words:
            counts.append(0)
            continue
        reach = max(4, int(overlap * words_per_s * 3))
        counts.append(overlap_end(prev.split(), words, reach))
    return counts


def stitch(texts: list[str], overlaps: list[float], words_per_s: float = 3.5) -> list[str]:
    """Each window's text with the words it repeats from the previous window's overlap
    removed."""
    counts = overlap_counts(texts, overlaps, words_per_s)
    return [
        text if n == 0 else " ".join(text.split()[n:])
        for text, n in zip(texts, counts, strict=True)
    ]


def monotonic_words(words: list[list[Any]], floor: float = 0.0) -> list[list[Any]]:
    """Word times that never run backwards: whisper's timed segments may start a little
    before the previous one ended, and a window's first words may start inside the one
    before; a player seeking to a word, and captions, need times in order."""
    out = []
    for text, start, end, *rest in words:
        start = max(start, floor)
        out.append([text, start, max(end, start), *rest])
        floor = start
    return out
