"""Real public files with references, for bench/fidelity.py ``--real-from DIR``: files
nobody here made, from two source distributions on PyPI (get them with `pip download
tabula-py==2.9.3 pocketsphinx==5.1.1 --no-deps --no-binary :all: -d DIR`): tabula-py's test
PDFs with the tables it is checked against (an Argentine donors' list: '$ 10.000,00',
'20-27083460-5'), and pocketsphinx's LibriVox clips (a person reading Sense and
Sensibility) with their transcripts."""

from __future__ import annotations

import re
from pathlib import Path

TABULA = "tabula_py-2.9.3/tests/resources/"
REAL_PDFS = [
    ("campaign_donors.pdf", "campaign_donors.csv"),
    ("MultiColumn.pdf", "MultiColumn.csv"),
    ("data.pdf", "data_1.csv"),  # the table on its first page
]
LIBRIVOX = "pocketsphinx-5.1.1/test/data/librivox/"


def real_files(folder: Path, source: Path) -> list[dict]:
    """The real files in ``source`` (a folder holding the two source archives) copied into
    the set, each with its reference: a PDF's own text layer and the table tabula-py is
    tested against; a clip's transcript, and all clips read one after another."""
    import csv
    import io
    import tarfile

    import numpy as np
    import pymupdf
    import soundfile as sf

    items: list[dict] = []
    with tarfile.open(source / "tabula_py-2.9.3.tar.gz") as tar:
        for pdf, table in REAL_PDFS:
            data = tar.extractfile(TABULA + pdf).read()  # type: ignore[union-attr]
            (folder / f"real-{pdf}").write_bytes(data)
            with pymupdf.open(stream=data, filetype="pdf") as doc:
                text = "\n".join(p.get_text() for p in doc)
            rows = tar.extractfile(TABULA + table).read().decode()  # type: ignore[union-attr]
            grid = list(csv.reader(io.StringIO(rows)))
            items.append({"file": f"real-{pdf}", "set": "real PDFs", "text": text, "table": grid})
    with tarfile.open(source / "pocketsphinx-5.1.1.tar.gz") as tar:
        lines = tar.extractfile(LIBRIVOX + "transcription").read().decode()  # type: ignore[union-attr]
        clips = re.findall(r"<s> (.*?) </s> \((\S+)\)", lines)
        read: list = []
        for text, key in clips:
            samples, rate = sf.read(tar.extractfile(LIBRIVOX + f"{key}.wav"), dtype="float32")
            sf.write(folder / f"real-{key[-4:]}.wav", samples, rate)
            items.append({"file": f"real-{key[-4:]}.wav", "set": "recordings", "text": text})
            read += [samples, np.zeros(int(1.5 * rate), dtype="float32")]
        sf.write(folder / "real-reading.wav", np.concatenate(read), rate)
        whole = " ".join(text for text, _ in clips)
        items.append({"file": "real-reading.wav", "set": "recordings", "text": whole})
    return items
