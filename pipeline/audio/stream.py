"""Recordings decoded in bounded blocks, never whole: 16 kHz mono float32, as they are read.

A three-hour recording is 690 MB of samples at 16 kHz (3.8 GB at 44.1 kHz stereo before
resampling); route needs only its length, its loudness every 30 ms and where speech is,
so it reads block by block and keeps those (about 1 MB an hour). libsndfile reads WAV,
FLAC, OGG and MP3 (with its own seeking); other containers (M4A, AAC, a video's sound)
are decoded by PyAV, the FFmpeg binding faster-whisper already installs. Resampling is
soxr's streaming resampler at librosa's default quality.

Nothing here goes through librosa or audioread: audioread's fallbacks import ``aifc``,
``audioop`` and ``sunau``, which Python 3.13 removed, and a whole-file load is what the
blocks exist to avoid.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.types import AUDIO_RATE as RATE

BLOCK_S = 30.0


def blocks(path: Path, offset: float = 0.0, block_s: float = BLOCK_S) -> Iterator[Any]:
    """The recording from ``offset`` seconds as 16 kHz mono float32 blocks of about
    ``block_s`` seconds each."""
    try:
        yield from _blocks(path, offset, block_s)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(
            f"{path.name}: the audio could not be decoded ({type(exc).__name__}: {exc}). "
            "Convert it to WAV, FLAC or MP3 and drop it again."
        ) from exc


def _blocks(path: Path, offset: float, block_s: float) -> Iterator[Any]:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except sf.LibsndfileError:
        info = None
    if info is not None:
        yield from _soundfile_blocks(path, info.samplerate, offset, block_s)
        return
    try:
        import av  # noqa: F401
    except ImportError as exc:
        raise DocumentError(
            f"{path.name}: this kind of audio is decoded by PyAV, which is not installed "
            f"({exc}): `pip install av` (a dependency of docintel; reinstalling it brings it), "
            "or convert the recording to WAV, FLAC or MP3."
        ) from exc
    yield from _av_blocks(path, offset, block_s)


def _soundfile_blocks(path: Path, rate: int, offset: float, block_s: float) -> Iterator[Any]:
    import soundfile as sf

    resample = _Resampler(rate)
    with sf.SoundFile(str(path)) as f:
        if offset:
            f.seek(min(int(offset * rate), f.frames))
        while True:
            data = f.read(int(block_s * rate), dtype="float32", always_2d=True)
            last = len(data) < int(block_s * rate)
            mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
            out = resample(mono, last)
            if len(out):
                yield out
            if last:
                return


def _av_open(av: Any, path: Path) -> Any:
    """The container, whatever tags it carries. PyAV up to 18 fails the whole file on a tag
    that is not UTF-8 unless told ``metadata_errors="ignore"``; PyAV 19 dropped that argument
    (a TypeError) and reads such a tag with surrogate escapes instead."""
    try:
        return av.open(str(path), metadata_errors="ignore")
    except TypeError:
        return av.open(str(path))


def _av_blocks(path: Path, offset: float, block_s: float) -> Iterator[Any]:
    import av
    import numpy as np

    with _av_open(av, path) as container:
        if not container.streams.audio:
            raise DocumentError(f"{path.name} has no sound track to transcribe.")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        if offset > 0 and stream.time_base:
            container.seek(int(offset / stream.time_base), stream=stream, any_frame=False)
        skip: int | None = None if offset > 0 else 0
        pending: list[Any] = []
        held = 0
        for frame in container.decode(stream):
            if skip is None:  # samples between the key frame sought and the offset
                start = float(frame.time) if frame.time is not None else offset
                skip = max(0, int(round((offset - start) * RATE)))
            for out in resampler.resample(frame):
                pending.append(out.to_ndarray().reshape(-1))
                held += pending[-1].shape[0]
            if held >= block_s * RATE:
                block, skip = _skipped(np.concatenate(pending), skip)
                pending, held = [], 0
                if len(block):
                    yield block
        for out in resampler.resample(None):
            pending.append(out.to_ndarray().reshape(-1))
        if pending:
            block, _ = _skipped(np.concatenate(pending), skip or 0)
            if len(block):
                yield block


def _skipped(block: Any, skip: int) -> tuple[Any, int]:
    """``block`` without its first ``skip`` samples, and how many are left to skip."""
    import numpy as np

    cut = min(skip, len(block))
    return np.ascontiguousarray(block[cut:], dtype=np.float32), skip - cut


class _Resampler:
    """soxr's streaming resampler at librosa's default quality; nothing to do at 16 kHz."""

    def __init__(self, rate: int) -> None:
        self.stream = None
        if rate != RATE:
            import soxr

            self.stream = soxr.ResampleStream(rate, RATE, 1, dtype="float32", quality="HQ")

    def __call__(self, samples: Any, last: bool) -> Any:
        import numpy as np

        if self.stream is None:
            return np.ascontiguousarray(samples, dtype=np.float32)
        return self.stream.resample_chunk(np.ascontiguousarray(samples), last=last)


def read(path: Path, offset: float = 0.0, duration: float | None = None) -> Any:
    """``duration`` seconds (all, if None) from ``offset``: 16 kHz mono float32."""
    import numpy as np

    wanted = None if duration is None else int(round(duration * RATE))
    got: list[Any] = []
    held = 0
    block_s = BLOCK_S if duration is None else min(BLOCK_S, max(duration, 1.0) + 1.0)
    for block in blocks(path, offset, block_s):
        got.append(block)
        held += len(block)
        if wanted is not None and held >= wanted:
            break
    samples = np.concatenate(got) if got else np.zeros(0, dtype=np.float32)
    return samples if wanted is None else samples[:wanted]
