"""End to end: canaries in every kind of field at every level; build every audience in
every format; extract everything a reader or a tool could see; no withheld canary may
appear, and every canary the Edition holds must appear somewhere in the audience's files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

import pytest
from pypdf import PdfReader

from generator.build import BuildReport, build
from generator.content import load_project
from generator.executors import Heartbeat
from generator.render import parts
from generator.tailor import tailor

from .conftest import output_files, require_tool

COMBOS = [("PUBLIC", None), ("RESTRICTED", None), ("RESTRICTED", "NRV"), ("CONFIDENTIAL", "ALL"),
          ("CONFIDENTIAL", "ALT"), ("SECRET", None), ("SECRET", "NRV")]
AUDIENCES = {
    "minister": "clearance: SECRET\n",
    # two numbered copies of each output (generator/copies.py): checked below
    "committee": "clearance: CONFIDENTIAL\nwatermark: true\nrecipients:\n"
                 "  - {name: Ms A. Example, organisation: Defence Committee}\n"
                 "  - {name: Mr B. Example, organisation: Defence Committee}\n",
    "norvia": "clearance: RESTRICTED\ncountry: NRV\n",
    "altmark": "clearance: CONFIDENTIAL\ncountry: ALT\n",
    "press": "clearance: PUBLIC\n",
}


def _marks(i: int, indent: str) -> str:
    level, rel = COMBOS[i % len(COMBOS)]
    text = f"\n{indent}marking: {level}"
    return text + (f"\n{indent}releasable_to: [{rel}]" if rel else "")


def canary(kind: str, i: int) -> str:
    return f"Qx{kind}{i}z"


def write_canary_project(root: Path) -> None:
    files: dict[str, str] = {}
    km = "".join(f"  - text: {canary('km', i)}{_marks(i, '    ')}\n" for i in range(7))
    rc = "".join(f"  - text: {canary('rc', i)}{_marks(i + 3, '    ')}\n" for i in range(7))
    charts = "".join(
        f"  - id: c{i}\n    title: {canary('ch', i)}\n    data: data/d.csv\n"
        f"    description: {canary('cd', i)}{_marks(i, '    ')}\n" for i in range(7))
    # sources cited from visible text at every marking, and one cited only from a
    # SECRET block (withheld with it from all but the minister)
    sources = "".join(f"  - id: s{i}\n    text: {canary('sr', i)}{_marks(i, '    ')}\n"
                      for i in range(7)) + f"  - id: sw\n    text: {canary('sw', 0)}\n"
    files["content/briefing.yaml"] = (
        "title: Canary brief\nissuer: Directorate\nreference: REF/1\ndate: 2026-11-27\n"
        "home: {code: HOM, name: Home}\nclassification: {levels: [PUBLIC, RESTRICTED, "
        "CONFIDENTIAL, SECRET]}\nsummary: Summary.\n"
        f"key_messages:\n{km}recommendations:\n{rc}contact: Desk\ncharts:\n{charts}"
        f"sources:\n{sources}")
    files["content/data/d.csv"] = "year,NRV,ALT,SEC\n2023,1,2,3\n2024,2,3,4\n"
    files["content/partners.yaml"] = (
        "- code: NRV\n  name: Norvia\n- code: ALT\n  name: Altmark\n  kind: alliance\n"
        f"- code: SEC\n  name: {canary('pn', 0)}\n  region: {canary('pr', 0)}\n"
        "  marking: SECRET\n")
    for i in range(7):
        benefits = "".join(f"  - category: security\n    text: {canary(f'b{i}x', j)}"
                           f"{_marks(j, '    ')}\n" for j in range(7))
        metrics = "".join(f"  - label: {canary(f'm{i}x', j)}\n    values: {{2024: 5}}"
                          f"{_marks(j + 2, '    ')}\n" for j in range(3))
        files[f"content/collaborations/c{i}.yaml"] = (
            f"title: {canary('ct', i)}\nkind: other\npartners: [NRV, ALT]\n"
            f"summary: {canary('cs', i)}\nnotes: {canary('cn', i)}\n"
            f"sources: [{canary('so', i)}]{_marks(i, '')}\nbenefits:\n{benefits}"
            f"metrics:\n{metrics}")
        points = "".join(f"  - text: {canary(f'k{i}x', j)}{_marks(j, '    ')}\n"
                         for j in range(7))
        # each marked block with a footnote defined inside it (it goes with the block)
        blocks = "".join(
            f"\n::: marking={COMBOS[j][0]}"
            + (f" releasable_to={COMBOS[j][1]}" if COMBOS[j][1] else "")
            + f"\n{canary(f'f{i}x', j)}[^n{j}]" + (" [@sw]" if i == 0 and j == 5 else "")
            + f"\n\n[^n{j}]: {canary(f'n{i}x', j)}\n:::\n" for j in range(7))
        cites = " ".join(f"[@s{j}]" for j in range(7)) if i == 0 else ""
        files[f"content/sections/{i:02d}-s.md"] = (
            f"---\ntitle: {canary('st', i)}{_marks(i, '')}\nlength: full\nkey_points:\n{points}"
            f"notes: {canary('sn', i)}\n---\n{canary('sb', i)} {cites}\n{blocks}")
    for name, profile in AUDIENCES.items():
        files[f"templates/audiences/{name}.yaml"] = (f"title: {name}\nlength: full\n{profile}"
                                                     "formats: [pdf, pptx, html, docx]\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


T = TypeVar("T")


def by_content(read: Callable[[Path], T]) -> Callable[[Path], T]:
    """``read`` done once per file content. The local and the Dask builds make the same
    bytes, and several tests read the same files: their surfaces are extracted once."""
    done: dict[str, T] = {}

    def cached(path: Path) -> T:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        if key not in done:
            done[key] = read(path)
        return done[key]

    return cached


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00ad\u200b-]+", "", text)


@by_content
def pdf_page_texts(path: Path) -> list[str]:
    """The text pypdf extracts from each page."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@by_content
def pdf_surface(path: Path) -> str:
    """Everything a reader or tool can get from a PDF: text, metadata, outline, links,
    attachments' names, and pdftotext's own extraction."""
    reader = PdfReader(path)
    parts = list(pdf_page_texts(path))
    parts += [str(v) for v in (reader.metadata or {}).values()]
    if reader.xmp_metadata is not None:
        parts.append(reader.xmp_metadata.stream.get_data().decode("utf-8", "replace"))

    def outline(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                outline(item)
            else:
                parts.append(str(item.title))

    outline(reader.outline)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                parts.append(str(action["/URI"]))
    parts += list(reader.attachments)
    parts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                text=True, check=True).stdout)
    return "\n".join(parts)


@by_content
def pptx_surface(path: Path) -> str:
    """Every part of the deck, raw: slides, notes, layouts, masters, properties."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace")
                         for name in archive.namelist())


@by_content
def docx_surface(path: Path) -> str:
    """Every part of the Word brief, raw, and what python-docx reads from it: paragraphs,
    tables, every header and footer, the core properties."""
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    for section in document.sections:
        for story in (section.header, section.footer, section.first_page_header,
                      section.first_page_footer, section.even_page_header,
                      section.even_page_footer):
            parts += [p.text for p in story.paragraphs]
    props = document.core_properties
    parts += [str(getattr(props, name) or "") for name in (
        "title", "subject", "author", "keywords", "comments", "category",
        "last_modified_by", "identifier", "content_status")]
    return "\n".join(parts) + "\n" + pptx_surface(path)  # and every part, unzipped


#: Characters per part: the minister's canary brief is laid out in two parts and joined, so
#: that parts travel to the Dask workers too and their joins are judged like whole briefs.
SMALL_PARTS = 30_000


class Canary(NamedTuple):
    root: Path  # the project
    out: Path  # its output folder for this build


@pytest.fixture(scope="module")
def canary_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("pdftotext")
    root = tmp_path_factory.mktemp("canary")
    write_canary_project(root)
    return root


@pytest.fixture(scope="module")
def local_canary(canary_project: Path) -> tuple[Canary, BuildReport]:
    """The canary project built on two local worker processes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_SIZE", SMALL_PARTS)
        built = Canary(canary_project, canary_project / "output")
        return built, build(built.root, out=built.out, jobs=2)


@pytest.fixture(scope="module")
def dask_canary(canary_project: Path, request: pytest.FixtureRequest,
                ) -> tuple[Canary, BuildReport, list[str]]:
    """The same project built through the Dask executor, which sends each Edition and
    the files it reads to the workers; with the lines its heartbeat (whose clock moves ten
    seconds each time it is read) would log."""
    from generator.cluster import DaskSettings

    cluster, _client = request.getfixturevalue("dask_cluster")
    lines: list[str] = []
    seconds = itertools.count(0, 10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_SIZE", SMALL_PARTS)  # cut by the client
        built = Canary(canary_project, canary_project / "output-dask")
        report = build(built.root, out=built.out,
                       cluster=DaskSettings(cluster.scheduler_address),
                       heartbeat=Heartbeat(lines.append, 5.0, clock=lambda: next(seconds)))
    return built, report, lines


@pytest.fixture(scope="module", params=["local", "dask"])
def canary_build(request: pytest.FixtureRequest) -> Canary:
    """The canary project built each way: every test below holds for both."""
    built: Canary = request.getfixturevalue(f"{request.param}_canary")[0]
    return built


def test_the_cluster_build_equals_the_local_build(
        local_canary: tuple[Canary, BuildReport],
        dask_canary: tuple[Canary, BuildReport, list[str]]) -> None:
    """Every output, numbered copy and review sheet of every audience, byte for byte."""
    (here, local), (there, remote, lines) = local_canary, dask_canary
    assert len(remote.built) == len(AUDIENCES) * 4
    assert output_files(there.out) == output_files(here.out)
    assert [r.warnings for r in remote.results] == [r.warnings for r in local.results]
    # the minister's brief really went in parts, and the log was told which
    assert any(re.match(r"briefgen: building minister/brief\.pdf \(parts? [\d, ]+ of \d+\)"
                        r" — \d+ s$", line) for line in lines), lines
    # plain TCP to this machine: accepted, with a warning
    assert any(w.severity == "warning" and "plain TCP" in w.message for w in remote.warnings)


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_no_withheld_canary_anywhere_and_every_visible_one_somewhere(
        canary_build: Canary, audience: str) -> None:
    project = load_project(canary_build.root)
    edition = tailor(project, audience).edition
    blob = json.dumps(dataclasses.asdict(edition), ensure_ascii=False)
    all_canaries = set(re.findall(r"Qx[a-z0-9]+z", "\n".join(
        p.read_text("utf-8") for p in (canary_build.root / "content").rglob("*.*")
        if p.suffix in (".yaml", ".md"))))
    visible = {c for c in all_canaries if c in blob}
    withheld = all_canaries - visible
    assert visible
    assert bool(withheld) == (audience != "minister")  # all but the minister lose something

    out = canary_build.out / audience
    surfaces = {
        "brief.pdf": _squash(pdf_surface(out / "brief.pdf")),
        "deck.pptx": _squash(pptx_surface(out / "deck.pptx")),
        "brief.html": _squash((out / "brief.html").read_text("utf-8")),
        "brief.docx": _squash(docx_surface(out / "brief.docx")),
    }
    names = "\n".join(p.name for p in out.rglob("*"))
    for name, surface in surfaces.items():
        leaked = sorted(c for c in withheld if c in surface or c in names)
        assert not leaked, f"{audience}/{name} leaks {leaked}"
    everything = "".join(surfaces.values())
    missing = sorted(c for c in visible if c not in everything)
    assert not missing, f"{audience}: visible canaries missing from every output: {missing}"
    # The Word brief prints every canary of its Edition (it is cut like the PDF brief).
    docx_blob = json.dumps(dataclasses.asdict(edition.shown_in("docx")), ensure_ascii=False)
    unprinted = sorted(c for c in visible if c in docx_blob and c not in surfaces["brief.docx"])
    assert not unprinted, f"{audience}/brief.docx misses {unprinted}"


def test_review_sheets_are_outside_audience_folders(canary_build: Canary) -> None:
    out = canary_build.out
    for audience in AUDIENCES:
        sheet = out / "_review" / f"{audience}.md"
        assert sheet.is_file()
        assert not list((out / audience).glob("*.md"))
    assert "Qxkm5z" in (out / "_review" / "press.md").read_text("utf-8")  # withheld, listed


def test_banner_matches_highest_included_marking(canary_build: Canary) -> None:
    project = load_project(canary_build.root)
    banners = {a: tailor(project, a).edition.banner for a in AUDIENCES}
    assert banners == {"minister": "SECRET", "committee": "CONFIDENTIAL",
                       "norvia": "RESTRICTED // REL TO HOM, NRV",
                       "altmark": "CONFIDENTIAL // REL TO HOM, ALT", "press": "PUBLIC"}
    for audience, banner in banners.items():
        pages = pdf_page_texts(canary_build.out / audience / "brief.pdf")
        for number, text in enumerate(pages, 1):
            # top and bottom of every page
            assert text.count(banner) >= 2, (audience, number)


def test_numbered_copies_hold_nothing_withheld(canary_build: Canary) -> None:
    """The committee's copies hold exactly the canaries of its own outputs: stamping
    adds a recipient's name, never content."""
    project = load_project(canary_build.root)
    blob = json.dumps(dataclasses.asdict(tailor(project, "committee").edition),
                      ensure_ascii=False)
    canaries = set(re.findall(r"Qx[a-z0-9]+z", "\n".join(
        p.read_text("utf-8") for p in (canary_build.root / "content").rglob("*.*")
        if p.suffix in (".yaml", ".md"))))
    withheld = {c for c in canaries if c not in blob}
    assert withheld
    out = canary_build.out / "committee"
    readers = {"brief.pdf": pdf_surface, "deck.pptx": pptx_surface,
               "brief.html": lambda p: p.read_text("utf-8")}
    folders = sorted((out / "copies").iterdir())
    assert [f.name for f in folders] == ["01-ms-a-example", "02-mr-b-example"]

    def found(path: Path) -> set[str]:  # one pass over the surface (no `z` inside a canary)
        return set(re.findall(r"Qx[a-y0-9]+z", _squash(readers[path.name](path))))

    for name in readers:
        shown = found(out / name) & canaries
        assert shown
        for folder in folders:
            inside = found(folder / name)
            assert not inside & withheld, (folder.name, name)
            assert inside & canaries == shown, (folder.name, name)
