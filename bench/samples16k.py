"""A recording as the bare engine is handed it: 16 kHz mono float32 samples, decoded here.

faster-whisper opens a path with ``av.open(path, metadata_errors="ignore")``; PyAV 19 dropped
that argument, so a path fails there with a TypeError whatever the file. Samples never go
through its decoder. libsndfile reads WAV, FLAC, OGG and MP3; anything else goes through
PyAV without the argument. Resampling is soxr at librosa's default quality (HQ), as the
pipeline resamples (docintel.pipeline.audio.stream), so both read the same samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RATE = 16000


def load_16k(path: Path | str) -> Any:
    """The whole recording as 16 kHz mono float32 (channels averaged)."""
    import numpy as np
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except sf.LibsndfileError:
        return _av_16k(path)
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if rate != RATE:
        import soxr

        mono = soxr.resample(mono, rate, RATE, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def _av_16k(path: Path | str) -> Any:
    import av
    import numpy as np

    pieces = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)
