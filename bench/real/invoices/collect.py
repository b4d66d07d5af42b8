"""Rebuild the real-invoice benchmark set (bench/real_invoices.py) from repository snapshots.

    /work/main/.venv/bin/python collect.py [--mirrors /work/.mirror] [--out DIR]

Each source is a bare git mirror at MIRRORS/<owner>+<name>/repo (as the `fetch` tool leaves
it). Every file is read at the commit pinned in SOURCES, so the set is the same on every
run; a mirror at another HEAD still works as long as it holds that commit.

Truth:
  * e-invoices (PDF with Factur-X/ZUGFeRD XML, standalone CII/UBL): parsed from the XML by
    einvoice_truth.py (lxml) - grand total with tax, amount due as an accepted alternative
    where it differs, seller name (trading / registration name as alternatives);
  * PDFs and photos without XML, and receipts: written below by hand after reading the
    page (rendered and looked at), cross-checked with the repository's own expected output
    where it has one (mindee's responses, Document AI's sample JSON, OCA's test asserts,
    SROIE's key files); `truth_source` says which.

Held-out guard: where the held-out repositories are mirrored too (ZUGFeRD/corpus,
akretion/factur-x, invoice-x/invoice2data), every chosen file is checked against them: no
identical blob, no same file name, no same (invoice number, total), no same vendor.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import einvoice_truth  # noqa: E402

SOURCES: dict[str, dict[str, str]] = {
    "ZUGFeRD/mustangproject": {
        "commit": "096db40a9806b0b5202028509dff3563efe7fc8c",
        "licence": "Apache-2.0",
    },
    "ahelmberger/factur-x-kit": {
        "commit": "f610e4c8dcfbb71a984405ee7bffc82611f32521",
        "licence": "MIT",
    },
    "Securibox/facturx": {"commit": "6246f77a255b3416cd63d3fcc850f22f38b01279", "licence": "MIT"},
    "ConnectingEurope/eInvoicing-EN16931": {
        "commit": "b6c9e06a59812fb1a83585da40923b3678a649ad",
        "licence": "EUPL-1.2",
    },
    "itplr-kosit/xrechnung-testsuite": {
        "commit": "5528afafa9968eb67840da3ced0caf15f8d90a7a",
        "licence": "Apache-2.0",
    },
    "OpenPEPPOL/peppol-bis-invoice-3": {
        "commit": "78d7f7dfa223f39f8ebd8d35c127f2690e646322",
        "licence": "no licence file; (c) OpenPeppol AISBL, derivative works allowed with no "
        "additional licensing requirements (guide/bis/main.adoc)",
    },
    "OCA/edi": {"commit": "94addaf1df233ce418a6cb8c2001d705e341c558", "licence": "AGPL-3.0"},
    "pretix/pretix-zugferd": {
        "commit": "e28c57246fcab1af0bdba9c03fa226603c933754",
        "licence": "Apache-2.0",
    },
    "GoogleCloudPlatform/document-ai-samples": {
        "commit": "001ba391ab4a2f40d001cc0387618cb3c3699523",
        "licence": "Apache-2.0",
    },
    "mindee/client-lib-test-data": {
        "commit": "13093f3a48de212ef26889df71199c1a2a9d1478",
        "licence": "none stated (public test data for Mindee's client libraries; no LICENSE)",
    },
    "zzzDavid/ICDAR-2019-SROIE": {
        "commit": "27be4271b251c256f695acbade9a801bffe85994",
        "licence": "MIT (repository); data from the ICDAR 2019 SROIE competition",
    },
    "ReceiptManager/receipt-parser-legacy": {
        "commit": "ea17264147ce9b8ede5ddbbf2ef75c514a2e57bf",
        "licence": "Apache-2.0",
    },
}

HELD_OUT = ("ZUGFeRD/corpus", "akretion/factur-x", "invoice-x/invoice2data")

# --- PDFs with an embedded Factur-X / ZUGFeRD XML: truth from that XML ---------------------
PDF_WITH_XML = [
    (
        "ZUGFeRD/mustangproject",
        "library/src/test/resources/MustangBeispiel20221026.pdf",
        "de",
        {"total": ["963.12"]},
        "the page prints 'Endsumme 963,12 €' (sum of its rounded lines); the XML says 963.11",
    ),
    (
        "ZUGFeRD/mustangproject",
        "library/src/test/resources/ZTESTZUGFERD_1_INVDSS_012015738820PDF-1.pdf",
        "de",
    ),
    (
        "ZUGFeRD/mustangproject",
        "validator/src/test/resources/103767-Invoice-2026-03-24-1.pdf",
        "en",
    ),
    ("ahelmberger/factur-x-kit", "test/pdfs/ZFdemo_2p1_en16931_67b499beca63e.pdf", "de"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/PDF_DESIGN_DE_Kleinunternehmer.pdf", "de"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/PDF_DESIGN_DE.pdf", "de"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/PDF_DESIGN_EN.pdf", "en"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/PDF_DESIGN_FR.pdf", "fr"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/PDF_DESIGN_DE_MultiPage.pdf", "de"),
    ("ahelmberger/factur-x-kit", "test/pdfs/createdPDFs/FacturX_MINIMUM_Test.pdf", "en"),
    ("ahelmberger/factur-x-kit", "test/profiles/pdf/createdPDFs/FacturX_BASIC_Test.pdf", "en"),
    ("ahelmberger/factur-x-kit", "test/profiles/pdf/createdPDFs/FacturX_Comfort_Test.pdf", "en"),
    (
        "Securibox/facturx",
        "Securibox.FacturX.Tests/Invoices/Custom/2023-6013_facture_facturx_en16931.pdf",
        "fr",
    ),
]

# --- standalone CII / UBL XML: truth from the XML ---------------------------------------
XML_STANDALONE = [
    (
        "ZUGFeRD/mustangproject",
        "library/src/test/resources/TESTXRECHNUNG_INVDSS_012015776085.XML",
        "de",
    ),
    ("ZUGFeRD/mustangproject", "library/src/test/resources/factur-x_invoicingPeriod.xml", "de"),
    ("ZUGFeRD/mustangproject", "validator/src/test/resources/validZREtestZugferd.xml", "de"),
    ("ConnectingEurope/eInvoicing-EN16931", "cii/examples/CII_example8.xml", "nl"),
    ("ConnectingEurope/eInvoicing-EN16931", "cii/examples/huf_example_cii.xml", "de"),
    ("ConnectingEurope/eInvoicing-EN16931", "cii/examples/CII_example3.xml", "en"),
    ("ConnectingEurope/eInvoicing-EN16931", "test/testfiles/BIS_Billing_30-Telefoni.xml", "sv"),
    (
        "ConnectingEurope/eInvoicing-EN16931",
        "ubl/examples/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml",
        "it",
    ),
    ("ConnectingEurope/eInvoicing-EN16931", "ubl/examples/guide-example1.xml", "nl"),
    (
        "itplr-kosit/xrechnung-testsuite",
        "src/test/business-cases/standard/01.21a-INVOICE_ubl.xml",
        "de",
    ),
    (
        "itplr-kosit/xrechnung-testsuite",
        "src/test/business-cases/standard/03.06a-INVOICE_uncefact.xml",
        "de",
    ),
    ("OpenPEPPOL/peppol-bis-invoice-3", "rules/examples/base-example.xml", "en"),
    ("OpenPEPPOL/peppol-bis-invoice-3", "rules/examples/vat-category-E.xml", "en"),
    (
        "OCA/edi",
        "account_invoice_import_ubl/tests/files/efff_BE0505890632_160421_Inv_16117778.xml",
        "nl",
    ),
    ("pretix/pretix-zugferd", "tests/results/default.xml", "de"),
]


def _inv(number, issue, due, total, currency, vendor):  # type: ignore[no-untyped-def]
    return {
        "invoice_number": number,
        "issue_date": issue,
        "due_date": due,
        "total": total,
        "currency": currency,
        "vendor": vendor,
    }


def _rcpt(merchant, date, total, currency):  # type: ignore[no-untyped-def]
    # receipts: the bench reads the invoice's field names (RECEIPT maps them to
    # merchant/date/total); invoice_number and due_date are not scored for receipts
    return {
        "invoice_number": None,
        "issue_date": date,
        "due_date": None,
        "total": total,
        "currency": currency,
        "vendor": merchant,
    }


GCP = "GoogleCloudPlatform/document-ai-samples"
STANFORD = "document_ai_warehouse/document_ai_warehouse_batch_ingestion/sample_data/invoices/"
MINDEE = "mindee/client-lib-test-data"

# --- PDFs and photos without XML: truth read from the page by hand ----------------------
NO_XML: list[dict[str, Any]] = [
    {
        "repo": GCP,
        "path": STANFORD + "Invoice1.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "INV03051", "2018-10-18", "2018-12-17", "1536.52", "USD", "Stanford Plumbing & Heating"
        ),
        "truth_source": "manual: page text (#INV03051, 10/18/18, due 12/17/18, balance due)",
    },
    {
        "repo": GCP,
        "path": STANFORD + "Invoice2.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "INV01699", "2018-07-09", "2018-09-07", "761.17", "USD", "Stanford Plumbing & Heating"
        ),
        "truth_source": "manual: page text (7/9/18, due 09/07/18: month first, US layout)",
    },
    {
        "repo": GCP,
        "path": STANFORD + "Invoice3.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "INV08664", "2018-11-19", "2019-01-18", "866.16", "USD", "Stanford Plumbing & Heating"
        ),
        "truth_source": "manual: page text",
    },
    {
        "repo": GCP,
        "path": STANFORD + "Invoice5.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "INV04096", "2019-07-14", "2019-09-12", "1200.54", "USD", "Stanford Plumbing & Heating"
        ),
        "truth_source": "manual: page text",
    },
    {
        "repo": GCP,
        "path": "community/pdf-annotator-python/invoice.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv("001", "1970-01-01", "2025-01-01", "2140.00", "USD", "Company ABC"),
        "alternatives": {"invoice_number": ["NO. 001"]},
        "truth_source": "manual: page text ('INVOICE: NO. 001', 'BALANCE DUE $2140.00')",
    },
    {
        "repo": GCP,
        "path": "community/codelabs/docai-specialized-processors/google_invoice.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv("23413561D", "2019-09-24", "2019-09-30", "19647.68", "USD", "Google"),
        "alternatives": {"total": ["4647.68"], "vendor": ["John Smith"]},
        "truth_source": "manual: rendered page (image-only PDF); Total $19,647.68, Balance Due "
        "$4,647.68 after $15,000 paid; Google logo, 'John Smith' as sender",
        "unsure": "vendor (Google logo vs 'John Smith') and total vs balance due",
    },
    {
        "repo": GCP,
        "path": "document_ai_warehouse/document_ai_warehouse_processing_python/resources/"
        "sample_invoices/invoice1.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "20517440",
            "2013-12-30",
            "2014-02-13",
            "2978666.00",
            "USD",
            "LG Electronics MobileComm U.S.A., Inc.",
        ),
        "truth_source": "manual: rendered page (image-only PDF); the repo's metadata/invoice1.json "
        "is a placeholder (Acme Inc) that does not match the page",
    },
    {
        "repo": GCP,
        "path": "incubator-tools/Reference_architecture_asynchronous/auto_deploy_v8/input_files/"
        "sample_input.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv("1727", "1979-12-31", None, "350.50", "USD", "Gianninoto Associates, Inc."),
        "truth_source": "manual: rendered page (1979 typewritten scan)",
    },
    {
        "repo": GCP,
        "path": "web-app-pix2info-python/src/samples/4-INVOICE_PROCESSOR/"
        "a. Energy invoice (stained).pdf",
        "category": "pdf_no_xml",
        "language": "fr",
        "truth": _inv("12 345 678 901", "2022-12-11", "2022-12-28", "62.86", "EUR", "EDF"),
        "alternatives": {"invoice_number": ["12345678901"]},
        "truth_source": "Document AI invoice parser output beside it (a. Energy invoice (stained)"
        ".json) checked on the rendered page; due date from 'Prélevé le "
        "28/12/2022' (the JSON's due_date 2022-12-11 is the invoice date)",
    },
    {
        "repo": MINDEE,
        "path": "v1/products/energy_bill_fra/default_sample.pdf",
        "category": "pdf_no_xml",
        "language": "fr",
        "truth": _inv("10123590373", "2021-01-29", "2021-02-15", "1479.85", "EUR", "EDF"),
        "alternatives": {"invoice_number": ["1234567890"], "vendor": ["FICTIOCORP"]},
        "truth_source": "mindee energy_bill_fra response_v1 (invoice number, dates, total, "
        "supplier EDF) checked on the page",
        "unsure": "invoice number: page 1 says 'Facture ... n° 1234567890' (also the billing "
        "account), pages 2-3 'facture ... n° 10123590373'; logo FICTIOCORP, supplier EDF",
    },
    {
        "repo": MINDEE,
        "path": "v1/products/invoices/default_sample.jpg",
        "category": "photo",
        "language": "en",
        "truth": _inv("14", "2018-09-25", None, "2608.20", "CAD", "Turnpike Designs"),
        "alternatives": {"currency": ["USD"], "vendor": ["Turnpike Designs Co."]},
        "truth_source": "mindee invoices response_v4 default_sample.rst checked on the image; "
        "'Payment Due: Upon receipt'",
        "unsure": "currency: 'Amount Due (USD)' and 'Amount due (CAD)' both printed",
    },
    {
        "repo": MINDEE,
        "path": "v1/products/financial_document/default_sample.jpg",
        "category": "photo",
        "language": "en",
        "truth": _inv("INT-001", "2019-02-11", "2019-02-26", "204.75", "USD", "John Smith"),
        "truth_source": "manual: image; day-first dates (due date 26/02/2019); mindee's response "
        "reads 11/02/2019 month-first (2019-11-02)",
        "unsure": "issue date: 11/02/2019 read day-first because the due date is 26/02/2019",
    },
    {
        "repo": "OCA/edi",
        "path": "account_invoice_import_simple_pdf/tests/pdf/akretion_france-test.pdf",
        "category": "pdf_no_xml",
        "language": "en",
        "truth": _inv(
            "VT/2022/0001", "2022-09-21", "2022-10-21", "1810.80", "EUR", "Akretion France"
        ),
        "truth_source": "OCA test asserts (tests/test_invoice_import.py test_complete_import) and "
        "page text",
    },
    {
        "repo": "OCA/edi",
        "path": "account_invoice_import_simple_pdf/tests/pdf/bouygues_telecom-test.pdf",
        "category": "pdf_no_xml",
        "language": "fr",
        "truth": _inv(
            "11608848301659", "2019-11-02", "2019-11-16", "12.99", "EUR", "Bouygues Telecom"
        ),
        "truth_source": "manual: page text ('N° de facture', 'Date de facture', 'Montant prélevé "
        "le 16 novembre 2019')",
    },
    {
        "repo": "ZUGFeRD/mustangproject",
        "path": "library/src/test/resources/zugferd_invoice.pdf",
        "category": "pdf_no_xml",
        "language": "de",
        "truth": _inv("2014-03", "2014-07-11", None, "1005.55", "EUR", "Kraxi GmbH"),
        "truth_source": "manual: page text (no embedded XML; 'Zahlbar innerhalb von 30 Tagen', "
        "no due date printed)",
    },
    {
        "repo": "Securibox/facturx",
        "path": "Securibox.FacturX.Tests/Invoices/Custom/2023-6026_facture_minimum.pdf",
        "category": "pdf_no_xml",
        "language": "fr",
        "truth": _inv(
            "2023-6026", "2023-09-28", "2023-10-28", "228.14", "EUR", "Société Hôtelière du Pacano"
        ),
        "truth_source": "manual: page text (the file carries no XML despite its name)",
    },
]

# --- receipts -------------------------------------------------------------------------
SROIE = [  # id, date as printed -> ISO (Malaysian receipts, day first), key file otherwise
    ("000", "2018-12-25"),
    ("001", "2018-10-19"),
    ("009", "2018-01-18"),
    ("014", "2017-12-22"),
    ("016", "2017-12-20"),
    ("019", "2018-03-18"),
    ("023", "2018-01-17"),
    ("024", "2018-01-15"),
]
RECEIPTS: list[dict[str, Any]] = [
    {
        "repo": MINDEE,
        "path": "v1/products/expense_receipts/default_sample.jpg",
        "language": "en",
        "truth": _rcpt("Clachan", "2016-02-26", "10.20", "GBP"),
        "truth_source": "mindee expense_receipts response_v5 checked on the image",
    },
    {
        "repo": MINDEE,
        "path": "v1/products/expense_receipts/us_receipt.jpg",
        "language": "en",
        "truth": _rcpt("Logans 354", "2014-07-07", "53.82", "USD"),
        "alternatives": {"vendor": ["Logans"]},
        "truth_source": "manual: image (DATE 7/07/14; TOTAL handwritten $53.82 = subtotal 43.82 "
        "+ tip 10.00)",
        "unsure": "total is handwritten (53.82); printed subtotal 43.82",
    },
    {
        "repo": MINDEE,
        "path": "v1/products/petrol_receipts/default_sample.jpg",
        "language": "fr",
        "truth": _rcpt("Station BP Sevres Europe", "2017-04-07", "21.74", "EUR"),
        "truth_source": "manual: image ('TOT TTC € 21.74', 07-04-2017 day first, French)",
    },
    {
        "repo": GCP,
        "path": "web-app-pix2info-python/src/samples/3-EXPENSE_PROCESSOR/b. Enrichments.jpg",
        "language": "fr",
        "truth": _rcpt("Maison Jeanne d'Arc", "2022-12-11", "9.50", "EUR"),
        "alternatives": {"vendor": ["Maison de Jeanne d'Arc"]},
        "truth_source": "Document AI expense parser output beside it (b. Enrichments.json) "
        "checked on the image",
    },
    {
        "repo": "ReceiptManager/receipt-parser-legacy",
        "path": "data/img/IMG0001.pdf",
        "language": "de",
        "truth": _rcpt("REWE", "2014-12-04", "0.99", "EUR"),
        "alternatives": {"vendor": ["REWE Markt GmbH"]},
        "truth_source": "manual: rendered scan (rotated 90°), matching the repo's OCR sample "
        "tests/data/receipts/sample_text_receipt.txt",
    },
]


# ----------------------------------------------------------------------------------------
def git_dir(mirrors: Path, repo: str) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def blob(mirrors: Path, repo: str, path: str, commit: str | None = None) -> bytes:
    commit = commit or SOURCES[repo]["commit"]
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir(mirrors, repo)), "show", f"{commit}:{path}"],
        capture_output=True,
        check=True,
    )
    return out.stdout


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def text_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        names = doc.embfile_names()
        for want in ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "ZUGFeRD-invoice.xml"):
            for n in names:
                if n.lower() == want.lower():
                    return n, doc.embfile_get(n)
    raise ValueError(f"no e-invoice XML embedded (has {names})")


def pdf_has_xml(pdf: bytes) -> bool:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return any(n.lower().endswith(".xml") for n in doc.embfile_names())


def held_out_index(mirrors: Path) -> dict[str, set] | None:
    """Blobs, file names, (number, total) and vendors of the held-out repositories."""
    idx: dict[str, set] = {"blobs": set(), "names": set(), "keys": set(), "vendors": set()}
    found = False
    for repo in HELD_OUT:
        gd = git_dir(mirrors, repo)
        if not gd.exists():
            print(f"warning: held-out {repo} not mirrored; not checked against it")
            continue
        found = True
        listing = subprocess.run(
            ["git", "--git-dir", str(gd), "ls-tree", "-r", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in listing.splitlines():
            meta, path = line.split("\t", 1)
            low = path.lower()
            if not low.endswith((".pdf", ".xml", ".json", ".jpg", ".png")):
                continue
            idx["blobs"].add(meta.split()[2])
            idx["names"].add(Path(path).name.lower())
            data = subprocess.run(
                ["git", "--git-dir", str(gd), "cat-file", "blob", meta.split()[2]],
                capture_output=True,
            ).stdout
            truths = []
            try:
                if low.endswith(".pdf") and pdf_has_xml(data):
                    truths.append(einvoice_truth.read(embedded_xml(data)[1]))
                elif low.endswith(".xml"):
                    truths.append(einvoice_truth.read(data))
                elif low.endswith(".json") and "/compare/" in path:
                    d = json.loads(data)
                    d = d[0] if isinstance(d, list) else d
                    amt = d.get("amount")
                    truths.append(
                        {
                            "truth": {
                                "invoice_number": str(d.get("invoice_number")),
                                "total": f"{float(amt):.2f}" if amt is not None else None,
                                "vendor": d.get("issuer"),
                            }
                        }
                    )
            except Exception:  # noqa: BLE001 - broken test files are expected there
                pass
            for t in truths:
                if t and t.get("truth"):
                    tr = t["truth"]
                    idx["keys"].add((text_key(tr["invoice_number"]), tr["total"]))
                    if tr.get("vendor"):
                        idx["vendors"].add(text_key(tr["vendor"]))
    return idx if found else None


def clash(idx: dict[str, set] | None, data: bytes, path: str, truth: dict[str, Any]) -> list[str]:
    if idx is None:
        return []
    out = []
    if blob_id(data) in idx["blobs"]:
        out.append("same bytes")
    if Path(path).name.lower() in idx["names"]:
        out.append("same file name")
    if (text_key(truth.get("invoice_number")), truth.get("total")) in idx["keys"]:
        out.append("same invoice number and total")
    if truth.get("vendor") and text_key(truth["vendor"]) in idx["vendors"]:
        out.append("same vendor")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror", type=Path)
    ap.add_argument("--out", default=HERE, type=Path)
    args = ap.parse_args()
    mirrors, out = args.mirrors, args.out
    files = out / "files"
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    idx = held_out_index(mirrors)
    rows: list[dict[str, Any]] = []
    used: set[str] = set()

    def add(repo: str, path: str, data: bytes, row: dict[str, Any]) -> None:
        short = repo.split("/")[1].lower()
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).name)
        rel = f"files/{short}__{name}"
        if rel in used:  # same file name elsewhere in the repository: add its folder
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(Path(path).parts[-2:]))
            rel = f"files/{short}__{name}"
        assert rel not in used, rel
        used.add(rel)
        problems = clash(idx, data, path, row["truth"])
        if problems:
            raise SystemExit(f"{repo}:{path} overlaps the held-out set: {problems}")
        (out / rel).write_bytes(data)
        base = {
            "file": rel,
            "category": row.pop("category"),
            "doc_type": row.pop("doc_type"),
            "repo": repo,
            "path": path,
            "commit": SOURCES[repo]["commit"],
            "licence": SOURCES[repo]["licence"],
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        rows.append({**base, **row})

    for repo, path, lang, *extra in PDF_WITH_XML:
        data = blob(mirrors, repo, path)
        name, xml = embedded_xml(data)
        parsed = einvoice_truth.read(xml)
        assert parsed, f"{repo}:{path}: embedded {name} is not an invoice"
        alts = parsed["alternatives"]
        note = {}
        if extra:  # what the page itself says where it differs from its XML
            for field, values in extra[0].items():
                alts[field] = [*alts.get(field, []), *values]
            note = {"unsure": extra[1]}
        add(
            repo,
            path,
            data,
            {
                "category": "pdf_with_xml",
                "doc_type": "invoice",
                "language": lang,
                "truth": parsed["truth"],
                "truth_alternatives": alts,
                "truth_source": f"embedded {name} ({parsed['syntax']}, type {parsed['type_code']}, "
                f"{parsed['guideline']})",
                **note,
            },
        )
    for repo, path, lang in XML_STANDALONE:
        data = blob(mirrors, repo, path)
        parsed = einvoice_truth.read(data)
        assert parsed, f"{repo}:{path} is not an invoice"
        add(
            repo,
            path,
            data,
            {
                "category": "xml_standalone",
                "doc_type": "invoice",
                "language": lang,
                "truth": parsed["truth"],
                "truth_alternatives": parsed["alternatives"],
                "truth_source": f"the XML ({parsed['syntax']}, type {parsed['type_code']}, "
                f"{parsed['guideline']})",
            },
        )
    for item in NO_XML:
        item = dict(item)
        data = blob(mirrors, item["repo"], item["path"])
        if item["path"].lower().endswith(".pdf"):
            assert not pdf_has_xml(data), f"{item['path']} carries XML"
        repo, path = item.pop("repo"), item.pop("path")
        alts = item.pop("alternatives", {})
        add(repo, path, data, {**item, "doc_type": "invoice", "truth_alternatives": alts})
    for sid, iso in SROIE:
        repo = "zzzDavid/ICDAR-2019-SROIE"
        key = json.loads(blob(mirrors, repo, f"data/key/{sid}.json"))
        data = blob(mirrors, repo, f"data/img/{sid}.jpg")
        add(
            repo,
            f"data/img/{sid}.jpg",
            data,
            {
                "category": "receipt",
                "doc_type": "receipt",
                "language": "en",
                "truth": _rcpt(key["company"], iso, f"{float(key['total']):.2f}", "MYR"),
                "truth_alternatives": {},
                "truth_source": f"SROIE key file data/key/{sid}.json (date {key['date']!r} -> ISO, "
                "day first as printed on the receipt); currency RM -> MYR",
            },
        )
    for item in RECEIPTS:
        item = dict(item)
        repo, path = item.pop("repo"), item.pop("path")
        data = blob(mirrors, repo, path)
        alts = item.pop("alternatives", {})
        add(
            repo,
            path,
            data,
            {**item, "category": "receipt", "doc_type": "receipt", "truth_alternatives": alts},
        )

    with (out / "manifest.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["category"]] = counts.get(row["category"], 0) + 1
    print(f"{len(rows)} documents: {counts}")


if __name__ == "__main__":
    main()
