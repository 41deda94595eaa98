"""Signing PDF outputs (PAdES B-B, or B-T with a timestamp authority) and checking them.

``briefgen build --sign KEY.p12`` signs each PDF copy, and the audience's own PDF, after
stamping and after the release gate (a signature adds an incremental update: the signed
revision is the gated file, byte for byte). The passphrase comes from the environment
variable ``BRIEFGEN_SIGN_PASSPHRASE`` or, on a terminal, a prompt; never from the
command line. The signing time is ``SOURCE_DATE_EPOCH`` when it is set. With
``--sign-visible`` the signature field is shown on the last page (signer and time), in
the body area above the bottom banner band.

``briefgen verify FILE...`` validates each PDF's signatures with pyHanko, names the
signer, and matches the file's SHA-256 against the distribution registers of its output
folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Diagnostic, UsageProblem

PASSPHRASE_ENV = "BRIEFGEN_SIGN_PASSPHRASE"
FIELD = "BriefgenSignature"


@dataclass
class Signing:
    """A loaded signing key: its pyHanko signer, and who it names."""

    signer: Any  # pyhanko.sign.signers.SimpleSigner
    name: str  # the certificate's subject common name (or the whole subject)
    #: SHA-256 of the certificate (and of ``visible``, when set): part of a signed
    #: output's cache key
    fingerprint: str
    when: dt.datetime | None = None  # the signing time (SOURCE_DATE_EPOCH), else the clock
    tsa: str | None = None  # a timestamp authority's URL: PAdES B-T
    visible: bool = False  # a signature field shown on the last page

    def sign(self, data: bytes) -> bytes:
        """``data`` (a PDF) with one more signature, in an incremental update."""
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.timestamps import HTTPTimeStamper

        when = self.when

        class _AtTime(signers.PdfSigner):  # pyHanko takes the clock unless told
            def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False
                                     ) -> Any:
                session = super().init_signing_session(pdf_out, existing_fields_only)
                if when is not None:
                    session.system_time = when
                return session

        class _Writer(IncrementalPdfFileWriter):  # pyHanko sets /ModDate to the clock
            def _update_meta(self) -> None:
                """The document's dates stay those of the signed revision."""

        writer = _Writer(io.BytesIO(data), strict=False)
        # the file's second /ID changes with each update: from the bytes signed and the
        # key, not at random, so that a signature made at a fixed time is reproducible
        first = writer._document_id[0]
        if "/ID" not in writer.prev.trailer:  # then pyHanko draws the first part too
            first = generic.ByteStringObject(hashlib.sha256(data).digest()[:16])
        writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(
            hashlib.sha256(data + self.fingerprint.encode()).digest()[:16])])
        name = FIELD
        existing = {f for f, _, _ in fields.enumerate_sig_fields(writer)}
        number = 1
        while name in existing:  # a copy already signed (by another office) keeps its own
            number += 1
            name = f"{FIELD}{number}"
        meta = signers.PdfSignatureMetadata(
            field_name=name, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES)
        stamper = HTTPTimeStamper(self.tsa) if self.tsa else None
        shown: dict[str, Any] = {}
        if self.visible:
            fields.append_signature_field(writer, fields.SigFieldSpec(
                name, on_page=-1, box=_field_box(writer)))
            _tag_field(writer, name, f"Signature of {self.name}")
            shown = {"stamp_style": _stamp_style(self.name)}
        out = io.BytesIO()
        with _subset_tags(data):
            _AtTime(meta, self.signer, timestamper=stamper, **shown).sign_pdf(
                writer, output=out)
        return out.getvalue()


def load(key: Path, source_date_epoch: int | None, tsa: str | None = None,
         passphrase: str | None = None, visible: bool = False) -> Signing:
    """The key and certificate of a PKCS#12 file; the passphrase from ``passphrase``,
    ``BRIEFGEN_SIGN_PASSPHRASE`` or a prompt on a terminal. Raises :class:`UsageProblem`."""
    from pyhanko.sign import signers

    shown = str(key)
    if not key.is_file():
        raise UsageProblem([Diagnostic(shown, 0, 0, "error", "no such key file",
                                       "give a PKCS#12 file (.p12 or .pfx) to --sign")])
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        import sys

        if not sys.stdin.isatty():
            raise UsageProblem([Diagnostic(shown, 0, 0, "error", "no passphrase for the key",
                                           f"set {PASSPHRASE_ENV}, or run briefgen on a "
                                           "terminal to be asked for it")])
        import getpass

        passphrase = getpass.getpass(f"Passphrase for {key.name}: ")
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(key), passphrase=passphrase.encode("utf-8") if passphrase else None)
    except (OSError, ValueError) as exc:
        signer = None
        reason = str(exc)
    else:
        reason = ""
    if signer is None:
        raise UsageProblem([Diagnostic(shown, 0, 0, "error",
                                       "cannot read the key: wrong passphrase, or not a "
                                       "PKCS#12 file with a key and its certificate",
                                       reason[:120])])
    cert = signer.signing_cert
    when = (dt.datetime.fromtimestamp(source_date_epoch, dt.UTC)
            if source_date_epoch is not None else None)
    # a visible field changes the signed file: PDFs signed otherwise are signed again
    return Signing(signer, _subject_name(cert), hashlib.sha256(
        cert.dump() + (b"visible" if visible else b"")).hexdigest(), when, tsa, visible)


def _subject_name(cert: Any) -> str:
    names = cert.subject.native
    return str(names.get("common_name") or cert.subject.human_friendly)


@dataclass
class Checked:
    """What ``briefgen verify`` found about one file."""

    file: str
    problems: list[str]
    notes: list[str]


def verify_file(path: Path, trust: list[Path]) -> Checked:
    """Every signature of ``path`` validated against ``trust`` (certificates, PEM or
    DER), and the file matched against its output folder's registers."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Checked(shown, [f"cannot read: {exc.strerror}"], [])
    problems: list[str] = []
    notes: list[str] = []
    if data.startswith(b"%PDF"):
        _check_signatures(data, trust, problems, notes)
    else:
        notes.append("not a PDF: no signature to check")
    digest = hashlib.sha256(data).hexdigest()
    row = _register_row(path, digest)
    if row is None:
        problems.append(f"its SHA-256 ({digest[:16]}…) is in no distribution register of "
                        "its output folder")
    else:
        notes.append(f"register: copy {row['copy']} for {row['recipient']}, "
                     f"{row['organisation']} ({row['event']} {row['time']})")
    return Checked(shown, problems, notes)


def _check_signatures(data: bytes, trust: list[Path], problems: list[str],
                      notes: list[str]) -> None:
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for file in trust:
        raw = file.read_bytes()
        if pem.detect(raw):
            raw = pem.unarmor(raw)[2]
        roots.append(x509.Certificate.load(raw))
    context = ValidationContext(trust_roots=roots or None, allow_fetching=False)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # a damaged file: pyHanko's errors have no common base
        problems.append(f"cannot be read as a PDF ({type(exc).__name__}: {exc})")
        return
    if not signatures:
        notes.append("not signed")
        return
    for signature in signatures:
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # pyHanko refuses a broken signature by raising
            problems.append(f"signature `{signature.field_name}` cannot be validated "
                            f"({type(exc).__name__}: {exc})")
            continue
        signer = _subject_name(status.signing_cert) if status.signing_cert else "unknown"
        if not status.intact or not status.valid:
            problems.append(f"signature `{signature.field_name}` by {signer} does not match "
                            "the file: it was altered after signing")
        elif not status.trusted:
            problems.append(f"signature `{signature.field_name}` by {signer} is intact, but "
                            "its certificate does not lead to a trusted root (give the "
                            "root with --trust)")
        elif status.coverage is None or status.coverage.name != "ENTIRE_FILE":
            problems.append(f"signature `{signature.field_name}` by {signer} does not cover "
                            "the whole file: something was added after signing")
        else:
            when = status.signer_reported_dt
            notes.append(f"signed by {signer}" + (f" at {when.isoformat()}" if when else "")
                         + (", with a timestamp" if status.timestamp_validity else ""))


def _register_row(path: Path, digest: str) -> dict[str, str] | None:
    """The register row holding ``digest``: in the ``_review`` folder of the output folder
    that holds ``path`` (``OUT/AUDIENCE/...``)."""
    from .register import SUFFIX, read_rows

    for folder in path.resolve().parents:
        review = folder / "_review"
        if not review.is_dir():
            continue
        for register in sorted(review.glob(f"*{SUFFIX}")):
            try:
                rows = read_rows(register.read_bytes())
            except OSError:
                continue
            for row in reversed(rows):
                if row.get("sha256") == digest:
                    return row
    return None


#: The visible signature field: its size, and its distance from the page's right edge and
#: from the top of the bottom banner band (the band the release gate reads the banner in).
FIELD_SIZE = (75.0 / 25.4 * 72, 18.0 / 25.4 * 72)  # 75 x 18 mm, in points
FIELD_RIGHT = 20.0 / 25.4 * 72  # the built-in page's side margin
FIELD_ABOVE_BAND = 4.0 / 25.4 * 72
STAMP_TEXT = "Signed by %(signer)s\n%(ts)s"
STAMP_FONT = "NotoSans-Regular.ttf"
STAMP_POINTS = 9


def _field_box(writer: Any) -> tuple[int, int, int, int]:
    """The field's box on the last page: at the right, just above the bottom banner band,
    in the body area (the back page's text ends well above it)."""
    from .verify import BAND

    page = writer.find_page_for_modification(-1)[0].get_object()
    _, bottom, right, top = (float(v) for v in page.get("/MediaBox", [0, 0, 595, 842]))
    x2 = right - FIELD_RIGHT
    y1 = bottom + (top - bottom) * BAND + FIELD_ABOVE_BAND
    return (round(x2 - FIELD_SIZE[0]), round(y1), round(x2), round(y1 + FIELD_SIZE[1]))


def _tag_field(writer: Any, name: str, alternate: str) -> None:
    """The new signature field's widget described (``/TU``) and, in a tagged PDF, in the
    structure tree, as PDF/UA wants of every visible annotation: a ``Form`` element under
    the document's element holding the widget by an object reference. A PDF without a
    structure tree, or whose parent tree is not one flat number array (WeasyPrint writes
    one), is left untagged."""
    from pyhanko.pdf_utils import generic

    page_ref = writer.find_page_for_modification(-1)[0]
    widget_ref = next(ref for ref in page_ref.get_object()["/Annots"]
                      if ref.get_object().get("/T") == name)
    widget = widget_ref.get_object()
    widget["/TU"] = generic.TextStringObject(alternate)
    tree_ref = writer.root.raw_get("/StructTreeRoot") if "/StructTreeRoot" in writer.root \
        else None
    if not isinstance(tree_ref, generic.IndirectObject):
        return
    tree = tree_ref.get_object()
    parents = tree["/ParentTree"] if "/ParentTree" in tree else generic.DictionaryObject()
    kids = tree.get("/K")
    document_ref = kids.raw_get(0) if isinstance(kids, generic.ArrayObject) and kids \
        else tree.raw_get("/K") if kids is not None else None
    if "/Nums" not in parents or "/Kids" in parents \
            or not isinstance(document_ref, generic.IndirectObject):
        return
    nums = parents["/Nums"]
    key = max([int(nums[i]) + 1 for i in range(0, len(nums), 2)]
              + [int(tree.get("/ParentTreeNextKey", 0))])
    form_ref = writer.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/StructElem"),
        generic.pdf_name("/S"): generic.pdf_name("/Form"),
        generic.pdf_name("/P"): document_ref,
        generic.pdf_name("/Pg"): page_ref,
        generic.pdf_name("/Alt"): generic.TextStringObject(alternate),
        generic.pdf_name("/K"): generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/OBJR"),
            generic.pdf_name("/Obj"): widget_ref,
            generic.pdf_name("/Pg"): page_ref})}))
    document = document_ref.get_object()
    children = document.get("/K")
    if isinstance(children, generic.ArrayObject):
        children.append(form_ref)
        writer.update_container(children)
    else:  # one child, or none
        document["/K"] = generic.ArrayObject(
            ([] if children is None else [document.raw_get("/K")]) + [form_ref])
    writer.mark_update(document_ref)
    nums.append(generic.NumberObject(key))
    nums.append(form_ref)
    writer.update_container(nums)
    tree["/ParentTreeNextKey"] = generic.NumberObject(key + 1)
    writer.mark_update(tree_ref)
    widget["/StructParent"] = generic.NumberObject(key)


def _stamp_style(signer: str) -> Any:
    """The field's appearance: who signed and when, in an embedded subset of the brief's
    sans-serif (so that an archival PDF keeps every font embedded), without pyHanko's
    logo."""
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font = _stamp_font(signer)

    class _Font(FontEngineFactory):  # pyHanko's factory reads a font file
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            engine = GlyphAccumulator(writer=writer, font_handle=io.BytesIO(font),
                                      font_size=STAMP_POINTS, obj_stream=obj_stream)
            engine.tt.recalcTimestamp = False  # the subset's date: the font's, not now
            return engine

    return TextStampStyle(
        stamp_text=STAMP_TEXT, timestamp_format="%Y-%m-%d %H:%M:%S %Z", border_width=1,
        text_box_style=TextBoxStyle(font=_Font(), font_size=STAMP_POINTS))


def _stamp_font(signer: str) -> bytes:
    """The brief's sans-serif cut down to what a stamp may show (Latin letters, digits,
    and the signer's name), once per process: pyHanko subsets the font it is given for
    each signature, which takes half a second for the whole font. Noto, because pyHanko
    writes glyph widths in the font's own units, which a PDF reads as thousandths of an
    em: the font must have 1,000 units per em."""
    from .copies import REPERTOIRE, _subset_of
    from .templates import builtin_templates

    data = _font_bytes(builtin_templates() / "brief" / "fonts" / STAMP_FONT)
    return _subset_of("".join(sorted(set(signer) - REPERTOIRE)), data)[1]


@functools.cache
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


@contextlib.contextmanager
def _subset_tags(data: bytes) -> Iterator[None]:
    """pyHanko names each font subset it embeds with six random letters: here they come
    from the bytes signed, so that a signature made at a fixed time is reproducible."""
    from pyhanko.pdf_utils.font import api

    seed = hashlib.sha256(data).digest()
    count = itertools.count()

    def tag() -> str:
        digest = hashlib.sha256(seed + next(count).to_bytes(4, "big")).digest()
        return "".join(chr(65 + b % 26) for b in digest[:6])

    original = api.generate_subset_prefix
    api.generate_subset_prefix = tag
    try:
        yield
    finally:
        api.generate_subset_prefix = original
