"""Signed copies: a test CA made here (cryptography), a build with --sign, signatures
validated by pyHanko against that root, a one-byte change caught by `briefgen verify`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from generator.cli import main

from .projects import MINISTER, write_project

PASSPHRASE = "correct horse"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Directorate")])


def make_ca(folder: Path) -> tuple[Path, Path]:
    """A root CA and a signer certificate it issues; the root (PEM) and the signer's
    key and chain as a PKCS#12 file."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (x509.CertificateBuilder().subject_name(_name("Test Root CA"))
            .issuer_name(_name("Test Root CA")).public_key(root_key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name("Releasing Office"))
            .issuer_name(root.subject).public_key(key.public_key()).serial_number(2)
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_cert_sign=False, crl_sign=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    p12 = folder / "office.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"office", key, cert, [root],
        serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    return root_pem, p12


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("signed")
    root_pem, p12 = make_ca(folder)
    project = write_project(folder / "p", {
        "templates/audiences/minister.yaml": MINISTER.replace("full", "summary")
        + "formats: [pdf, html]\nrecipients:\n"
          "  - {name: Ms A. Example, organisation: Defence Committee}\n"
          "  - {name: Mr B. Example, organisation: Defence Committee}\n",
        "templates/audiences/norvia.yaml": None})
    mp = pytest.MonkeyPatch()
    mp.setenv("BRIEFGEN_SIGN_PASSPHRASE", PASSPHRASE)
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    try:
        assert main(["build", str(project), "-j", "1", "--sign", str(p12)]) == 0
    finally:
        mp.undo()
    return project, root_pem, p12


def test_every_pdf_is_signed_and_validates_against_the_test_root(
        signed: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project, root_pem, _ = signed
    out = project / "output" / "minister"
    files = [out / "copies" / "01-ms-a-example" / "brief.pdf",
             out / "copies" / "02-mr-b-example" / "brief.pdf"]
    capsys.readouterr()
    assert main(["verify", "--trust", str(root_pem), *map(str, files)]) == 0
    said = capsys.readouterr().out
    for file in files:
        assert f"{file}: signed by Releasing Office at 2026-01-01T00:00:00+00:00" in said
    assert "register: copy 2 for Mr B. Example, Defence Committee (issued " \
           "2026-01-01T00:00:00Z)" in said
    assert "2 of 2 files verified" in said
    # the audience's own PDF is signed too (it is in no register: it is not a copy)
    main(["verify", "--trust", str(root_pem), str(out / "brief.pdf")])
    assert "signed by Releasing Office" in capsys.readouterr().out


def test_the_register_names_the_signer_and_each_signed_files_hash(
        signed: tuple[Path, Path, Path]) -> None:
    project, _, _ = signed
    with (project / "output" / "_review" / "minister-register.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    for row in rows:
        data = (project / "output" / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["signer"] == ("Releasing Office" if row["file"].endswith(".pdf") else "")


def test_a_copy_altered_by_one_byte_fails_verify(
        signed: tuple[Path, Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    project, root_pem, _ = signed
    original = project / "output" / "minister" / "copies" / "01-ms-a-example" / "brief.pdf"
    data = bytearray(original.read_bytes())
    at = data.index(b"stream\n", len(data) // 3) + 10  # inside a page's signed content
    data[at] ^= 0x01
    altered = tmp_path / "output" / "minister" / "brief.pdf"
    altered.parent.mkdir(parents=True)
    altered.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["verify", "--trust", str(root_pem), str(altered)]) == 1
    err = capsys.readouterr().err
    assert "altered after signing" in err or "cannot be validated" in err, err
    assert "is in no distribution register" in err


def test_an_untrusted_signer_fails_verify(signed: tuple[Path, Path, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project, _, _ = signed
    other_root, _ = make_ca(tmp_path)
    file = project / "output" / "minister" / "copies" / "01-ms-a-example" / "brief.pdf"
    capsys.readouterr()
    assert main(["verify", "--trust", str(other_root), str(file)]) == 1
    assert "does not lead to a trusted root" in capsys.readouterr().err


def test_signing_needs_a_passphrase_and_never_takes_one_on_the_command_line(
        signed: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    project, _, p12 = signed
    monkeypatch.delenv("BRIEFGEN_SIGN_PASSPHRASE", raising=False)
    assert main(["build", str(project), "--sign", str(p12)]) == 2
    assert "no passphrase for the key (set BRIEFGEN_SIGN_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("BRIEFGEN_SIGN_PASSPHRASE", "wrong")
    assert main(["build", str(project), "--sign", str(p12)]) == 2
    assert "cannot read the key: wrong passphrase" in capsys.readouterr().err
    assert main(["build", str(project), "--tsa", "http://tsa.invalid"]) == 2
    assert "--tsa needs --sign" in capsys.readouterr().err


def test_signing_again_adds_no_register_row_and_unsigned_rebuilds_replace_signed_pdfs(
        signed: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    import shutil

    from generator.build import build
    from generator.signing import load

    project = tmp_path / "p"
    shutil.copytree(signed[0], project)
    register = project / "output" / "_review" / "minister-register.csv"
    before = register.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    signing = load(signed[2], 1767225600, passphrase=PASSPHRASE)
    # in its new folder the project's cache keys differ: all is made and signed again,
    # at the same SOURCE_DATE_EPOCH: the same bytes, so the register gains nothing
    assert len(build(project, jobs=1, signing=signing).copies) == 4
    assert register.read_bytes() == before
    assert build(project, jobs=1, signing=signing).copies == []  # nothing changed
    forced = build(project, jobs=1, signing=signing, force=True)
    assert len(forced.copies) == 4
    # signed again with the same key and SOURCE_DATE_EPOCH (RSA PKCS#1 v1.5 signatures
    # are deterministic): the same bytes, so no new row
    assert register.read_bytes() == before
    unsigned = build(project, jobs=1)  # without --sign the PDFs are made again, unsigned
    assert sorted(unsigned.copies) == ["minister/copies/01-ms-a-example/brief.pdf",
                                       "minister/copies/02-mr-b-example/brief.pdf"]
    rows = list(csv.DictReader(register.read_text().splitlines()))
    # the same content without its signature: new bytes, recorded, but not reissued
    assert [r["event"] for r in rows[4:]] == ["resigned", "resigned"]
    assert all(r["signer"] == "" for r in rows[4:])
    assert b"/ByteRange" not in (project / "output" / "minister" / "brief.pdf").read_bytes()


def test_a_visible_signature_shows_signer_and_time_on_the_last_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import subprocess

    import pikepdf

    from generator import copies, verify
    from generator.build import plan
    from generator.content import load_project
    from generator.signing import load
    from generator.tailor import tailor

    from .conftest import require_tool

    require_tool("pdftotext")
    root_pem, p12 = make_ca(tmp_path)
    project = write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": MINISTER.replace("full", "summary")
        + "formats: [pdf]\nrecipients:\n"
          "  - {name: Ms A. Example, organisation: Defence Committee}\n",
        "templates/audiences/norvia.yaml": None})
    monkeypatch.setenv("BRIEFGEN_SIGN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert main(["build", str(project), "--sign-visible"]) == 2
    assert "--sign-visible needs --sign" in capsys.readouterr().err
    assert main(["build", str(project), "-j", "1", "--sign", str(p12), "--sign-visible"]) == 0
    file = project / "output" / "minister" / "copies" / "01-ms-a-example" / "brief.pdf"
    data = file.read_bytes()

    with pikepdf.open(io.BytesIO(data)) as pdf:
        last = pdf.pages[-1]
        widgets = [a for a in last.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
        assert len(widgets) == 1 and widgets[0].get("/FT") == "/Sig"
        assert widgets[0].AP.N.read_bytes().strip()  # an appearance that draws something
        height = float(last.MediaBox[3]) - float(last.MediaBox[1])
        # in the body area: above the bottom band, where the gate looks for the banner
        assert float(widgets[0].Rect[1]) > height * verify.BAND
        assert not any(a.get("/Subtype") == "/Widget" for p in pdf.pages[:-1]
                       for a in p.get("/Annots", []))
        # tagged, as PDF/UA wants: a Form element of the document holds the widget
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        form = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}[
            int(widgets[0].StructParent)]
        assert form.S == "/Form" and form.K.Obj.objgen == widgets[0].objgen
        assert form.objgen in [kid.objgen for kid in form.P.K]
        assert str(widgets[0].TU) == "Signature of Releasing Office"
        pdf.flatten_annotations("all")  # as printed: the appearance in the page
        flat = tmp_path / "flat.pdf"
        pdf.save(flat)
        count = str(len(pdf.pages))
    text = subprocess.run(["pdftotext", "-f", count, "-l", count, str(flat), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Signed by Releasing Office" in text and "2026-01-01 00:00:00 UTC" in text
    # it validates, and the copy still passes the release gate with the field on it
    capsys.readouterr()
    assert main(["verify", "--trust", str(root_pem), str(file)]) == 0
    assert "signed by Releasing Office at 2026-01-01T00:00:00+00:00" in capsys.readouterr().out
    loaded = load_project(project)
    job = next(j for j in plan(loaded, {"minister": tailor(loaded, "minister")})
               if j.format == "pdf")
    copy = copies.copies_of(loaded, "minister")[0]
    assert verify.check_copy(job, data, copy.path(job.path), copy.line) == []
    # reproducible at a fixed SOURCE_DATE_EPOCH, as an invisible signature is
    signing = load(p12, 1767225600, passphrase=PASSPHRASE, visible=True)
    assert signing.sign(copies.unsigned(data)) == data
