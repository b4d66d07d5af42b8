"""Rebuild the real-tables set for ``bench/fidelity.py --real-set DIR --classes tables``.

Every PDF here comes from a public repository's own test data, and its reference grid is
what that project's own tests expect (named per file in ``truth_source``):

- camelot-dev/camelot: tests/files/*.pdf with tests/data.py (expected DataFrames) as used
  in tests/test_*.py (older tests named by the commit that held them);
- tabulapdf/tabula-java: src/test/resources with the expected CSV/JSON files and the
  String[][] / inline CSV constants of src/test/java/technology/tabula/Test*.java;
- chezou/tabula-py: tests/resources with the CSVs tests/test_read_pdf_table.py compares to;
- pymupdf/PyMuPDF: tests/resources with the tables tests/test_tables.py asserts;
- docling-project/docling: tests/data/pdf/sources with tests/data/pdf/groundtruth/*.json
  (the documents tests/test_e2e_conversion.py checks against);
- conjuncts/gmft: data/pdfs with data/test/references/tatr_csvs.json (+ tatr_tables.json
  for the page), compared in test/formatters/tatr/test_df.py; tiny.pdf from test_full.py.

ICDAR 2013's files (eu-0xx / us-0xx, incl. tabula's copies) are left out.

The repositories are read as bare git snapshots (``git --git-dir=MIRROR/owner+name/repo``);
MIRROR defaults to /work/.mirror (override with env MIRROR). The commit read is recorded
per file. Run:  python collect.py [--check]
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path(os.environ.get("MIRROR", "/work/.mirror"))

OD_NONE = "opendataloader-none"
LICENCES = {
    "camelot-dev/camelot": "MIT (repository licence; test PDFs are public documents)",
    "tabulapdf/tabula-java": "MIT (repository licence; test PDFs are public documents)",
    "chezou/tabula-py": "MIT (repository licence; test PDFs are public documents)",
    "pymupdf/PyMuPDF": "AGPL-3.0 (repository licence, test resources)",
    "docling-project/docling": "MIT (repository licence); document content (arXiv papers, "
    "IBM Redbook sample) copyright its authors",
    "conjuncts/gmft": "MIT (repository licence); document content (open-access papers) "
    "copyright its authors",
    "tabulapdf/tabula-extractor": "MIT (repository licence; test PDFs are public documents)",
    OD_NONE: "no licence file at that commit (the repository is MPL-2.0/Apache-2.0 later); "
    "documents are published Korean fund reports, bills and public notices, copyright their "
    "publishers",
}


# --- git -----------------------------------------------------------------------------------


def git(repo: str, *args: str) -> bytes:
    gd = MIRROR / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "--git-dir", str(gd), *args], capture_output=True)
    if out.returncode:
        raise RuntimeError(f"git {repo} {args}: {out.stderr.decode()[:200]}")
    return out.stdout


_HEADS: dict[str, str] = {}


def head(repo: str) -> str:
    if repo not in _HEADS:
        _HEADS[repo] = git(repo, "rev-parse", "HEAD").decode().strip()
    return _HEADS[repo]


def show(repo: str, path: str, commit: str | None = None) -> bytes:
    return git(repo, "show", f"{commit or head(repo)}:{path}")


# --- reading the expectations --------------------------------------------------------------


def _cell(v) -> str:
    if v is None:
        return ""
    return str(v).replace("\r\n", "\n").replace("\r", "\n")


def grid_of(rows) -> list[list[str]]:
    return [[_cell(c) for c in row] for row in rows]


_PYDATA: dict[tuple[str, str], dict] = {}


def py_data(repo: str, path: str, commit: str | None = None) -> dict:
    """The module-level lists of a test-data module (camelot's tests/data.py), evaluated
    without running it: list literals, names, slices, list(x), x + y and x.extend(y)."""
    key = (path, commit or head(repo))
    if key in _PYDATA:
        return _PYDATA[key]
    tree = ast.parse(show(repo, path, commit).decode())
    env: dict = {}

    def ev(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.Subscript):
            base, sl = ev(node.value), node.slice
            if isinstance(sl, ast.Slice):
                lo = ev(sl.lower) if sl.lower else None
                hi = ev(sl.upper) if sl.upper else None
                return base[lo:hi]
            return base[ev(sl)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return ev(node.left) + ev(node.right)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "list"
        ):
            return list(ev(node.args[0]))
        raise ValueError(f"unsupported {ast.dump(node)[:80]}")

    for stmt in tree.body:
        try:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                env[stmt.targets[0].id] = ev(stmt.value)
            elif (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Attribute)
                and stmt.value.func.attr == "extend"
            ):
                env[stmt.value.func.value.id].extend(ev(stmt.value.args[0]))
        except (ValueError, KeyError):
            continue
    _PYDATA[key] = env
    return env


def csv_grid(text: str) -> list[list[str]]:
    return grid_of(csv.reader(io.StringIO(text)))


def java_array(repo: str, path: str, name: str) -> list[list[str]]:
    """A ``String[][] NAME = { {"a", "b"}, ... };`` constant of a Java test."""
    src = show(repo, path).decode()
    m = re.search(r"String\[\]\[\]\s+" + name + r"\s*=\s*\{(.*?)\};", src, re.S)
    rows = re.findall(r"\{([^{}]*)\}", m.group(1))
    return [[json.loads(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', r)] for r in rows]


def java_string(repo: str, path: str, after: str) -> str:
    """The first Java string expression (``"..." + "..."``) assigned after ``after``."""
    src = show(repo, path).decode()
    start = src.index(after)
    m = re.search(r"=\s*((?:\"(?:[^\"\\]|\\.)*\"\s*\+?\s*)+);", src[start:], re.S)
    return "".join(json.loads(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', m.group(1)))


def tabula_json(text: str) -> list[list[list[str]]]:
    return [[[_cell(c["text"]) for c in row] for row in t["data"]] for t in json.loads(text)]


def md_grid(md: str) -> list[list[str]]:
    """A GitHub markdown table (PyMuPDF's to_markdown) as a grid; <br> is a line break and
    emphasis marks are dropped."""
    rows = []
    for line in md.strip().splitlines():
        if not line.startswith("|") or re.fullmatch(r"\|(?:-+\|)+", line):
            continue
        cells = line.strip("|").split("|")
        out = []
        for c in cells:
            c = c.replace("<br>", "\n")
            c = re.sub(r"(\*\*|~~|`)", "", c)
            c = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", c)
            out.append(c)
        rows.append(out)
    return rows


class _Plain(pickle.Unpickler):
    def find_class(self, module, name):  # only plain lists/tuples/str/float may load
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def docling_tables(doc: dict) -> list[dict]:
    """Each table of a docling groundtruth document as a grid: a spanning cell's text at
    its first row and column only (the groundtruth grid repeats it across the span)."""
    out = []
    for t in doc.get("tables", []):
        data = t["data"]
        nr, nc = data["num_rows"], data["num_cols"]
        if nr < 2 or nc < 2:
            continue
        grid = [[""] * nc for _ in range(nr)]
        for c in data["table_cells"]:
            r0, c0 = c["start_row_offset_idx"], c["start_col_offset_idx"]
            if r0 < nr and c0 < nc:
                grid[r0][c0] = _cell(c["text"])
        out.append({"page": t["prov"][0]["page_no"], "grid": grid})
    return out


# --- the set --------------------------------------------------------------------------------

CAM = "camelot-dev/camelot"
TJ = "tabulapdf/tabula-java"
TP = "chezou/tabula-py"
MU = "pymupdf/PyMuPDF"
DL = "docling-project/docling"
GM = "conjuncts/gmft"
TE = "tabulapdf/tabula-extractor"
OD = "opendataloader-project/opendataloader-pdf"

# camelot: (pdf under tests/files, [(page, data var), ...], test that asserts it, commit or None)
CAMELOT = [
    ("health.pdf", [(1, "data_stream")], "tests/test_stream.py::test_stream", None),
    (
        "clockwise_table_1.pdf",
        [(1, "data_lattice_table_rotated")],
        "tests/test_lattice.py::test_lattice_table_rotated",
        None,
    ),
    (
        "anticlockwise_table_1.pdf",
        [(1, "data_lattice_table_rotated")],
        "tests/test_lattice.py::test_lattice_table_rotated",
        None,
    ),
    (
        "clockwise_table_2.pdf",
        [(1, "data_network_table_rotated")],
        "tests/test_network.py::test_network_table_rotated",
        None,
    ),
    (
        "anticlockwise_table_2.pdf",
        [(1, "data_network_table_rotated")],
        "tests/test_network.py::test_network_table_rotated",
        None,
    ),
    (
        "twotables_2.pdf",
        [(1, "data_lattice_two_tables_1"), (1, "data_lattice_two_tables_2")],
        "tests/test_lattice.py::test_lattice_two_tables",
        None,
    ),
    (
        "tabula/12s0324.pdf",
        [(1, "data_network_two_tables_1"), (1, "data_network_two_tables_2")],
        "tests/test_network.py::test_network_two_tables_a",
        None,
    ),
    (
        "multiple_tables.pdf",
        [(1, "data_network_two_tables_b_1"), (1, "data_network_two_tables_b_2")],
        "tests/test_network.py::test_network_two_tables_b",
        None,
    ),
    (
        "vertical_header.pdf",
        [(1, "data_network_vertical_headers")],
        "tests/test_network.py::test_network_vertical_header",
        None,
    ),
    (
        "table_region.pdf",
        [(1, "data_lattice_table_regions")],
        "tests/test_lattice.py::test_lattice_table_regions (table_regions hint)",
        None,
    ),
    (
        "background_lines_1.pdf",
        [(1, "data_lattice_process_background")],
        "tests/test_lattice.py::test_lattice_process_background (tables[1])",
        None,
    ),
    (
        "row_span_1.pdf",
        [(1, "data_lattice_copy_text")],
        "tests/test_lattice.py::test_lattice_copy_text (copy_text='v': spanned text repeated)",
        None,
    ),
    (
        "column_span_2.pdf",
        [(1, "data_lattice_shift_text_left_top")],
        "tests/test_lattice.py::test_lattice_shift_text",
        None,
    ),
    ("tabula/arabic.pdf", [(1, "data_arabic")], "tests/test_lattice.py::test_lattice_arabic", None),
    (
        "split_text_lattice.pdf",
        [(1, "data_lattice_split_text")],
        "tests/test_lattice.py::test_lattice_split_text",
        None,
    ),
    (
        "mexican_towns.pdf",
        [(1, "data_stream_columns")],
        "tests/test_stream.py::test_stream_columns (columns given)",
        None,
    ),
    (
        "tabula/m27.pdf",
        [(1, "data_stream_split_text")],
        "tests/test_stream.py::test_stream_split_text (columns given)",
        None,
    ),
    (
        "superscript.pdf",
        [(1, "data_stream_flag_size")],
        "tests/test_stream.py::test_stream_flag_size (<s></s> marks superscripts)",
        None,
    ),
    (
        "detect_vertical_false.pdf",
        [(1, "data_stream_layout_kwargs")],
        "tests/test_stream.py::test_stream_layout_kwargs",
        None,
    ),
    (
        "edge_tol.pdf",
        [(1, "data_stream_edge_tol")],
        "tests/test_stream.py::test_stream_edge_tol",
        None,
    ),
    (
        "stream_inner_outer_columns.pdf",
        [(1, "data_stream_inner_outer_columns")],
        "tests/test_stream.py::test_stream_inner_outer_columns",
        None,
    ),
    (
        "birdisland.pdf",
        [(1, "data_stream_duplicated_text")],
        "tests/test_stream.py::test_stream_duplicated_text",
        "36dcfe99d83580200a765224dbcfdb8819e2ec23",
    ),
    (
        "canada-manitoba-bills.pdf",
        [(1, "canada_manitoba_bills_first_table")],
        "tests/test_common.py::test_stream_all_pages_with_known_column_coordinates (columns given)",
        "0962b8f4d4db2710a7fecc92ab35821dfabd1f5e",
    ),
    (
        "camelot-issue-132-multiple-tables.pdf",
        [(1, "data_hybrid_two_tables_b_1"), (1, "data_hybrid_two_tables_b_2")],
        "tests/test_common.py::test_hybrid_two_tables_b",
        "81de841ca04208e32c257746a9745320a90d370c",
    ),
]

HEADERLESS = "the test's area starts below the table's header row: the reference lacks it"
TJR = "src/test/resources/technology/tabula/"
TJT = "src/test/java/technology/tabula/"


def tabula_java() -> list[dict]:
    items = []

    def add(pdf, tables, truth, note=""):
        items.append(dict(repo=TJ, path=TJR + pdf, tables=tables, truth_source=truth, note=note))

    csvs = lambda p: csv_grid(show(TJ, TJR + p).decode("utf-8"))  # noqa: E731
    for name in ("spanning_cells", "twotables"):
        grids = tabula_json(show(TJ, TJR + f"json/{name}.json").decode())
        add(
            f"{name}.pdf",
            [{"page": 1, "grid": g} for g in grids],
            f"{TJR}json/{name}.json (TestSpreadsheetExtractor/TestWriters, whole page 1)",
        )
    add(
        "spreadsheet_no_bounding_frame.pdf",
        [{"page": 1, "grid": csvs("csv/spreadsheet_no_bounding_frame.csv")}],
        f"{TJR}csv/spreadsheet_no_bounding_frame.csv "
        "(TestSpreadsheetExtractor::testSpreadsheetWithNoBoundingFrameShouldBeSpreadsheet)",
    )
    add(
        "Publication_of_award_of_Bids_for_Transport_Sector__August_2016.pdf",
        [
            {
                "page": 1,
                "grid": csvs(
                    "csv/Publication_of_award_of_Bids_for_Transport_Sector__August_2016.csv"
                ),
            }
        ],
        f"{TJR}csv/Publication_of_award_of_Bids_for_Transport_Sector__August_2016.csv "
        "(TestSpreadsheetExtractor::testSpreadsheetExtractionIssue656)",
    )
    add(
        "indictb1h_14.pdf",
        [{"page": 1, "grid": csvs("csv/indictb1h_14.csv")}],
        f"{TJR}csv/indictb1h_14.csv (TestBasicExtractor::testRealLifeRTL2)",
    )
    add(
        "frx_2012_disclosure.pdf",
        [{"page": 1, "grid": csvs("csv/frx_2012_disclosure.csv")}],
        f"{TJR}csv/frx_2012_disclosure.csv (TestWriters::testCSVMultilineRow)",
    )
    add(
        "schools.pdf",
        [{"page": 1, "grid": csvs("csv/schools.csv")}],
        f"{TJR}csv/schools.csv (TestWriters::testCSVSerializeInfinity)",
    )
    add(
        "argentina_diputados_voting_record.pdf",
        [{"page": 1, "grid": csvs("csv/argentina_diputados_voting_record.csv")}],
        f"{TJR}csv/argentina_diputados_voting_record.csv (TestWriters::testCSVWriter)",
        HEADERLESS,
    )
    add(
        "AnimalSounds.pdf",
        [{"page": 1, "grid": csvs("csv/AnimalSounds.csv")}],
        f"{TJR}csv/AnimalSounds.csv (TestCommandLineApp::testLatticeModeWithColumnOption)",
    )
    grids = tabula_json(show(TJ, TJR + "json/AnimalSounds1.json").decode())
    add(
        "AnimalSounds1.pdf",
        [{"page": 1, "grid": g} for g in grids],
        f"{TJR}json/AnimalSounds1.json "
        "(TestCommandLineApp::testLatticeModeWithColumnAndMultipleAreasOption)",
    )
    multi = csvs("csv/MultiColumn.csv")
    add(
        "MultiColumn.pdf",
        [{"page": 1, "grid": multi, "split_at_left_area": 212}],
        f"{TJR}csv/MultiColumn.csv (TestCommandLineApp::testExtractWithMultipleAbsoluteArea; "
        "two areas, split here by the areas' boundary x=212)",
    )
    return items


def tabula_py() -> list[dict]:
    R = "tests/resources/"
    csvs = lambda p: csv_grid(show(TP, R + p).decode("utf-8"))  # noqa: E731
    return [
        dict(
            repo=TP,
            path=R + "data.pdf",
            tables=[{"page": 1, "grid": csvs("data_1.csv")}],
            truth_source=f"{R}data_1.csv (tests/test_read_pdf_table.py::test_read_pdf)",
        ),
        dict(
            repo=TP,
            path=R + "campaign_donors.pdf",
            tables=[{"page": 1, "grid": csvs("campaign_donors.csv")}],
            truth_source=f"{R}campaign_donors.csv (test_read_pdf_with_columns; columns given)",
        ),
        dict(
            repo=TP,
            path=R + "MultiColumn.pdf",
            tables=[{"page": 1, "grid": csvs("MultiColumn.csv"), "split_at_left_area": 212}],
            truth_source=f"{R}MultiColumn.csv (test_read_pdf_with_multiple_areas)",
        ),
        dict(
            repo=TP,
            path=R + "data_dtype.pdf",
            tables=[{"page": 1, "grid": csvs("data_dtype_expected.csv")}],
            truth_source=f"{R}data_dtype_expected.csv (test_read_pdf_with_dtype_string, dfs[0])",
        ),
    ]


def pymupdf_items() -> list[dict]:
    R = "tests/resources/"
    T = "tests/test_tables.py"
    old = _Plain(io.BytesIO(show(MU, R + "chinese-tables.pickle"))).load()
    src = show(MU, T).decode()
    md = re.search(r"md_expected = \((.*?)\)\n", src, re.S).group(1)
    md = "".join(ast.literal_eval(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', md))
    styled = re.search(r'text = """(.*?)"""', src, re.S).group(1)
    styled = styled.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
    boxes = re.search(r"assert tab.extract\(\) == (\[.*?\n    \])", src, re.S).group(1)
    return [
        dict(
            repo=MU,
            path=R + "chinese-tables.pdf",
            tables=[{"page": 1, "grid": grid_of(t)} for t in old["extracts"]],
            truth_source=f"{R}chinese-tables.pickle ({T}::test_table1)",
        ),
        dict(
            repo=MU,
            path=R + "strict-yes-no.pdf",
            tables=[{"page": 1, "grid": md_grid(md)}],
            truth_source=f"{T}::test_markdown (md_expected, strategy lines_strict)",
        ),
        dict(
            repo=MU,
            path=R + "small-table.pdf",
            tables=[{"page": 1, "grid": grid_of(ast.literal_eval(boxes))}],
            truth_source=f"{T}::test_boxes_param (unruled; boxes given)",
        ),
        dict(
            repo=MU,
            path=R + "test-styled-table.pdf",
            tables=[{"page": 1, "grid": md_grid(styled)}],
            truth_source=f"{T}::test_md_styles (markdown emphasis dropped)",
        ),
    ]


# 2203.01017v2, 2206.01062 and 2305.03393v1 (the whole paper) are over the snapshot's 4 MiB
# limit; 2305.03393v1-pg9 is its page 9 with the same table.
DOCLING = ["2305.03393v1-pg9", "redp5110_sampled", "normal_4pages", "table_mislabeled_as_picture"]


def docling_items() -> list[dict]:
    items = []
    for name in DOCLING:
        gt = json.loads(show(DL, f"tests/data/pdf/groundtruth/{name}.json"))
        items.append(
            dict(
                repo=DL,
                path=f"tests/data/pdf/sources/{name}.pdf",
                tables=docling_tables(gt),
                truth_source=f"tests/data/pdf/groundtruth/{name}.json "
                "(tests/test_e2e_conversion.py)",
            )
        )
    return items


def gmft_items() -> list[dict]:
    csvs = json.loads(show(GM, "data/test/references/tatr_csvs.json"))
    info = json.loads(show(GM, "data/test/references/tatr_tables.json"))
    by_pdf: dict[int, list] = {}
    for key in sorted(csvs, key=lambda k: (int(k[3:].split("_")[0]), int(k.split("_t")[1]))):
        n = int(key[3:].split("_")[0])
        by_pdf.setdefault(n, []).append(
            {"page": info[key]["page_no"] + 1, "grid": csv_grid(csvs[key]), "key": key}
        )
    items = []
    for n, tables in by_pdf.items():
        items.append(
            dict(
                repo=GM,
                path=f"data/pdfs/{n}.pdf",
                tables=tables,
                truth_source="data/test/references/tatr_csvs.json "
                f"pdf{n}_t* (test/formatters/tatr/test_df.py)",
            )
        )
    src = show(GM, "test/formatters/tatr/test_full.py").decode()
    m = re.search(
        r'"Name": (\[.*?\]),\s*"Celsius": (\[.*?\]),\s*"Fahrenheit": (\[.*?\])', src, re.S
    )
    cols = [ast.literal_eval(x) for x in m.groups()]
    grid = [["Name", "Celsius", "Fahrenheit"], *map(list, zip(*cols, strict=True))]
    items.append(gmft_pubt())
    items.append(
        dict(
            repo=GM,
            path="data/pdfs/tiny.pdf",
            tables=[{"page": 1, "grid": grid}],
            truth_source="test/formatters/tatr/test_full.py::test_tiny_df",
        )
    )
    return items


def tabula_extractor() -> list[dict]:
    """tabula-extractor (Ruby, tabula-java's predecessor): test/tests.rb's expected arrays."""
    src = show(TE, "test/tests.rb").decode()

    def expected_in(test):
        body = src[src.index(f"def {test}") :]
        body = body[: body.index("\n  def ", 10)] if "\n  def " in body[10:] else body
        m = re.search(r"expected = (\[\[.*?\]\])\n", body, re.S)
        return [[c.replace("\r", "\n") for c in row] for row in json.loads(m.group(1))]

    items = []
    for pdf, test in (
        ("bo_page24.pdf", "test_bo_page24"),
        ("monospaced1.pdf", "test_monospaced_table"),
        ("monospaced_ascii_sep.pdf", "test_monospaced_table_ascii_line_separator"),
    ):
        items.append(
            dict(
                repo=TE,
                path=f"test/data/{pdf}",
                tables=[{"page": 1, "grid": expected_in(test)}],
                truth_source=f"test/tests.rb::{test}",
                note=HEADERLESS if pdf in ("bo_page24.pdf", "monospaced1.pdf") else "",
            )
        )
    tsv = show(TE, "test/data/french1.tsv").decode("utf-8")
    grid = [[c.strip() for c in row] for row in csv.reader(io.StringIO(tsv), delimiter="\t")]
    items.append(
        dict(
            repo=TE,
            path="test/data/french1.pdf",
            tables=[{"page": 1, "grid": grid}],
            truth_source="test/data/french1.tsv "
            "(test/tests.rb::test_character_merging_that_wasnt_working_previously)",
        )
    )
    return items


def gmft_pubt() -> dict:
    """gmft's test_pubt.py: the tables it expects on pages of data/pdfs/tatr.pdf."""
    src = show(GM, "test/formatters/tatr/test_pubt.py").decode()
    tables = []
    for fn in re.split(r"\ndef ", src)[1:]:
        page = re.search(r"doc_pubt\[(\d+) - 1\]", fn)
        m = re.search(r'expected = ("""\\\n.*?""")', fn, re.S)
        if not (page and m):
            continue
        text = ast.literal_eval(m.group(1)).replace("\\n", " ")
        grid = csv_grid(text)
        if "index=False" not in fn.split("expected")[0]:
            grid = [row[1:] for row in grid]  # the DataFrame's index column
        tables.append({"page": int(page.group(1)), "grid": grid})
    return dict(
        repo=GM,
        path="data/pdfs/tatr.pdf",
        tables=tables,
        truth_source="test/formatters/tatr/test_pubt.py (test_pubt_p4/p6/p7/p8)",
    )


OD_KOREAN = "76506e0e625f919dcc6873fc6a7582901136927c"  # src/test/.../IntegrationTest.java
# (its later arxiv/ expectations hold no table of 2x2 or more)


def odl_tables(doc: dict, limit: int = 8) -> list[dict]:
    """Tables of an opendataloader-pdf expected JSON: cells by row/column number, a spanning
    cell's text at its first row and column; tables of at least 2x2 on one page."""

    def text(n) -> list[str]:
        if isinstance(n, dict):
            own = [n["content"]] if isinstance(n.get("content"), str) else []
            return own + [
                t
                for k in ("kids", "list items", "rows", "cells")
                for x in n.get(k, [])
                for t in text(x)
            ]
        return []

    found = []

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") == "table":
                found.append(n)
                return
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for x in n:
                walk(x)

    walk(doc)
    out = []
    for t in found:
        nr, nc, page = t.get("number of rows", 0), t.get("number of columns", 0), t["page number"]
        cells = [c for r in t["rows"] for c in r["cells"]]
        if nr < 2 or nc < 2 or any(c.get("page number", page) != page for c in cells):
            continue
        grid = [[""] * nc for _ in range(nr)]
        for c in cells:
            grid[c["row number"] - 1][c["column number"] - 1] = "\n".join(text(c)).strip()
        if sum(1 for row in grid for c in row if c) < 4:
            continue
        out.append({"page": page, "grid": grid})
        if len(out) == limit:
            break
    return out


def opendataloader_items() -> list[dict]:
    items = []
    names = git(OD, "-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", OD_KOREAN)
    for p in names.decode().splitlines():
        if "/files/json/Korean/" not in p:
            continue
        pdf = p.replace("/files/json/", "/files/pdf/")[: -len(".json")] + ".pdf"
        tables = odl_tables(json.loads(show(OD, p, OD_KOREAN)))
        items.append(
            dict(
                repo=OD,
                path=pdf,
                commit=OD_KOREAN,
                tables=tables,
                licence_key=OD_NONE,
                truth_source=f"{p} (src/test/java/com/hancom/opendataloader/pdf/"
                "IntegrationTest.java: asserts the tables' rows and cells; first "
                "8 tables of 2x2 or more on one page)",
            )
        )
    return items


def camelot_items() -> list[dict]:
    items = []
    for pdf, tables, test, commit in CAMELOT:
        data = py_data(CAM, "tests/data.py", commit)
        items.append(
            dict(
                repo=CAM,
                path=f"tests/files/{pdf}",
                commit=commit or head(CAM),
                tables=[{"page": p, "grid": grid_of(data[var]), "var": var} for p, var in tables],
                truth_source=f"tests/data.py {', '.join(v for _, v in tables)} ({test})",
            )
        )
    return items


# --- checks and features --------------------------------------------------------------------


def _toks(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def split_left_right(page, grid, x):
    """Split a grid stacked from a left and a right area into the two tables."""
    words = page.get_text("words")
    left, right = [], []
    for row in grid:
        first = next((c for c in row if c.strip()), "")
        hits = [w for w in words if w[4] == first.split()[0]] if first else []
        (left if hits and min(w[0] for w in hits) < x else right).append(row)
    return [g for g in (left, right) if g]


def _table_box(page, grid):
    """Where the expected table lies on the page: the union of the cells found exactly once
    by a text search (first line, first 24 characters)."""
    import pymupdf

    box = pymupdf.Rect()
    for row in grid:
        for c in row:
            first = c.strip().split("\n")[0][:24].strip()
            if len(first) < 2:
                continue
            hits = page.search_for(first)
            if len(hits) == 1:
                box |= hits[0]
    return box


def _segments(page):
    """Axis-parallel strokes: lines, rectangle edges, thin filled rectangles."""
    segs = []
    for d in page.get_drawings():
        for it in d["items"]:
            if it[0] == "l":
                p, q = it[1], it[2]
                if abs(p.y - q.y) < 1 or abs(p.x - q.x) < 1:
                    segs.append((min(p.x, q.x), min(p.y, q.y), max(p.x, q.x), max(p.y, q.y)))
            elif it[0] == "re":
                r = it[1]
                if min(r.width, r.height) <= 2:
                    segs.append((r.x0, r.y0, r.x1, r.y1))
                elif d.get("color") is not None:  # a stroked box: its four edges
                    segs += [
                        (r.x0, r.y0, r.x1, r.y0),
                        (r.x0, r.y1, r.x1, r.y1),
                        (r.x0, r.y0, r.x0, r.y1),
                        (r.x1, r.y0, r.x1, r.y1),
                    ]
    return segs


def features(page, grid) -> dict:
    """What kind of table this is, roughly: its rules (ruled: lines inside in both
    directions; rows: horizontal lines inside only; framed: lines on its outline only;
    unruled), rotated (page rotation or vertical text), near the left edge (within 40 pt)."""
    box = _table_box(page, grid)
    kind = "unknown"
    if not box.is_empty:
        out = box + (-6, -6, 6, 6)
        inner = box + (4, 4, -4, -4)
        h_in = v_in = edge = 0
        for x0, y0, x1, y1 in _segments(page):
            horizontal = (y1 - y0) <= 2
            if horizontal and x1 - x0 < 0.3 * box.width:
                continue
            if not horizontal and y1 - y0 < 0.3 * box.height:
                continue
            if not (out.x0 <= x0 and x1 <= out.x1 + 40 and out.y0 - 40 <= y0 and y1 <= out.y1 + 40):
                if not (x0 < out.x1 and x1 > out.x0 and y0 < out.y1 and y1 > out.y0):
                    continue
            if horizontal and inner.y0 < y0 < inner.y1:
                h_in += 1
            elif not horizontal and inner.x0 < x0 < inner.x1:
                v_in += 1
            else:
                edge += 1
        kind = (
            "ruled"
            if h_in and v_in
            else "rows ruled"
            if h_in
            else "columns ruled"
            if v_in
            else "framed"
            if edge >= 3
            else "unruled"
        )
    lines = page.get_text("dict")["blocks"]
    dirs = [ln["dir"] for b in lines for ln in b.get("lines", [])]
    vertical = sum(1 for d in dirs if abs(d[0]) < 0.5) > len(dirs) / 2
    return {
        "rules": kind,
        "page_rotation": page.rotation,
        "vertical_text": vertical,
        "left_x": round(box.x0, 1) if not box.is_empty else None,
        "box": [round(v, 1) for v in box] if not box.is_empty else None,
    }


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK, Hangul


def coverage(page, grid) -> float:
    """Share of the expected cells' words found in the page's text layer (for right-to-left
    text, of its letters: tools write it in visual or logical order)."""
    import unicodedata

    text = " ".join(c for row in grid for c in row)
    if _RTL.search(text) or _CJK.search(text):
        nfkc = lambda s: Counter(unicodedata.normalize("NFKC", s).replace(" ", ""))  # noqa: E731
        want, got = nfkc(text), nfkc(page.get_text().replace("\n", ""))
    else:
        want = Counter(t for row in grid for c in row for t in _toks(c))
        got = Counter(t for t in _toks(page.get_text()))
    total = sum(want.values())
    return sum(min(n, got[w]) for w, n in want.items()) / total if total else 0.0


def coverage_of_page(page, grid) -> float:
    """Share of the page's words that the expected cells hold (low: a table among text, or
    a reference that covers only part of a table)."""
    want = Counter(t for row in grid for c in row for t in _toks(c))
    got = Counter(t for t in _toks(page.get_text()))
    total = sum(got.values())
    return sum(min(n, want[w]) for w, n in got.items()) / total if total else 0.0


def main() -> None:
    import pymupdf

    check = "--check" in sys.argv
    groups = [
        camelot_items(),
        tabula_java(),
        tabula_py(),
        tabula_extractor(),
        pymupdf_items(),
        docling_items(),
        gmft_items(),
        opendataloader_items(),
    ]
    prefix = {
        CAM: "camelot",
        TJ: "tabula-java",
        TP: "tabula-py",
        MU: "pymupdf",
        DL: "docling",
        GM: "gmft",
        TE: "tabula-extractor",
        OD: "opendataloader",
    }
    seen: dict[str, str] = {}
    out, skipped = [], []
    for item in (i for g in groups for i in g):
        repo = item["repo"]
        commit = item.get("commit") or head(repo)
        try:
            data = show(repo, item["path"], commit)
        except RuntimeError:
            skipped.append(f"{item['path']}: not in the snapshot (too large)")
            continue
        sha = hashlib.sha256(data).hexdigest()
        name = f"{prefix[repo]}-{Path(item['path']).name}".replace(" ", "_")
        if not name.isascii():
            name = f"{prefix[repo]}-{sha[:12]}.pdf"
        if sha in seen:
            skipped.append(f"{name}: same bytes as {seen[sha]}")
            continue
        doc = pymupdf.open(stream=data, filetype="pdf")
        tables = []
        for t in item["tables"]:
            page = doc[t["page"] - 1]
            grids = (
                split_left_right(page, t["grid"], t["split_at_left_area"])
                if "split_at_left_area" in t
                else [t["grid"]]
            )
            for g in grids:
                cov = coverage(page, g)
                if cov < 0.6:  # the expected table is not in this page's text layer
                    skipped.append(f"{name} p{t['page']}: text coverage {cov:.2f}")
                    continue
                tables.append(
                    {
                        "page": t["page"],
                        "grid": g,
                        "features": features(page, g)
                        | {
                            "text_coverage": round(cov, 3),
                            "page_share": round(coverage_of_page(page, g), 3),
                        },
                    }
                )
        if not tables:
            continue
        seen[sha] = name
        target = HERE / name
        if not (target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha):
            target.write_bytes(data)
        out.append(
            {
                "file": name,
                "repo": repo,
                "path": item["path"],
                "commit": commit,
                "sha256": sha,
                "licence": LICENCES[item.get("licence_key", repo)],
                "truth_source": item["truth_source"],
                **({"note": item["note"]} if item.get("note") else {}),
                "reference": {
                    "reference_kind": "full",
                    "tables": [{"page": t["page"], "grid": t["grid"]} for t in tables],
                },
                "features": [t["features"] for t in tables],
            }
        )
    tmp = HERE / "manifest.jsonl.tmp"
    with open(tmp, "w") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    tmp.replace(HERE / "manifest.jsonl")
    n_tables = sum(len(i["reference"]["tables"]) for i in out)
    print(f"{len(out)} PDFs, {n_tables} tables; skipped: {len(skipped)}")
    for s in skipped:
        print("  skipped", s)
    if check:
        for i in out:
            print(
                i["file"],
                [
                    (
                        f["rules"],
                        f["page_rotation"],
                        f["vertical_text"],
                        f["left_x"],
                        f["text_coverage"],
                        f["page_share"],
                    )
                    for f in i["features"]
                ],
            )


if __name__ == "__main__":
    main()
