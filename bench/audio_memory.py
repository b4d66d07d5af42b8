"""Memory of a long recording: route reads a recording in bounded blocks, so its peak is
flat in the recording's length (issue: a 3-hour silent FLAC once peaked at 2.1 GB).

Two recordings, made here: three hours of near-silence as FLAC (16 kHz mono, what a
dictaphone left running produces), and one hour of 44.1 kHz stereo WAV with speech-like
noise bursts and pauses (resampling and down-mixing on the way). Each is read by a fresh
process, side by side with the bare way a user would load it (``librosa.load(path,
sr=16000)``, the whole recording at once), and the whole `docintel process` command runs
on the three-hour one:

    python bench/audio_memory.py [--hours 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import run_measured  # noqa: E402

RSS = "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
BARE = "import resource, sys, librosa\nlibrosa.load(sys.argv[1], sr=16000, mono=True)\n" + RSS
ROUTE = (
    "import resource, sys; from pathlib import Path\n"
    "from docintel.pipeline.audio.signal import listen, plan_heard\n"
    "plan_heard(listen(Path(sys.argv[1]), 2.0, 'silero'))\n" + RSS
)
WHOLE = (
    "import resource, sys, atexit; from docintel.cli import app\n"
    "atexit.register(lambda: print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr))\n"
    "sys.argv = ['docintel', 'process', sys.argv[1]]\napp()\n"
)


def silent_flac(path: Path, hours: float) -> Path:
    import numpy as np
    import soundfile as sf

    rate = 16000
    rng = np.random.default_rng(1)
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, format="FLAC") as out:
        for _ in range(int(hours * 6)):  # ten minutes at a time
            out.write((rng.standard_normal(rate * 600) * 1e-5).astype(np.float32))
    return path


def bursts_wav(path: Path, hours: float) -> Path:
    """Noise shaped like speech: 2-8 s bursts at a syllable rate, 0.5-4 s pauses."""
    import numpy as np
    import soundfile as sf

    rate = 44100
    rng = np.random.default_rng(2)
    with sf.SoundFile(path, "w", samplerate=rate, channels=2, subtype="PCM_16") as out:
        left = hours * 3600
        while left > 0:
            talk, pause = rng.uniform(2, 8), rng.uniform(0.5, 4)
            t = np.arange(int(talk * rate)) / rate
            envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
            voice = rng.standard_normal(len(t)) * 0.2 * envelope
            quiet = rng.standard_normal(int(pause * rate)) * 0.001
            piece = np.concatenate([voice, quiet]).astype(np.float32)
            out.write(np.stack([piece, piece * 0.8], axis=1))
            left -= talk + pause
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        long = silent_flac(folder / "silent.flac", args.hours)
        busy = bursts_wav(folder / "bursts.wav", min(args.hours, 1.0))
        print(f"{'recording':34} {'reader':30} {'s':>7} {'peak MiB':>9}")
        for label, path in (
            (f"{args.hours:g} h near-silent FLAC 16k", long),
            (f"{min(args.hours, 1.0):g} h bursts WAV 44.1k stereo", busy),
        ):
            bare_t, bare_m = run_measured(BARE, path, folder / "bare")
            ours_t, ours_m = run_measured(ROUTE, path, folder / "route")
            print(f"{label:34} {'librosa.load (whole)':30} {bare_t:7.1f} {bare_m:9.1f}")
            print(f"{'':34} {'docintel route (blocks)':30} {ours_t:7.1f} {ours_m:9.1f}")
            print(
                f"{'':34} {'ratio docintel / bare':30} {ours_t / bare_t:7.2f} "
                f"{ours_m / bare_m:9.2f}"
            )
        whole_t, whole_m = run_measured(WHOLE, long, folder / "home")
        print(
            f"{args.hours:g} h FLAC, whole `docintel process`: {whole_t:.1f} s, "
            f"peak {whole_m:.1f} MiB"
        )


if __name__ == "__main__":
    main()
