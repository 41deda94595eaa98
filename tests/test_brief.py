"""The PDF brief and brief.html: what a reader sees, and what the renderer refuses to read.

PDFs are built from hand-made Editions (tests/factories.py) and read back the way a
reader or a tool would: text per page (pypdf, pdftotext), bookmarks, metadata,
attachments (pdfdetach), structure (qpdf).
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import io
import itertools
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from generator.edition import Edition, Mark, Theme
from generator.errors import RenderError, TemplateError
from generator.render import brief
from generator.render.brief import (
    BriefURLFetcher,
    RefusedURL,
    brief_html,
    render_brief,
    render_html,
)
from generator.templates import TemplateSet, builtin_templates, resolve_templates

from . import pdfpage
from .conftest import require_tool
from .factories import sample_edition

BUILTIN = str(builtin_templates() / "brief")
TITLE = "Benefits of cross-border defence collaboration"
BANNER = "CONFIDENTIAL"


# ---------------------------------------------------------------------------- helpers


def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    root.mkdir(parents=True, exist_ok=True)
    return root


def builtin_set(project: Path | None = None, *extra_dirs: Path) -> TemplateSet:
    return TemplateSet((*map(str, extra_dirs), BUILTIN), "/nonexistent/master.pptx", (),
                       str(project or ""))


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, with runs of white space (line breaks) as one space."""
    return [" ".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(pdf)).pages]


def pdftotext_page(path: Path, page: int) -> list[str]:
    """The non-empty lines of one page, laid out as on paper."""
    tool = require_tool("pdftotext")
    out = subprocess.run([tool, "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def with_summary(edition: Edition, text: str) -> Edition:
    return dataclasses.replace(edition, summary=text)


def with_body(edition: Edition, markdown: str) -> Edition:
    section = edition.sections[0]
    body = (dataclasses.replace(section.body[0], markdown=markdown),)
    return dataclasses.replace(edition, sections=(dataclasses.replace(section, body=body),))


def strip_portions(value: Any) -> Any:
    """``value`` with every Mark's portion emptied (a profile with portion_marks off)."""
    if isinstance(value, Mark):
        return dataclasses.replace(value, portion="")
    if isinstance(value, tuple):
        return tuple(strip_portions(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{
            f.name: strip_portions(getattr(value, f.name)) for f in dataclasses.fields(value)
            if f.init})
    return value


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample brief in each length and in Arabic, rendered once for the module."""
    root = tmp_path_factory.mktemp("brief")
    content = content_dir(root)
    templates = builtin_set(root)
    out: dict[str, Any] = {"root": root, "templates": templates}
    for name, language, length in [("full", "en", "full"), ("standard", "en", "standard"),
                                   ("summary", "en", "summary"), ("arabic", "ar", "full")]:
        edition = sample_edition(content, language=language, length=length)
        warnings: list[str] = []
        pdf = render_brief(edition, templates, warnings=warnings)
        path = root / f"{name}.pdf"
        path.write_bytes(pdf)
        out[name] = {"edition": edition, "pdf": pdf, "path": path, "warnings": warnings,
                     "pages": pages_text(pdf)}
    return out


# ------------------------------------------------------------------- what a reader sees


def test_every_page_shows_the_banner_at_top_and_bottom(built: dict[str, Any]) -> None:
    for name in ("full", "summary", "arabic"):
        path, count = built[name]["path"], len(built[name]["pages"])
        for page in range(1, count + 1):
            lines = pdftotext_page(path, page)
            assert BANNER in lines[0], (name, page, lines[0])
            assert BANNER in lines[-1], (name, page, lines[-1])


def test_every_page_is_numbered_page_x_of_y(built: dict[str, Any]) -> None:
    pages = built["full"]["pages"]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_the_cover_names_title_issuer_reference_date_and_audience(
        built: dict[str, Any]) -> None:
    cover = built["full"]["pages"][0].casefold()  # some labels are set in capitals
    for expected in (TITLE, "Annual review 2026", "Directorate of International Defence "
                     "Cooperation", "DIDC/2026/014", "27 November 2026", "Prepared for",
                     "Minister of Defence"):
        assert expected.casefold() in cover


def test_contents_list_each_part_with_the_page_it_starts_on(built: dict[str, Any]) -> None:
    path, pages = built["full"]["path"], built["full"]["pages"]
    contents = [line.strip() for line in pdftotext_page(path, 2)]
    entries = {}
    for line in contents:
        match = re.match(r"^(.*?)[\s.]{3,}(\d+)$", line)
        if match:
            entries[re.sub(r"^\(\w\)\s*", "", match[1]).strip()] = int(match[2])
    for title in ("Executive summary", "Strategic context", "Partners overview",
                  "Collaborations", "Joint border patrols", "Benefits by collaboration",
                  "Figures", "Recommendations", "Annex: Sources", "Handling instructions"):
        assert title in entries, (title, contents)
        assert title in pages[entries[title] - 1], (title, entries[title])


def test_the_body_shows_summary_sections_collaborations_and_portion_marks(
        built: dict[str, Any]) -> None:
    text = "\n".join(built["full"]["pages"]).casefold()  # some labels are in capitals
    for expected in ("Collaboration with partners strengthens our security.",
                     "Key messages", "(P) Shared training has cut response times.",
                     "(C) Intelligence sharing prevented two attacks.",
                     "(P) Strategic context", "three major incidents",
                     "(C) Only for cleared readers.",
                     "Federation of Norvia", "(R) Joint border patrols", "Border security",
                     "Active", "(R) Response times down by a third.", "Joint patrols",
                     "Joint exercises per year", "(R) Renew the border agreement.",
                     "Border agency annual report 2025", "Handling instructions",
                     "Desk officer, DIDC"):
        assert expected.casefold() in text, expected


def test_portion_marks_are_left_out_when_the_profile_turns_them_off(tmp_path: Path) -> None:
    edition = strip_portions(sample_edition(content_dir(tmp_path), length="full"))
    text = "\n".join(pages_text(render_brief(edition, builtin_set())))
    assert "Joint border patrols" in text
    assert not re.search(r"\((P|R|C)\)", text)


@pytest.mark.parametrize(("name", "low", "high"), [("summary", 3, 6), ("standard", 4, 9),
                                                   ("full", 5, 12)])
def test_page_count_follows_the_length(built: dict[str, Any], name: str, low: int,
                                       high: int) -> None:
    assert low <= len(built[name]["pages"]) <= high


def test_what_each_length_includes(built: dict[str, Any]) -> None:
    summary = "\n".join(built["summary"]["pages"])
    standard = "\n".join(built["standard"]["pages"])
    full = "\n".join(built["full"]["pages"])
    for text in (summary, standard, full):
        assert "Executive summary" in text and "Strategic context" in text
        assert "Joint exercises per year" in text and "Renew the border agreement" in text
        assert "Handling instructions" in text
    assert "Contents" not in summary and "Partners overview" not in summary
    assert "Joint border patrols" not in summary
    assert "Contents" in standard and "Partners overview" in standard
    assert "Benefits by collaboration" in standard and "Joint border patrols" in standard
    assert "Annex" not in standard and "Border agency annual report" not in standard
    assert "Annex: Sources" in full and "Border agency annual report 2025" in full


def test_tables_keep_their_rows_and_headings_stay_with_what_follows() -> None:
    css = (Path(BUILTIN) / "brief.css").read_text(encoding="utf-8")
    assert re.search(r"tr\s*\{\s*break-inside:\s*avoid", css)
    assert re.search(r"break-after:\s*avoid", css)
    assert "orphans: 3" in css and "widows: 3" in css


def test_a_long_table_repeats_its_header_on_the_next_page(tmp_path: Path) -> None:
    rows = "\n".join(f"| {2000 + i} | {i} |" for i in range(90))
    edition = with_body(sample_edition(content_dir(tmp_path), length="summary"),
                        "| Year | Incidents |\n|---|---|\n" + rows)
    pages = pages_text(render_brief(edition, builtin_set()))
    with_rows = [text for text in pages if "2010" in text or "2080" in text]
    continued = [text for text in pages if "2080" in text]
    assert continued and "Year" in continued[0] and "Incidents" in continued[0]
    assert len(with_rows) >= 2


# ------------------------------------------------------------ metadata, structure, bytes


def test_pdf_metadata_comes_from_the_edition(built: dict[str, Any]) -> None:
    reader = PdfReader(built["full"]["path"])
    info = reader.metadata
    assert info is not None
    assert info.title == TITLE
    assert info.author == "Directorate of International Defence Cooperation"
    assert info.subject == "Annual review 2026"
    assert "DIDC/2026/014" in str(info.get("/Keywords"))
    assert info.get("/CreationDate") == "D:20261127"
    assert set(info) <= {"/Title", "/Author", "/Subject", "/Keywords", "/Creator",
                         "/Producer", "/CreationDate", "/ModDate"}
    root = reader.root_object
    assert root["/Lang"] == "en"
    mark_info = root["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject) and mark_info["/Marked"]  # tagged PDF


def test_pdf_dates_follow_source_date_epoch(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary",
                             source_date_epoch=1_700_000_000)
    info = PdfReader(io.BytesIO(render_brief(edition, builtin_set()))).metadata
    assert info is not None
    assert info.get("/CreationDate") == "D:20261127"
    assert info.get("/ModDate") == "D:20231114221320Z"


def test_bookmarks_follow_the_headings(built: dict[str, Any]) -> None:
    reader = PdfReader(built["full"]["path"])
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[0] == TITLE
    for title in ("Contents", "Executive summary", "(P) Strategic context",
                  "Partners overview", "Collaborations", "Figures", "Recommendations",
                  "Annex: Sources", "Handling instructions"):
        assert title in top, (title, top)
    nested = [item.title for group in reader.outline if isinstance(group, list)
              for item in group if not isinstance(item, list)]
    assert "(R) Joint border patrols" in nested


def test_no_attachments_and_a_sound_pdf(built: dict[str, Any]) -> None:
    path = built["full"]["path"]
    listing = subprocess.run([require_tool("pdfdetach"), "-list", str(path)],
                             check=True, capture_output=True, text=True).stdout
    assert listing.strip().startswith("0 embedded files")
    subprocess.run([require_tool("qpdf"), "--check", str(path)], check=True,
                   capture_output=True)
    assert "/EmbeddedFiles" not in str(PdfReader(path).root_object.get("/Names", {}))


def test_only_vendored_fonts_are_embedded(built: dict[str, Any]) -> None:
    for name in ("full", "arabic"):
        listing = subprocess.run([require_tool("pdffonts"), str(built[name]["path"])],
                                 check=True, capture_output=True, text=True).stdout
        fonts = [line.split()[0] for line in listing.splitlines()[2:]]
        assert fonts and all(re.search(r"\+(Brief|Noto)-", font) for font in fonts), fonts


def test_the_sample_renders_without_warnings(built: dict[str, Any]) -> None:
    for name in ("full", "summary", "arabic"):
        assert built[name]["warnings"] == []


def test_the_same_edition_gives_the_same_bytes(built: dict[str, Any]) -> None:
    first = built["full"]
    again = render_brief(first["edition"], built["templates"])
    assert again == first["pdf"]
    assert brief_html(first["edition"], built["templates"]) == brief_html(
        first["edition"], built["templates"])


def test_the_same_bytes_in_another_process(built: dict[str, Any]) -> None:
    """Build workers are other processes, with other hash seeds."""
    content = built["full"]["edition"].content_root
    script = (
        "import sys; from tests.factories import sample_edition;"
        "from generator.templates import TemplateSet, builtin_templates;"
        "from generator.render.brief import render_brief;"
        f"t = TemplateSet((str(builtin_templates() / 'brief'),), '/nonexistent/master.pptx',"
        f" (), {str(built['root'])!r});"
        f"sys.stdout.buffer.write(render_brief(sample_edition({content!r}), t))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         env=env, cwd=Path(__file__).resolve().parent.parent).stdout
    assert out == built["full"]["pdf"]


# ------------------------------------------------------------------------------ Arabic


def test_an_arabic_brief_is_right_to_left_with_arabic_text(built: dict[str, Any]) -> None:
    edition = built["arabic"]["edition"]
    html = render_html(edition, built["templates"], for_print=True)
    assert re.search(r'<html lang="ar" dir="rtl"', html)
    text = "\n".join(built["arabic"]["pages"])
    for label in ("الملخص التنفيذي", "الرسائل الرئيسية", "التوصيات", "تعليمات التداول"):
        assert label in text
    assert BANNER in text and "DIDC/2026/014" in text


def test_the_html_lang_follows_the_audience(tmp_path: Path) -> None:
    html = render_html(sample_edition(content_dir(tmp_path)), builtin_set(), for_print=True)
    assert re.search(r'<html lang="en" dir="ltr"', html)


# ---------------------------------------------------------------------- brief.html


def test_brief_html_is_one_self_contained_page(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    (content / "images").mkdir()
    (content / "images" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8")
    edition = with_body(sample_edition(content), '![Map](images/map.svg "The border")')
    page = brief_html(edition, builtin_set()).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<link" not in page and "<script" not in page
    assert not re.search(r"""(src|href)=["'](?!data:|#|https?:|mailto:)""", page)
    css = re.sub(r"/\*.*?\*/", "", page, flags=re.DOTALL)
    assert not re.search(r"url\((?![\"']?(data:|#))", css)
    assert "data:font/woff;base64," in page and "data:image/svg+xml;base64," in page
    assert len(page) < 1_000_000  # fonts cut down to the characters on the page
    assert "<figcaption>The border</figcaption>" in page
    assert "CONFIDENTIAL" in page and TITLE in page


# ----------------------------------------------------------------- content is data


def test_markup_and_template_syntax_in_content_are_shown_literally(tmp_path: Path) -> None:
    hostile = "Beware <script>alert(1)</script> and {{ 7*7 }} and {% raw %}x"
    edition = with_summary(sample_edition(content_dir(tmp_path), length="summary"), hostile)
    text = "\n".join(pages_text(render_brief(edition, builtin_set())))
    assert "<script>alert(1)</script>" in text
    assert "{{ 7*7 }}" in text and "{% raw %}" in text
    assert "49" not in text
    page = brief_html(edition, builtin_set()).decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_bad_theme_colour_never_reaches_the_css(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary")
    audience = dataclasses.replace(edition.audience,
                                   theme=Theme("red;}</style><script>x()</script>", "#abc"))
    edition = dataclasses.replace(edition, audience=audience)
    warnings: list[str] = []
    page = brief_html(edition, builtin_set(), warnings=warnings).decode("utf-8")
    assert "<script>" not in page and "--primary: #0b3d2e;" in page
    assert "--accent: #abc;" in page
    assert any("theme.primary" in w for w in warnings)


# ------------------------------------------------------------ what the fetcher refuses


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP port on 127.0.0.1 that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], connections
    finally:
        stop.set()
        thread.join()
        server.close()


def assert_refused(error: pytest.ExceptionInfo[RenderError], url: str) -> None:
    assert any(url in d.message and "refused" in d.message for d in error.value.diagnostics), \
        error.value.diagnostics


@pytest.mark.parametrize("render", [render_brief, brief_html])
def test_an_image_outside_content_is_refused(tmp_path: Path, render: Any) -> None:
    edition = with_body(sample_edition(content_dir(tmp_path)), "![x](../../etc/passwd)")
    with pytest.raises(RenderError) as error:
        render(edition, builtin_set())
    assert_refused(error, "/etc/passwd")


@pytest.mark.parametrize("render", [render_brief, brief_html])
def test_a_network_image_is_refused_without_connecting(
        tmp_path: Path, listener: tuple[int, list[object]], render: Any) -> None:
    port, connections = listener
    url = f"http://127.0.0.1:{port}/x.png"
    edition = with_body(sample_edition(content_dir(tmp_path)), f"![x]({url})")
    with pytest.raises(RenderError) as error:
        render(edition, builtin_set())
    assert_refused(error, url)
    assert connections == []


def test_a_symlink_inside_content_pointing_outside_is_refused(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG not really")
    (content / "images").mkdir()
    (content / "images" / "innocent.png").symlink_to(secret)
    edition = with_body(sample_edition(content), "![x](images/innocent.png)")
    with pytest.raises(RenderError) as error:
        render_brief(edition, builtin_set())
    assert_refused(error, "innocent.png")


def test_a_logo_outside_content_is_refused(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path))
    audience = dataclasses.replace(edition.audience, theme=Theme(logo="/etc/passwd"))
    with pytest.raises(RenderError) as error:
        render_brief(dataclasses.replace(edition, audience=audience), builtin_set())
    assert_refused(error, "file:///etc/passwd")


def test_a_template_may_not_read_files_outside_either(tmp_path: Path) -> None:
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    (override / "partials").mkdir(parents=True)
    (override / "partials" / "cover.html.j2").write_text(
        '<img src="file:///etc/passwd" alt="">', encoding="utf-8")
    edition = sample_edition(content_dir(tmp_path), length="summary")
    with pytest.raises(RenderError) as error:
        render_brief(edition, builtin_set(tmp_path, override))
    assert_refused(error, "file:///etc/passwd")


def test_the_fetcher_serves_only_files_inside_its_roots(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    (content / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>",
                                      encoding="utf-8")
    (content / "link.svg").symlink_to(tmp_path / "outside.svg")
    (tmp_path / "outside.svg").write_text("<svg/>", encoding="utf-8")
    fetcher = BriefURLFetcher([content])
    response = fetcher.fetch((content / "logo.svg").as_uri())
    assert response.content_type == "image/svg+xml"
    assert response.read().startswith(b"<svg")
    for url in ("file:///etc/passwd", (content / "link.svg").as_uri(),
                (content / ".." / "outside.svg").as_uri(), "http://127.0.0.1:9/x.png",
                "https://example.org/x.png", "ftp://example.org/x", "file://host/etc/passwd",
                "//example.org/x.png", "javascript:alert(1)"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 9
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_a_missing_image_inside_content_is_a_warning(tmp_path: Path) -> None:
    edition = with_body(sample_edition(content_dir(tmp_path), length="summary"),
                        "![x](images/missing.png)")
    warnings: list[str] = []
    pdf = render_brief(edition, builtin_set(), warnings=warnings)
    assert pdf.startswith(b"%PDF")
    assert any("missing.png" in w for w in warnings), warnings


# ---------------------------------------------------------------------- templates


def test_an_audience_override_shadows_one_partial(tmp_path: Path) -> None:
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    (override / "partials").mkdir(parents=True)
    (override / "partials" / "cover.html.j2").write_text(
        '<section class="cover"><h1>{{ edition.title }} for {{ audience.title }}'
        ' ({{ variables.office }})</h1></section>', encoding="utf-8")
    edition = sample_edition(content_dir(tmp_path), length="summary")
    html = render_html(edition, builtin_set(tmp_path, override))
    assert f"{TITLE} for Minister of Defence (Private Office)" in html
    assert "Executive summary" in html  # everything else from the built-in templates


def test_an_audience_may_override_a_block(tmp_path: Path) -> None:
    override = tmp_path / "brief"
    override.mkdir()
    # Extending the built-in base by its absolute folder is not possible: an override of
    # base.html.j2 is a full copy; here a copy with one block changed.
    base = (Path(BUILTIN) / "base.html.j2").read_text(encoding="utf-8")
    base = base.replace('{% block summary %}{% include "partials/summary.html.j2" %}'
                        '{% endblock %}', "{% block summary %}<p>SHORT</p>{% endblock %}")
    (override / "base.html.j2").write_text(base, encoding="utf-8")
    html = render_html(sample_edition(content_dir(tmp_path)), builtin_set(tmp_path, override))
    assert "<p>SHORT</p>" in html and "Executive summary" in html  # the contents entry


@pytest.mark.parametrize(("source", "line", "words"), [
    ("<p>\n{{ edition.nope }}</p>", 2, "nope"),
    ("<p>\n\n{% if %}</p>", 3, ""),
    ("{{ ''.__class__.__mro__ }}", 1, ""),
    ("{% include 'partials/absent.html.j2' %}", 1, "absent.html.j2"),
])
def test_a_broken_template_is_reported_with_its_file_and_line(
        tmp_path: Path, source: str, line: int, words: str) -> None:
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    (override / "partials").mkdir(parents=True)
    (override / "partials" / "cover.html.j2").write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as error:
        render_html(sample_edition(content_dir(tmp_path)), builtin_set(tmp_path, override))
    [diagnostic] = error.value.diagnostics
    assert diagnostic.file == "templates/audiences/minister/brief/partials/cover.html.j2"
    assert diagnostic.line == line
    assert words in diagnostic.message


def test_content_can_not_reach_python_through_the_sandbox(tmp_path: Path) -> None:
    """Even a template (code, not content) runs sandboxed: no attribute walks."""
    override = tmp_path / "brief"
    (override / "partials").mkdir(parents=True)
    (override / "partials" / "cover.html.j2").write_text(
        "{{ edition.label.__globals__ }}", encoding="utf-8")
    with pytest.raises(TemplateError):
        render_html(sample_edition(content_dir(tmp_path)), builtin_set(tmp_path, override))


def test_css_urls_resolve_along_the_template_search_path(tmp_path: Path) -> None:
    override = tmp_path / "brief"
    override.mkdir()
    (override / "brief.css").write_text(
        "@font-face { font-family: X; src: url(fonts/NotoSans-Regular.ttf); }\n"
        "body { background: url(missing.png); }\n", encoding="utf-8")
    warnings: list[str] = []
    page = brief_html(sample_edition(content_dir(tmp_path)), builtin_set(tmp_path, override),
                      warnings=warnings).decode("utf-8")
    assert "data:font/woff;base64," in page  # found in the built-in fonts/
    assert any("missing.png" in w for w in warnings)
    # A relative URL leaving the template folders is refused (an error, not a warning).
    (override / "brief.css").write_text("body { background: url(../../../../etc/passwd); }",
                                        encoding="utf-8")
    with pytest.raises(RenderError) as error:
        brief_html(sample_edition(content_dir(tmp_path)), builtin_set(tmp_path, override))
    [diagnostic] = error.value.diagnostics
    assert diagnostic.file == "brief/brief.css" and "etc/passwd" in diagnostic.message


def test_charts_come_from_the_chart_renderer_or_a_table(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary")
    html = render_html(edition, builtin_set(), for_print=True)
    assert "Joint exercises per year" in html
    monkeypatch.setattr(brief, "chart_svg", lambda *args, **kwargs: "")
    text = "\n".join(pages_text(render_brief(edition, builtin_set())))
    assert "Joint exercises per year" in text and "NRV" in text and "ALT" in text


THEMED_MAP = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
    '<rect width="100" height="100" fill="#959ba8" data-theme-fill="primary-light"/>'
    '<rect x="100" width="100" height="100" data-theme-fill="chart-3"/>'
    '<rect width="4" height="4" fill="#123456"/></svg>')


def _fills(pdf: bytes) -> set[str]:
    """The fill colours (#rrggbb) of every shape drawn in ``pdf``."""
    import pdfplumber

    found = set()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for shape in (*page.rects, *page.curves):
                colour = shape.get("non_stroking_color")
                if isinstance(colour, tuple | list) and len(colour) == 3:
                    found.add("#" + "".join(f"{round(c * 255):02x}" for c in colour))
    return found


def test_a_content_svg_takes_each_audiences_theme_colours(tmp_path: Path) -> None:
    """The same map drawn for two audiences: each PDF and HTML page has it in its own
    theme's colours (a tint of the primary, the third chart colour), not the other's;
    colours the image gives itself stay."""
    from generator.render.charts import theme_colours

    content = content_dir(tmp_path)
    (content / "images").mkdir()
    (content / "images" / "map.svg").write_text(THEMED_MAP, encoding="utf-8")
    themes = [Theme(primary="#14213d", accent="#c8a951"),
              Theme(primary="#4a1c2c", accent="#c9a96e")]
    fills, pages = [], []
    for theme in themes:
        edition = with_body(sample_edition(content, length="summary"),
                            '![Map](images/map.svg "The region")')
        edition = dataclasses.replace(
            edition, audience=dataclasses.replace(edition.audience, theme=theme))
        fills.append(_fills(render_brief(edition, builtin_set())))
        page = brief_html(edition, builtin_set()).decode("utf-8")
        pages.append("".join(
            base64.b64decode(m).decode("utf-8") for m in
            re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)))
    wanted = [theme_colours(t) for t in themes]
    for mine, other, found, svg in zip(wanted, reversed(wanted), fills, pages, strict=True):
        assert {mine["primary-light"], mine["chart-3"], "#123456"} <= found
        assert not {other["primary-light"], other["chart-3"]} & found
        assert f'fill="{mine["primary-light"]}" data-theme-fill="primary-light"' in svg
        assert f'<rect fill="{mine["chart-3"]}" x="100"' in svg
    assert wanted[0]["primary-light"] != wanted[1]["primary-light"]


def test_a_content_svg_may_not_pull_in_files_from_outside(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    (content / "images").mkdir()
    (content / "images" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="10" height="10"><image xlink:href="file:///etc/hostname" width="10"'
        ' height="10"/></svg>', encoding="utf-8")
    edition = with_body(sample_edition(content, length="summary"), "![map](images/map.svg)")
    with pytest.raises(RenderError) as error:
        render_brief(edition, builtin_set())
    assert_refused(error, "file:///etc/hostname")


def test_a_marked_block_carries_its_portion_mark_on_its_first_line(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary")
    section = edition.sections[0]
    body = (section.body[0], dataclasses.replace(section.body[1], markdown="- first\n- second"))
    edition = dataclasses.replace(edition, sections=(dataclasses.replace(section, body=body),))
    html = render_html(edition, builtin_set(), for_print=True)
    assert re.search(r'<ul>\s*<li><bdi class="pm" dir="ltr">\(C\)</bdi> first', html)
    assert "(C) first" in "\n".join(pages_text(render_brief(edition, builtin_set())))


def test_a_missing_tool_fails_on_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_tool("pdftotext")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_tool("pdftotext")


def test_languages_do_not_leak_between_renders_in_one_process(tmp_path: Path) -> None:
    """Compiled templates are shared within a process; interface strings must not be."""
    content = tmp_path / "content"
    content.mkdir()
    templates = resolve_templates(tmp_path, "minister")
    english = render_html(sample_edition(content, language="en"), templates)
    arabic = render_html(sample_edition(content, language="ar"), templates)
    again = render_html(sample_edition(content, language="en"), templates)
    assert ">الملخص التنفيذي<" in arabic and ">Executive summary<" not in arabic
    assert ">Executive summary<" in english and english == again


def test_content_sources_are_never_served_only_through_the_edition(tmp_path: Path) -> None:
    """A template (say an audience override) cannot pull content/'s YAML, Markdown or CSV
    (which hold withheld items) into a brief: the fetcher serves only images, CSS, fonts."""
    content = tmp_path / "content"
    (content / "collaborations").mkdir(parents=True)
    source = content / "collaborations" / "secret.yaml"
    source.write_text("title: WITHHELD-CANARY\n", "utf-8")
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    override.mkdir(parents=True)
    (override / "base.html.j2").write_text(
        '{% extends "builtin/base.html.j2" %}{% block cover %}'
        '<link rel="attachment" href="{{ resource("collaborations/secret.yaml") }}">'
        '<img src="collaborations/secret.yaml">{% endblock %}', "utf-8")
    fetcher = BriefURLFetcher([content])
    with pytest.raises(RefusedURL):
        fetcher.allowed_path(source.as_uri())
    from generator.templates import resolve_templates

    templates = resolve_templates(tmp_path, "minister")
    with pytest.raises((RenderError, TemplateError)):
        render_brief(sample_edition(content), templates)


def test_an_override_extending_itself_is_a_template_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    override.mkdir(parents=True)
    (override / "base.html.j2").write_text('{% extends "base.html.j2" %}', "utf-8")
    from generator.templates import resolve_templates

    with pytest.raises(TemplateError) as info:
        render_html(sample_edition(content), resolve_templates(tmp_path, "minister"))
    assert "extends or includes itself" in str(info.value)
    assert 'extends "builtin/base.html.j2"' in str(info.value)


def test_layout_gc_restores_the_collector_even_on_error() -> None:
    from generator.render.brief import layout_gc

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), layout_gc():
        assert gc.get_threshold()[0] > before[0]
        raise RuntimeError("layout failed")
    assert gc.get_threshold() == before


# --------------------------------------------------------------------------- page flow
#
# Layout facts read back from the PDF (tests/pdfpage.py for where text and drawings sit,
# the tagged PDF's structure tree for which page each table row is on), on the default
# project's briefs for the minister, the committee and the Arabic delegation and on a
# generated project with long titles, long names and 30 collaborations (long_project).

MM = 72 / 25.4
TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 27, 25  # brief.css's @page margins
MIN_FILL = 0.40
#: The parts that start on a new page (brief.css: break-before/after: page), by the
#: label of their heading: the page before one of them ends a part.
PART_HEADINGS = ("contents", "executive_summary", "partners_overview", "annex",
                 "handling_instructions", "contact")


@dataclasses.dataclass
class PageFacts:
    fill: float  # how far down the text area the lowest text or drawing reaches (0..1)
    head_lines: int  # lines of the running header (title, reference)
    foot_lines: int  # lines of the running footer (audience, page number)
    first_line: str  # the first line of text in the text area


def _lines(chars: list[pdfpage.Char]) -> int:
    """How many lines ``chars`` make: runs of overlapping vertical extents."""
    count, bottom = 0, -1.0
    for char in sorted(chars, key=lambda c: c.top):
        if char.top >= bottom - 0.5:
            count += 1
        bottom = max(bottom, char.bottom) if char.top < bottom - 0.5 else char.bottom
    return count


def page_facts(path: Path) -> list[PageFacts]:
    facts = []
    for page in pdfpage.read(path):
        top, bottom = TOP_MARGIN_MM * MM, page.height - BOTTOM_MARGIN_MM * MM
        inside = [o for o in (*page.chars, *page.drawn)
                  if o.top >= top - 1 and o.bottom <= bottom + 1]
        lowest = max((o.bottom for o in inside), default=top)
        # The running heads are 7.5 pt; the banners (9 pt) sit beyond them.
        small = [c for c in page.chars if c.size < 8.5 and c.text.strip()]
        facts.append(PageFacts(
            fill=(lowest - top) / (bottom - top),
            head_lines=_lines([c for c in small if c.bottom < top]),
            foot_lines=_lines([c for c in small if c.top > bottom]),
            first_line=next((line.strip() for line in page.lines_between(top - 1, bottom + 1)
                             if line.strip()), "")))
    return facts


#: The back page's headings (handling instructions, or contact when a brief has none).
BACK_HEADINGS = ("handling_instructions", "contact")
#: brief.css: the back page's margin above it when it follows the text, and its padding
#: below it (the room of a visible signature field)
BACK_GAP_MM = 16 + 22


def sparse_pages(facts: list[PageFacts], edition: Edition) -> list[tuple[int, float]]:
    """Pages (1-based) less than ``MIN_FILL`` full that end no part: neither the last
    page nor the page before one whose text starts with a part's heading; and the page
    before the back page (handling instructions, contact, colophon) whatever its fill,
    when the back page would have fitted in the room left at its foot: the back page
    shares the last page of text when it can."""
    starts = tuple(edition.label(key) for key in PART_HEADINGS)
    back = tuple(edition.label(key) for key in BACK_HEADINGS)
    gap = BACK_GAP_MM / (297 - TOP_MARGIN_MM - BOTTOM_MARGIN_MM)  # of an A4 text area
    found = []
    for number, page in enumerate(facts[:-1], start=1):
        following = facts[number]
        if _starts_part(following.first_line, back) and number == len(facts) - 1:
            if page.fill + gap + following.fill <= 1:
                found.append((number, round(page.fill, 2)))
            continue
        ends_part = _starts_part(following.first_line, starts)
        if page.fill < MIN_FILL and not ends_part:
            found.append((number, round(page.fill, 2)))
    return found


def _starts_part(line: str, headings: tuple[str, ...]) -> bool:
    """Whether a page's first line is one of ``headings``; lines are read left to
    right, so a right-to-left line comes in visual order: reversed, it is tried too."""
    return any(text.strip().startswith(headings) for text in (line, line[::-1]))


def _content(node: Any, page_numbers: dict[int, int], inherited: int | None = None
             ) -> list[tuple[int, int]]:
    """The (page, marked-content id) pairs of a structure element's content."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if not isinstance(node, DictionaryObject):  # an MCID on the inherited page
        return [(inherited, int(node))] if inherited is not None else []
    page = node.get("/Pg")
    here = page_numbers.get(page.idnum, inherited) if page is not None else inherited
    if node.get("/Type") == "/MCR":
        return [(here, int(node["/MCID"]))] if here is not None else []
    kids = node.get("/K")
    if kids is None:
        return []
    found: list[tuple[int, int]] = []
    for kid in kids if isinstance(kids, list) else [kids]:
        found += _content(kid, page_numbers, here)
    return found


@dataclasses.dataclass
class TablePiece:
    """A table's part on one page, as the tagged PDF has it (WeasyPrint tags each
    page's part of a table as a table of its own, with the header repeated)."""

    page: int
    header: str
    rows: int
    top: float  # where its text starts and ends on the page
    bottom: float
    page_top: float  # where the page's text starts and ends
    page_bottom: float


def table_pieces(path: Path) -> list[TablePiece]:
    """Each table's part on each page of a tagged PDF, in order."""
    reader = PdfReader(path)
    page_numbers = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages, 1)}
    pieces: list[tuple[list[tuple[int, int]], list[list[tuple[int, int]]]]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, DictionaryObject):
            return
        if node.get("/S") == "/Table":
            head: list[tuple[int, int]] = []
            rows: list[list[tuple[int, int]]] = []
            for part in _kids(node):
                if part.get("/S") == "/THead":
                    head += _content(part, page_numbers)
                elif part.get("/S") == "/TBody":
                    rows += [_content(row, page_numbers) for row in _kids(part)]
            pieces.append((head, [r for r in rows if r]))
            return
        for kid in _kids(node):
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    found: list[TablePiece] = []
    chars: dict[tuple[int, int], list[pdfpage.Char]] = {}
    extent: dict[int, tuple[float, float]] = {}
    for number, page in enumerate(pdfpage.read(path), 1):
        top, bottom = TOP_MARGIN_MM * MM, page.height - BOTTOM_MARGIN_MM * MM
        body = [c for c in page.chars if top <= c.top and c.bottom <= bottom]
        extent[number] = (min((c.top for c in body), default=top),
                          max((c.bottom for c in body), default=top))
        for char in body:
            if char.mcid is not None:
                chars.setdefault((number, char.mcid), []).append(char)
    for head, rows in pieces:
        spots = [chars.get(key, []) for key in head] + [
            chars.get(key, []) for row in rows for key in row]
        mine = [c for spot in spots for c in spot]
        if not rows or not mine:
            continue
        number = rows[0][0][0]
        found.append(TablePiece(
            number, "".join(c.text for key in head for c in chars.get(key, [])),
            len(rows), min(c.top for c in mine), max(c.bottom for c in mine),
            *extent[number]))
    return found


def _continues(before: TablePiece | None, piece: TablePiece) -> bool:
    """Whether ``piece`` starts its page under the same header as ``before``, which
    ended the page before: the same table, split."""
    return (before is not None and before.page + 1 == piece.page
            and before.header == piece.header
            and abs(before.bottom - before.page_bottom) < 2
            and abs(piece.top - piece.page_top) < 2)


def table_rows_per_page(path: Path) -> list[list[int]]:
    """For each table of a tagged PDF, how many body rows each page it is on holds."""
    found = table_pieces(path)
    tables: list[list[int]] = []
    for index, piece in enumerate(found):
        if _continues(found[index - 1] if index else None, piece):
            tables[-1].append(piece.rows)
        else:
            tables.append([piece.rows])
    return tables


def tables_pushed_over(path: Path, facts: list[PageFacts], edition: Edition
                       ) -> list[tuple[int, float, float]]:
    """Tables that start a page although they would have fitted, with room to spare,
    in the space left empty at the foot of the page before (which ends no part): (page,
    the table's height, the empty space), in mm. A rule that glues a table to what
    follows it (``break-after: avoid``) does this: the table goes over with the next
    card's heading, and leaves a third of a page blank behind it."""
    starts = tuple(edition.label(key) for key in PART_HEADINGS)
    text_area = (297 - TOP_MARGIN_MM - BOTTOM_MARGIN_MM)  # A4
    found = []
    pieces = table_pieces(path)
    for index, piece in enumerate(pieces):
        if (piece.page < 2 or abs(piece.top - piece.page_top) >= 2
                or _continues(pieces[index - 1] if index else None, piece)
                or _starts_part(facts[piece.page - 1].first_line, starts)):
            continue
        height = (piece.bottom - piece.top) / MM
        room = (1 - facts[piece.page - 2].fill) * text_area
        if height + 15 < room:  # 15 mm: the table's margins, a card's padding and rule
            found.append((piece.page, round(height), round(room)))
    return found


def _kids(node: DictionaryObject) -> list[DictionaryObject]:
    kids = node.get("/K")
    if kids is None:
        return []
    found = [k.get_object() for k in (kids if isinstance(kids, list) else [kids])
             if hasattr(k, "get_object")]
    return [k for k in found if isinstance(k, DictionaryObject)]


def body_line_lengths(path: Path) -> list[int]:
    """Characters on each full line of body text (the serif at 10 pt and more): lines
    at least 85 % of the 36 em measure wide, so last lines of paragraphs are left out."""
    lengths = []
    for page in pdfpage.read(path):
        lines: dict[int, list[pdfpage.Char]] = {}
        for char in page.chars:
            if "Serif" in char.fontname and char.size >= 10:
                lines.setdefault(round(char.top), []).append(char)
        for chars in lines.values():
            chars = sorted(chars, key=lambda c: c.x0)
            if chars[-1].x1 - chars[0].x0 >= 0.85 * 36 * chars[0].size:
                lengths.append(len(chars))
    return lengths


REPO = Path(__file__).resolve().parent.parent
LONG_TITLE = ("Defence, security and resilience cooperation between the Republic and its "
              "partner states, alliances and regional organisations, 2021 to 2026")
LONG_PARTNERS = "".join(
    f"- code: L{chr(65 + i)}\n  name: United Federal Commonwealth of the Northern Maritime "
    f"Provinces and Territories {i}\n  kind: state\n  region: North\n  since: {2000 + i}\n"
    for i in range(6))
YEARS = ", ".join(f"{2020 + y}: {{m}}{y}" for y in range(6))
SENTENCE = ("Joint teams from both administrations share facilities, plans and data, and "
            "report every quarter to a steering board chaired in turn by each partner. ")


def long_project(root: Path) -> Path:
    """A project with a long title, long partner and audience names and 30
    collaborations of every size: one to four summary paragraphs, one to seven
    benefits, no metrics, one metric, or five metrics over six years."""
    from .projects import BRIEFING, PARTNERS, write_project

    files: dict[str, str | bytes | None] = {
        "content/briefing.yaml": BRIEFING.replace(
            "title: Benefits of cross-border defence collaboration", f"title: {LONG_TITLE}"),
        "content/partners.yaml": PARTNERS + LONG_PARTNERS,
        "templates/audiences/minister.yaml": (
            "title: Minister of State for Defence Procurement, Partnerships and Regional "
            "Security Cooperation\nclearance: SECRET\nlength: full\n"),
        "templates/audiences/norvia.yaml": None,
    }
    categories = ("security", "diplomatic", "economic", "technological", "humanitarian")
    for i in range(30):
        partners = ", ".join(f"L{chr(65 + (i + k) % 6)}" for k in range(1 + i % 3))
        summary = "\n\n".join(SENTENCE * (1 + (i + k) % 3) for k in range(1 + i % 4))
        benefits = "".join(f"  - category: {categories[(i + k) % 5]}\n"
                           f"    text: {SENTENCE.strip()} ({k + 1}).\n"
                           for k in range(1 + i % 7))
        metrics = ""
        if i % 3:
            metrics = "metrics:\n" + "".join(
                f"  - label: Measure {m + 1} of the programme's progress\n"
                f"    unit: km\n    values: {{{YEARS.format(m=m)}}}\n"
                for m in range(1 if i % 3 == 1 else 5))
        files[f"content/collaborations/c{i:02d}.yaml"] = (
            f"title: Long-term multinational programme {i + 1} on integrated border "
            f"surveillance, maritime awareness and disaster relief logistics\n"
            f"kind: border-security\npartners: [{partners}]\nstatus: active\n"
            f"since: {2000 + i}\nsummary: |\n  " + summary.replace("\n", "\n  ") + "\n"
            f"benefits:\n{benefits}{metrics}sources: [Programme report {i + 1}]\n")
    return write_project(root, files)


#: The default project's audiences whose briefs the page-flow tests read: the longest
#: brief, a second theme and length, a right-to-left one and the shortest.
DEFAULT_FLOWED = tuple((name, REPO) for name in (
    "minister", "committee", "delegation-zahran", "press"))
FLOWED = [*(name for name, _ in DEFAULT_FLOWED), "long"]


@pytest.fixture(scope="module")
def flowed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Edition]]:
    """The default project's briefs for the minister, the committee and the Arabic
    delegation, and the long project's brief, built once."""
    from generator.content import load_project
    from generator.tailor import tailor

    root = tmp_path_factory.mktemp("flow")
    out = {}
    for name, project in ((*DEFAULT_FLOWED, ("long", long_project(root / "long")))):
        audience = "minister" if name == "long" else name
        edition = tailor(load_project(project), audience).edition.shown_in("pdf")
        path = root / f"{name}.pdf"
        path.write_bytes(render_brief(edition, resolve_templates(project, audience)))
        out[name] = (path, edition)
    return out


def test_the_page_flow_readers_see_a_wrapped_header_and_a_page_left_empty(
        tmp_path: Path) -> None:
    """The checks below can fail: a stylesheet that lets the running title wrap and puts
    each collaboration on a page of its own is caught by them."""
    override = tmp_path / "brief"
    override.mkdir()
    css = (Path(BUILTIN) / "brief.css").read_text(encoding="utf-8")
    (override / "brief.css").write_text(
        css + "@page { @top-left { white-space: normal; width: 20mm !important } }\n"
        ".card { break-after: page }\n",
        encoding="utf-8")
    edition = sample_edition(content_dir(tmp_path))
    edition = dataclasses.replace(edition, title=LONG_TITLE)
    path = tmp_path / "brief.pdf"
    path.write_bytes(render_brief(edition, builtin_set(tmp_path, override)))
    facts = page_facts(path)
    assert any(f.head_lines > 1 for f in facts[1:])
    assert sparse_pages(facts, edition)


@pytest.mark.parametrize("name", FLOWED)
def test_no_page_is_mostly_empty_unless_it_ends_a_part(
        flowed: dict[str, tuple[Path, Edition]], name: str) -> None:
    path, edition = flowed[name]
    facts = page_facts(path)
    assert len(facts) > 4
    assert sparse_pages(facts, edition) == []


@pytest.mark.parametrize("name", FLOWED)
def test_no_table_starts_a_page_it_could_have_ended(
        flowed: dict[str, tuple[Path, Edition]], name: str) -> None:
    path, edition = flowed[name]
    assert tables_pushed_over(path, page_facts(path), edition) == []


@pytest.mark.parametrize("name", FLOWED)
def test_running_header_and_footer_are_one_line_each(
        flowed: dict[str, tuple[Path, Edition]], name: str) -> None:
    facts = page_facts(flowed[name][0])
    inner = facts[1:]  # the cover has no running heads
    assert [(f.head_lines, f.foot_lines) for f in inner] == [(1, 1)] * len(inner)


@pytest.mark.parametrize("name", ["minister", "long"])
def test_no_table_leaves_a_single_row_on_a_page(
        flowed: dict[str, tuple[Path, Edition]], name: str) -> None:
    tables = table_rows_per_page(flowed[name][0])
    assert len(tables) >= 10
    assert any(len(rows) > 1 for rows in tables) or name == "minister"
    assert [rows for rows in tables if len(rows) > 1 and 1 in rows] == []
    # Tables of up to nine rows are never split.
    assert [rows for rows in tables if sum(rows) <= 9 and len(rows) > 1] == []


def test_body_text_runs_65_to_80_characters_a_line(
        flowed: dict[str, tuple[Path, Edition]]) -> None:
    lengths = sorted(body_line_lengths(flowed["minister"][0]))
    assert len(lengths) > 50
    median = lengths[len(lengths) // 2]
    assert 65 <= median <= 80
    assert lengths[int(len(lengths) * 0.95)] <= 85


def short_lone_words(path: Path) -> list[tuple[int, str]]:
    """The last lines of paragraphs of body text (the serif at 10 pt and more) that hold
    one short word or the end of a hyphenated one alone: (page, word). A last line is
    one set at the line pitch (1.45 em) below a line of the same paragraph; a paragraph
    of one word ("More.") is not one."""
    found = []
    for number, page in enumerate(pdfpage.read(path), start=1):
        lines: dict[float, list[str]] = {}
        size = 10.5
        for word in page.words():
            if "Serif" in word.fontname and word.size >= 10:
                lines.setdefault(round(word.top, 1), []).append(word.text)
                size = word.size
        tops = sorted(lines)
        for above, top in itertools.pairwise(tops):
            words = lines[top]
            if (len(words) == 1 and len(words[0]) <= 15 and top - above < 1.75 * size
                    and any(c.isalpha() for c in words[0])):
                found.append((number, words[0]))
    return found


@pytest.mark.parametrize("name", FLOWED)
def test_no_paragraph_ends_in_a_word_alone_or_part_of_one(
        flowed: dict[str, tuple[Path, Edition]], name: str) -> None:
    assert short_lone_words(flowed[name][0]) == []


def test_addresses_are_never_hyphenated(tmp_path: Path) -> None:
    edition = with_body(sample_edition(content_dir(tmp_path), length="summary"),
                        "Write to partnerships@didc.example.")
    html = render_html(edition, builtin_set(), for_print=True)
    assert '<span class="nohy">partnerships@didc.example</span>.' in html


def test_a_long_running_title_is_shortened_with_an_ellipsis(
        flowed: dict[str, tuple[Path, Edition]]) -> None:
    path, edition = flowed["long"]
    header = next(line for line in pdftotext_page(path, 3) if edition.reference in line)
    assert "…" in header
    assert edition.title.split()[0] in header


def test_names_are_never_hyphenated_and_numbers_keep_their_units(tmp_path: Path) -> None:
    from generator.render.typeset import NBSP

    edition = sample_edition(content_dir(tmp_path), length="summary")
    home = edition.home_name.split()[-1]
    html = render_html(with_summary(edition, f"The {home}an fleet sailed 212 km for "
                                             "VCR 46 million."), builtin_set(), for_print=True)
    assert f'<span class="nohy">{home}an</span>' in html
    assert f"212{NBSP}km" in html and f"VCR{NBSP}46{NBSP}million" in html
    css = (Path(BUILTIN) / "brief.css").read_text(encoding="utf-8")
    assert re.search(r"\.nohy,[^{]*strong,[^{]*\.key-messages li[^{]*\{\s*hyphens: manual", css)


def test_quotes_and_apostrophes_are_typographic_but_code_is_not(tmp_path: Path) -> None:
    edition = with_body(sample_edition(content_dir(tmp_path), length="summary"),
                        "The partners' view of \"shared risk\" is Norvia's, not 'ours'; "
                        "set `mode=\"strict\"` to keep it.")
    text = " ".join(" ".join(pages_text(render_brief(edition, builtin_set()))).split())
    assert "partners’ view of “shared risk” is Norvia’s, not ‘ours’;" in text
    assert 'mode="strict"' in text
    assert "'" not in text.replace('mode="strict"', "")


def test_a_quote_after_code_closes() -> None:
    from generator.render.typeset import smart_quotes

    assert smart_quotes('<p>"run <code>ls -l</code>" first</p>') == \
        "<p>“run <code>ls -l</code>” first</p>"


def test_a_full_brief_with_no_sources_has_no_annex(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path))
    assert any(c.sources for c in edition.collaborations)
    annex = f"{edition.label('annex')}: {edition.label('sources')}"
    assert annex in render_html(edition, builtin_set(), for_print=True)
    bare = dataclasses.replace(edition, collaborations=tuple(
        dataclasses.replace(c, sources=()) for c in edition.collaborations))
    html = render_html(bare, builtin_set(), for_print=True)
    assert annex not in html and 'href="#annex"' not in html
    # the Word brief follows the same parts (edition.brief_parts), not a page saying "None"
    import docx

    from generator.render.docx import render_docx

    def headings(e: Edition) -> list[str]:
        document = docx.Document(io.BytesIO(render_docx(e, builtin_set())))
        return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]

    assert annex in headings(edition) and annex not in headings(bare)


def test_handling_boilerplate_fits_the_marking_level(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary")
    boilerplate = edition.label("default_handling")
    public = dataclasses.replace(edition, handling=boilerplate,
                                 banner_mark=Mark(edition.levels[0], 0))
    marked = dataclasses.replace(edition, handling=boilerplate,
                                 banner_mark=Mark(edition.levels[1], 1))
    own = dataclasses.replace(public, handling="Our own words: do not copy.")
    assert "Do not copy" not in render_html(public, builtin_set(), for_print=True)
    assert "Do not copy" in render_html(marked, builtin_set(), for_print=True)
    own_html = render_html(own, builtin_set(), for_print=True)
    assert "Our own words: do not copy." in re.sub(r"<[^>]+>", "", own_html)


def test_the_cover_title_never_leaves_one_word_alone(tmp_path: Path) -> None:
    edition = sample_edition(content_dir(tmp_path), length="summary")
    html = render_html(edition, builtin_set(), for_print=True)
    words = edition.title.split()
    assert f'<span class="nowrap">{words[-2]} {words[-1]}</span></h1>' in html
