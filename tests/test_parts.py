"""A large brief is laid out in parts and joined (generator/render/parts.py): the reader
must not be able to tell. The default briefs are forced into parts with a small part
size and compared with the same brief laid out as one document; with -j 2 the parts are
laid out concurrently (generator/executors.py), and give the same bytes."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator import executors
from generator.build import build, plan
from generator.content import load_project
from generator.render import parts
from generator.render.brief import render_brief, render_html
from generator.tailor import tailor

from .conftest import require_tool

REPO = Path(__file__).resolve().parent.parent
SMALL = 30_000  # characters per part: the 21-page minister brief in three parts (front, body
#                 to the recommendations, annex and back page: cut at its forced page breaks)


def _job(audience: str) -> Any:
    project = load_project(REPO)
    return next(j for j in plan(project, {audience: tailor(project, audience)})
                if j.format == "pdf")


@pytest.fixture(scope="module")
def minister(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The minister's brief laid out as one document, then in parts by a serial build
    and by a build with -j 2, whose parts are laid out concurrently, alongside the deck
    (the steps it submits recorded, with a heartbeat whose clock moves ten seconds each
    time it is read)."""
    job = _job("minister")
    root = tmp_path_factory.mktemp("parts")
    steps: list[str] = []
    sizes: list[int] = []  # of the body parts, in the order they were started
    lines: list[str] = []
    seconds = itertools.count(0, 10)
    heartbeat = executors.Heartbeat(lines.append, 5.0, clock=lambda: next(seconds))
    submit = executors.LocalPool.submit

    def recording(self: executors.LocalPool, task: int, job: Any, step: Any) -> None:
        steps.append(f"{job.path} {type(step).__name__}")
        if isinstance(step, executors.LayOutPart) and step.index >= 0:
            sizes.append(len(step.split.body[step.index]))
        submit(self, task, job, step)

    single = render_brief(job.edition, job.templates)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_SIZE", SMALL)
        html = render_html(job.edition, job.templates, for_print=True)
        split = parts.split(html, SMALL)
        serial = build(REPO, ["minister"], ["pdf", "pptx"], root / "serial", jobs=1)
        patch.setattr(executors.LocalPool, "submit", recording)
        parallel = build(REPO, ["minister"], ["pdf", "pptx"], root / "parallel", jobs=2,
                         heartbeat=heartbeat)
    (root / "single.pdf").write_bytes(single)
    in_parts = (root / "serial" / "minister" / "brief.pdf").read_bytes()
    (root / "parts.pdf").write_bytes(in_parts)
    return {"job": job, "single": single, "parts": in_parts, "root": root, "split": split,
            "html": html, "serial": serial, "parallel": parallel, "steps": steps, "sizes": sizes,
            "lines": lines}


def _page_lines(path: Path, page: int) -> list[str]:
    text = subprocess.run([require_tool("pdftotext"), "-layout", "-f", str(page), "-l",
                           str(page), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_the_brief_was_really_laid_out_in_parts(minister: dict[str, Any]) -> None:
    split = minister["split"]
    assert split is not None and split.front is not None and len(split.body) >= 2
    assert minister["parts"] != minister["single"]


def test_where_a_brief_is_cut_does_not_depend_on_where_its_files_are(
        minister: dict[str, Any]) -> None:
    """The brief's HTML names its images and fonts by path, and a path differs from one
    folder or machine to another (a Dask worker keeps the files it is sent under their
    content hash): cut by size, with those paths counted, the same brief was cut elsewhere
    in another folder, and came out different."""
    html = minister["html"]
    deeper = html.replace("file:///", "file:///" + "deeper/" * 30)  # the same files
    assert deeper.count("deeper/") >= 10  # images in the body, fonts in the head
    here, there = parts.split(html, 2_000), parts.split(deeper, 2_000)
    assert here is not None and there is not None
    assert len(here.body) > 20  # cut inside stretches without a forced page break
    assert [part.replace("deeper/", "") for part in there.body] == here.body


def test_a_size_leaves_out_urls_of_files_only() -> None:
    prose = "<p>Metadata: the file: a note’s text (and more) runs on</p>"
    assert parts.size_of(prose) == len(prose)  # words, not URLs
    image = '<img src="file:///a/b%20c.svg"><i style="background: url(data:x/y;base64,QQ)">'
    assert parts.size_of(image) == len('<img src=""><i style="background: url()">')


def test_page_x_of_y_banners_and_footers_match_the_single_document(
        minister: dict[str, Any]) -> None:
    single, joined = (PdfReader(minister["root"] / name) for name in ("single.pdf", "parts.pdf"))
    count = len(joined.pages)
    assert len(single.pages) <= count <= len(single.pages) + len(minister["split"].body)
    for page in range(1, count + 1):
        lines = _page_lines(minister["root"] / "parts.pdf", page)
        assert "SECRET" in lines[0] and "SECRET" in lines[-1], page
        assert f"Page {page} of {count}" in lines[-2], (page, lines[-2])
        if page > 1:  # the cover has the page number alone
            assert lines[-2].startswith("Prepared for Minister of Defence"), page


def test_contents_numbers_point_at_the_pages_of_their_entries(
        minister: dict[str, Any]) -> None:
    path = minister["root"] / "parts.pdf"
    contents = _page_lines(path, 2)
    entries = [re.fullmatch(r"(?:\([A-Z]\) )?(.+?)\s+(\d+)", line) for line in contents]
    checked = 0
    for entry in filter(None, entries):
        title, page = entry.group(1), int(entry.group(2))
        body = " ".join(_page_lines(path, page))
        assert title[:25] in body, (title, page)
        checked += 1
    assert checked >= 20
    single = _page_lines(minister["root"] / "single.pdf", 2)
    if len(PdfReader(path).pages) == len(PdfReader(minister["root"] / "single.pdf").pages):
        assert contents == single


def test_links_bookmarks_and_metadata_survive_the_join(minister: dict[str, Any]) -> None:
    single, joined = (PdfReader(minister["root"] / name) for name in ("single.pdf", "parts.pdf"))

    def outline(reader: PdfReader) -> list[str]:
        titles: list[str] = []

        def walk(items: list[Any]) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    titles.append(item.title)
        walk(reader.outline)
        return titles

    assert outline(joined) == outline(single) and len(outline(joined)) > 30
    destinations = joined.named_destinations
    links = [annotation.get_object() for page in joined.pages
             for annotation in page.get("/Annots", []) or []]
    links = [a for a in links if a.get("/Subtype") == "/Link"]
    internal = [a for a in links if "/Dest" in a]
    assert len(internal) >= 40
    assert all(str(a["/Dest"]) in destinations for a in internal)
    assert not any("x-dest" in str(a.get("/A", "")) for a in links)
    assert joined.metadata == single.metadata
    assert joined.trailer["/Root"]["/Lang"] == single.trailer["/Root"]["/Lang"]


def test_one_structure_tree_for_the_whole_brief(minister: dict[str, Any]) -> None:
    joined = PdfReader(minister["root"] / "parts.pdf")
    root = joined.trailer["/Root"]
    tree = root["/StructTreeRoot"]
    kids = tree["/K"]
    assert len(kids) == 1 and kids[0]["/S"] == "/Document"
    nums = tree["/ParentTree"]["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    pages = [int(page["/StructParents"]) for page in joined.pages]
    assert pages == list(range(len(joined.pages)))
    assert len(keys) == len(set(keys)) and set(pages) <= set(keys)
    assert int(tree["/ParentTreeNextKey"]) == max(keys) + 1
    assert root["/MarkInfo"]["/Marked"]
    check = subprocess.run([require_tool("qpdf"), "--check", str(minister["root"] /
                                                                  "parts.pdf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_parts_laid_out_in_parallel_give_the_serial_bytes(minister: dict[str, Any]) -> None:
    """The same bytes from any number of processes: a brief in parts is deterministic."""
    root = minister["root"]
    for name in ("minister/brief.pdf", "minister/deck.pptx"):
        assert (root / "parallel" / name).read_bytes() == (root / "serial" / name).read_bytes()
    steps = minister["steps"]
    # the brief: its HTML and split, the front's length, its body parts, then the front
    # with its page numbers and the page-number overlay at once, the join
    assert steps.count("minister/brief.pdf LayOutPart") >= 3
    brief = [step.split()[1] for step in steps if step.startswith("minister/brief.pdf")]
    assert sorted(brief[-3:-1]) == ["LayOutFront", "LayOutOverlay"]
    assert brief[-1] == "Join" and brief.count("Join") == 1
    # the body parts longest first, so that the last to finish are short
    sizes = minister["sizes"]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1
    assert steps[0] == "minister/brief.pdf NoneType"  # the longest job first
    warnings = [r.warnings for r in minister["parallel"].results]
    assert warnings == [r.warnings for r in minister["serial"].results]


def test_a_log_is_told_which_output_and_part_is_rendering(minister: dict[str, Any]) -> None:
    lines = minister["lines"]
    said = {re.sub(r" — \d+ s$", "", line) for line in lines}
    named = sorted(said - {"briefgen: building minister/brief.pdf",
                           "briefgen: building minister/deck.pptx"})
    counts = {m[2] for line in named if (m := re.search(r"parts? ([\d, ]+) of (\d+)", line))}
    assert len(counts) == 1  # every part line counts the same parts: front and body
    total = int(counts.pop())
    assert total >= 3
    shown = {int(n) for line in named for n in re.findall(r"(\d+)(?:,|(?= of))", line)}
    assert shown == set(range(1, total + 1))  # each part was named while it was laid out
    assert f"briefgen: building minister/brief.pdf (joining its {total} parts)" in said
    assert all(line.startswith("briefgen: building minister/") for line in lines)


def test_right_to_left_brief_in_parts_matches_its_single_document(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    job = _job("delegation-zahran")
    single = render_brief(job.edition, job.templates)
    monkeypatch.setattr(parts, "PART_SIZE", 8_000)
    assert parts.split(render_html(job.edition, job.templates, for_print=True), 8_000)
    joined = render_brief(job.edition, job.templates)
    (tmp_path / "single.pdf").write_bytes(single)
    (tmp_path / "parts.pdf").write_bytes(joined)
    count = len(PdfReader(tmp_path / "parts.pdf").pages)
    assert count == len(PdfReader(tmp_path / "single.pdf").pages)
    for page in range(1, count + 1):  # the page-number box is on the left there
        assert (_page_lines(tmp_path / "parts.pdf", page)[-2:]
                == _page_lines(tmp_path / "single.pdf", page)[-2:]), page


def test_split_puts_every_part_in_exactly_one_document(minister: dict[str, Any]) -> None:
    split = minister["split"]
    documents = [split.front({}), *split.body]
    ids = [i for doc in documents
           for i in re.findall(r'<article[^>]* id="(collaboration-\d+)"', doc)]
    assert len(ids) == len(set(ids)) == len(minister["job"].edition.collaborations)


def test_briefs_of_unknown_shape_are_laid_out_whole() -> None:
    def page(css: str, body: str) -> str:
        return (f"<html><head><style>@page {{ @bottom-right {{ content: counter(page) }} }}"
                f"{css}</style></head><body>{body}</body></html>")

    # A contents entry of an overridden partial: its number comes from target-counter.
    assert parts.split(page("", "<main><nav class='contents'><a href='#a'>A</a></nav>"
                                "<section id='a'>text</section></main>"), 10) is None
    assert parts.split(page(".x::after { content: target-counter(attr(href), page) }",
                            "<main><section>text</section></main>"), 10) is None
    assert parts.split(page("", "<p>no main</p>"), 10) is None
    assert parts.split(page("", "<main><section>a</section><section>b</section></main>"),
                       10) is not None


def test_a_failed_join_is_a_clear_render_error() -> None:
    from generator.errors import RenderError

    with pytest.raises(RenderError, match="joining the parts of the brief failed"):
        parts._merge_in_child([], None, 0)  # nothing to join: the child fails


def test_the_joined_brief_is_the_single_document_page_for_page(
        minister: dict[str, Any]) -> None:
    """Every part begins where the single document starts a page anyway (a cut between
    two collaboration cards moved a metrics table up a page and a contents number with
    it): the same pages, with the same text on each."""
    single, joined = (minister["root"] / name for name in ("single.pdf", "parts.pdf"))
    count = len(PdfReader(joined).pages)
    assert count == len(PdfReader(single).pages)

    def words(path: Path, page: int) -> list[str]:
        return " ".join(_page_lines(path, page)).split()

    for page in range(1, count + 1):
        assert words(joined, page) == words(single, page), page


def test_parts_begin_only_at_forced_page_breaks() -> None:
    def body_ids(css: str, body: str, size: int) -> list[list[str]]:
        html = (f"<html><head><style>{css}</style></head><body><main>{body}</main>"
                "</body></html>")
        split = parts.split(html, size)
        assert split is not None
        return [re.findall(r'<section[^>]* id="(\w+)"', doc) for doc in split.body]

    text = "x" * 200
    sections = "".join(f"<section class='{name}' id='{name}'>{text}</section>"
                       for name in ("a", "b", "c", "d", "e"))
    # No forced break: one stretch, kept whole up to STRETCH times the part size.
    assert body_ids("", sections, 400) == [["a", "b", "c", "d", "e"]]
    # Cut only before c (break-before) and e (after d's break-after); a screen rule, a
    # rule overridden by a later or more specific one and a pseudo-element's do not count.
    css = (".c { break-before: page } .d { page-break-after: always }"
           "@media screen { .b { break-before: page } }"
           ".a { break-before: page } main > .a { break-before: auto }"
           ".e { break-before: page } .d + .e { break-before: avoid }"
           ".b::before { break-before: page }")
    assert body_ids(css, sections, 450) == [["a", "b"], ["c", "d"], ["e"]]
    # Small stretches share a part; a stretch beyond STRETCH part sizes is still cut.
    assert body_ids(css, sections, 2000) == [["a", "b", "c", "d", "e"]]
    assert body_ids("", sections, 60) == [[name] for name in "abcde"]
