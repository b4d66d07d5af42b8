"""Speech of known content, spoken by Debian's espeak-ng, for the audio tests and
bench/audio.py: a recording longer than two minutes with silences and one long sentence
placed across a window boundary."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RATE = 16_000
SENTENCES = [
    "The shipment of forty pallets arrived in Rotterdam on Monday morning",
    "Our supplier confirmed the revised delivery terms by email",
    "Customer support resolved most tickets within two business days",
    "The warehouse team counted every box before signing the receipt",
    "Please send the signed contract back to the legal department",
    "The quarterly review covers revenue operating costs and the outlook",
    "We expect the new invoices to be paid before the end of the month",
    "The customs declaration was filed together with the freight manifest",
    "Maria will present the budget to the board next Thursday",
    "The harbour office asked for a copy of the insurance certificate",
    "All drivers must wear safety gloves in the loading area",
    "The auditors found no problems with the ledger this year",
    "Our office in Hamburg will be closed during the public holiday",
    "The carrier promised a discount for shipments booked in advance",
    "Remember to archive the old purchase orders before Friday",
    "The printer on the second floor needs a new toner cartridge",
    "The train to Brussels was delayed by almost an hour",
    "Every new employee receives a laptop and a security badge",
    "The tender documents must be submitted before noon on Tuesday",
    "Our bank approved the loan for the new delivery trucks",
    "The marketing team prepared a short video about the product",
    "Several customers asked about the price of express delivery",
    "The inspector checked the fire exits and the emergency lights",
    "Next year we plan to open a small office in Lisbon",
]
STRADDLE = (
    "During the long meeting the finance director explained in great detail why the "
    "company decided to move the central warehouse closer to the container terminal"
)


@dataclass
class Recording:
    samples: Any  # float32, 16 kHz
    transcript: str
    straddle: str
    silences: list[tuple[float, float]]  # seconds
    straddle_span: tuple[float, float]

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def speak(text: str, voice: str = "en-us", speed: int = 135) -> Any:
    import numpy as np
    import soundfile as sf
    from scipy.signal import resample_poly

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(
            [exe, "-v", voice, "-s", str(speed), "-w", tmp.name, text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        data, rate = sf.read(tmp.name, dtype="float32")
    if data.ndim > 1:
        data = data.mean(axis=1)
    data = resample_poly(data, 320, 441) if rate == 22_050 else data
    # espeak leaves silence around each utterance; trim it so pauses are ours to set
    loud = np.flatnonzero(np.abs(data) > 0.02)
    return data[loud[0] : loud[-1] + 1].astype("float32") if len(loud) else data


def build_recording(seed: int = 0) -> Recording:
    """~2.5 minutes: four speech spans separated by silences of 3-5 s, short pauses between
    sentences, and STRADDLE placed across the 28 s cut of the second span."""
    import numpy as np

    rng = random.Random(seed)
    sentences = SENTENCES[:]
    rng.shuffle(sentences)
    pieces: list[Any] = []
    spoken: list[str] = []
    silences: list[tuple[float, float]] = []
    now = 0.0

    def add(samples: Any) -> None:
        nonlocal now
        pieces.append(samples)
        now += len(samples) / RATE

    def pause(seconds: float) -> None:
        add(np.zeros(int(seconds * RATE), dtype="float32"))

    def silence(seconds: float) -> None:
        silences.append((now, now + seconds))
        pause(seconds)

    straddle_span = (0.0, 0.0)
    silence(1.5)
    plan = [6, "straddle", 6, 5]
    for part in plan:
        span_start = now
        if part == "straddle":
            for sentence in sentences[:5]:  # speech up to about 24 s into the span
                if now - span_start > 21:
                    break
                add(speak(sentence))
                spoken.append(sentence)
                sentences.remove(sentence)
                pause(0.35)
            start = now
            add(speak(STRADDLE, speed=125))
            straddle_span = (start, now)
            spoken.append(STRADDLE)
            pause(0.35)
            for sentence in sentences[:3]:
                add(speak(sentence))
                spoken.append(sentence)
                sentences.remove(sentence)
                pause(0.35)
        else:
            for sentence in sentences[:part]:
                add(speak(sentence))
                spoken.append(sentence)
                sentences.remove(sentence)
                pause(0.35)
        silence(rng.uniform(3.0, 5.0))
    samples = np.concatenate(pieces)
    noise = np.random.default_rng(seed).normal(0, 0.0005, len(samples)).astype("float32")
    return Recording(samples + noise, ". ".join(spoken) + ".", STRADDLE, silences, straddle_span)


def write_wav(path: Path, samples: Any, rate: int = RATE) -> Path:
    import soundfile as sf

    sf.write(path, samples, rate)
    return path


def paused_recording(seed: int = 0, sentences: int = 12) -> Recording:
    """Sentences with pauses of 0.3-3 s between them, and some sentences broken by a pause
    in the middle (a speaker who stops to think): what packing windows and carrying context
    across them must get right."""
    import numpy as np

    rng = random.Random(seed)
    chosen = rng.sample(SENTENCES, sentences)
    pieces: list[Any] = []
    silences: list[tuple[float, float]] = []
    now = 0.0
    for i, sentence in enumerate(chosen):
        words = sentence.split()
        halves = [sentence]
        if i % 3 == 1 and len(words) > 6:  # a pause inside the sentence
            cut = len(words) // 2
            halves = [" ".join(words[:cut]), " ".join(words[cut:])]
        for j, half in enumerate(halves):
            speech = speak(half)
            pieces.append(speech)
            now += len(speech) / RATE
            gap = rng.uniform(0.3, 1.2) if j < len(halves) - 1 else rng.uniform(0.3, 3.0)
            silences.append((now, now + gap))
            pieces.append(np.zeros(int(gap * RATE), dtype="float32"))
            now += gap
    samples = np.concatenate(pieces)
    noise = np.random.default_rng(seed).normal(0, 0.0005, len(samples)).astype("float32")
    return Recording(samples + noise, ". ".join(chosen) + ".", "", silences, (0.0, 0.0))
