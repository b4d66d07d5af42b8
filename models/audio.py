"""Audio for the model: 16 kHz mono float32, prepared by us (the processor does not
resample arrays, and cuts anything over 30 s without a word)."""

from __future__ import annotations

from typing import Any

from docintel.models.types import AUDIO_RATE, MAX_AUDIO_SECONDS, AudioPart


def prepare_audio(samples: Any, sampling_rate: int) -> AudioPart:
    """Any rate, any channel layout ((n,), (n, ch) or (ch, n)) → 16 kHz mono float32."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        channel_axis = 0 if data.shape[0] < data.shape[1] else 1
        data = data.mean(axis=channel_axis)
    if sampling_rate != AUDIO_RATE:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(int(sampling_rate), AUDIO_RATE)
        data = resample_poly(data, AUDIO_RATE // g, int(sampling_rate) // g).astype(np.float32)
    return AudioPart(np.ascontiguousarray(data), AUDIO_RATE)


def split_audio(part: AudioPart, seconds: float = MAX_AUDIO_SECONDS) -> list[AudioPart]:
    """Consecutive windows of at most ``seconds``; nothing is dropped."""
    step = int(seconds * part.sampling_rate)
    return [
        AudioPart(part.samples[i : i + step], part.sampling_rate)
        for i in range(0, len(part.samples), step)
    ]
