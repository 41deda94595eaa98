"""brief.html in a real browser: Debian's Chromium driven by Playwright for Python.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (or whatever
``chromium`` is on the PATH) through ``executable_path``. Without Chromium or Playwright
the tests skip, except on CI (``CI`` set), where they fail (tests/conftest.py).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.edition import Edition
from generator.render.brief import brief_html
from generator.verify import check_html

from .conftest import require_tool
from .factories import sample_edition
from .test_brief import builtin_set, content_dir, long_project, with_body

WIDTHS = (360, 390, 768, 1440)

#: Every element that reaches beyond the window's width, outside a box that scrolls
#: (a wide table scrolls inside its own box: that is not clipping), and how wide the
#: page itself is.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  const wide = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > width + 0.5 || r.left < -0.5) && !scrolls(e))
      wide.push(`${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const clipped = [...document.querySelectorAll("table")].filter(t =>
    t.scrollWidth > t.clientWidth + 1 && getComputedStyle(t).overflowX !== "auto");
  return {width, page: document.documentElement.scrollWidth, wide,
          clipped: clipped.length};
}"""

#: Which banner, if any, the reader sees at the very top and bottom of the window: the
#: text of the .banner element under those points, when it is drawn and opaque.
BANNERS_JS = """() => {
  const seen = (y) => {
    const e = document.elementFromPoint(document.documentElement.clientWidth / 2, y);
    const banner = e && e.closest(".banner");
    if (!banner) return "";
    const s = getComputedStyle(banner);
    if (s.visibility !== "visible" || parseFloat(s.opacity) < 1) return "";
    return banner.innerText.trim();
  };
  return [seen(2), seen(window.innerHeight - 2)];
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_tool("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is required on CI but is not installed", pytrace=False)
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()


def open_page(browser: Any, html: bytes, path: Path, width: int, height: int = 844) -> Any:
    path.write_bytes(html)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(path.as_uri())
    return page


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Edition, bytes]]:
    """The sample brief.html at full length, and the long project's (wide tables, long
    names and titles)."""
    from generator.content import load_project
    from generator.tailor import tailor
    from generator.templates import resolve_templates

    root = tmp_path_factory.mktemp("html")
    sample = sample_edition(content_dir(root / "sample"), length="full")
    project = long_project(root / "long")
    long = tailor(load_project(project), "minister").edition.shown_in("html")
    return {"sample": (sample, brief_html(sample, builtin_set())),
            "long": (long, brief_html(long, resolve_templates(project, "minister")))}


@pytest.mark.parametrize("name", ["sample", "long"])
def test_no_element_is_wider_than_the_window_from_360_px_up(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path,
        name: str) -> None:
    for width in WIDTHS:
        page = open_page(browser, pages[name][1], tmp_path / f"{width}.html", width)
        found = page.evaluate(OVERFLOW_JS)
        page.close()
        assert found["width"] == width
        assert found["page"] == width, (width, found["wide"][:5])
        assert found["wide"] == [], width
        assert found["clipped"] == 0, width


def test_a_wide_table_scrolls_inside_its_box_on_a_phone(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path) -> None:
    page = open_page(browser, pages["long"][1], tmp_path / "phone.html", 390)
    # each table's box (the table itself when it has none): its content's width, its
    # own, and whether it scrolls
    widths = page.evaluate("""() => [...document.querySelectorAll("table")].map(t => {
        const box = t.parentElement.classList.contains("table-box") ? t.parentElement : t;
        return [box.scrollWidth, box.clientWidth, getComputedStyle(box).overflowX];
    })""")
    page.close()
    wide = [w for w in widths if w[0] > w[1] + 1]
    assert wide, "the long project has tables wider than a phone"
    assert all(overflow == "auto" for _, _, overflow in wide)


def test_images_and_charts_scale_to_the_window(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path) -> None:
    page = open_page(browser, pages["sample"][1], tmp_path / "images.html", 360)
    sizes = page.evaluate("""() => [...document.querySelectorAll("img, svg")].map(e =>
        e.getBoundingClientRect().right)""")
    page.close()
    assert sizes and max(sizes) <= 360


def test_printing_the_page_repeats_the_banners_on_every_sheet(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path) -> None:
    import pdfplumber

    edition, html = pages["sample"]
    page = open_page(browser, html, tmp_path / "print.html", 1024)
    pdf = page.pdf(format="A4", print_background=True)
    page.close()
    with pdfplumber.open(io.BytesIO(pdf)) as printed:
        assert len(printed.pages) >= 3
        for sheet in printed.pages:
            # The banner's words at the top and bottom of each sheet, inside its margins (the
            # page's own @page rules add the running title and page number beside).
            spots = [w for w in sheet.extract_words() if w["text"] == edition.banner]
            assert any(w["bottom"] < sheet.height * 0.15 for w in spots)
            assert any(w["top"] > sheet.height * 0.85 for w in spots)


BENIGN = ".banner { background: #fdf6e3; color: #1a1a1a; letter-spacing: 0.1em; }\n" \
         "h2 { color: #444; }\n"
HOSTILE = {
    "hidden": ".banner-bottom { display: none; }\n",
    "unpinned": ".banner-bottom { position: static; }\n",
    "faint": ".banner { color: #f4f4f4; background: #ffffff; }\n",
}


def styled(edition: Edition, root: Path, css: str) -> bytes:
    folder = root / "audience-brief"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "brief.css").write_text(css, encoding="utf-8")
    return brief_html(edition, builtin_set(None, folder))


def test_a_benign_audience_stylesheet_passes_the_gate_and_shows_both_banners(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path) -> None:
    edition = pages["sample"][0]
    html = styled(edition, tmp_path, BENIGN)
    assert check_html(html, edition, "brief.html") == []
    for width in (390, 1280):
        page = open_page(browser, html, tmp_path / f"benign-{width}.html", width)
        assert page.evaluate(BANNERS_JS) == [edition.banner, edition.banner]
        page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
        assert page.evaluate(BANNERS_JS) == [edition.banner, edition.banner]
        page.close()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_audience_stylesheet_is_refused_and_chromium_agrees(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], tmp_path: Path,
        kind: str) -> None:
    edition = pages["sample"][0]
    html = styled(edition, tmp_path, HOSTILE[kind])
    findings = check_html(html, edition, "brief.html")
    assert findings and all("banner" in f for f in findings)
    page = open_page(browser, html, tmp_path / f"{kind}.html", 390)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    _top, bottom = page.evaluate(BANNERS_JS)
    if kind == "faint":  # drawn, but white on white: the pixels inside its rules tell
        box = page.evaluate("""() => {
          const b = document.querySelector(".banner-bottom"), s = getComputedStyle(b);
          const r = b.getBoundingClientRect(), top = parseFloat(s.borderTopWidth);
          return {x: r.left, y: r.top + top + 1, width: r.width,
                  height: r.height - top - parseFloat(s.borderBottomWidth) - 2};
        }""")
        assert _darkest(page.screenshot(clip=box)) > 200
    else:
        assert bottom == ""
    page.close()


def _darkest(png: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        low, _ = image.convert("L").getextrema()
    return int(low)


#: Each table's width (its rows') and its text column's (the content box of what holds
#: it, the scrolling box aside), and how many lines its longest row label takes.
TABLES_JS = """() => [...document.querySelectorAll("table")].map(t => {
  let holder = t.parentElement;
  if (holder.classList.contains("table-box")) holder = holder.parentElement;
  const s = getComputedStyle(holder);
  const column = holder.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  const lines = [...t.querySelectorAll("tbody th[scope=row]")].map(th => {
    // the label's line boxes: its text's and images' boxes, those whose tops lie within
    // half a line of each other on one line
    const range = document.createRange();
    range.selectNodeContents(th);
    const half = parseFloat(getComputedStyle(th).lineHeight) / 2;
    let count = 0, last = -Infinity;
    for (const top of [...range.getClientRects()].map(r => r.top).sort((a, b) => a - b)) {
      if (top > last + half) { count += 1; last = top; }
    }
    return count;
  });
  // the rows' width, what a reader sees (a table element may be wider than its rows)
  const rows = [...t.rows].map(r => r.getBoundingClientRect());
  const width = Math.max(...rows.map(r => r.right)) - Math.min(...rows.map(r => r.left));
  return {table: t.className, width, column,
          lines: Math.max(0, ...lines)};
})"""


@pytest.fixture(scope="module")
def minister_page(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The default project's brief.html for the minister (partners, metrics, benefits)."""
    from generator.content import load_project
    from generator.tailor import tailor
    from generator.templates import resolve_templates

    repo = Path(__file__).resolve().parent.parent
    edition = tailor(load_project(repo), "minister").edition.shown_in("html")
    return brief_html(edition, resolve_templates(repo, "minister"))


@pytest.mark.parametrize("name", ["short", "minister"])
def test_tables_take_the_text_column_on_a_wide_screen(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], minister_page: bytes,
        tmp_path: Path, name: str) -> None:
    html = minister_page
    if name == "short":  # the sample's tables and a Markdown table of two short columns
        edition = with_body(pages["sample"][0], "| Year | Sites |\n|---|---:|\n| 2025 | 3 |\n")
        html = brief_html(edition, builtin_set())
    page = open_page(browser, html, tmp_path / "wide.html", 1200)
    tables = page.evaluate(TABLES_JS)
    page.close()
    assert len(tables) >= 3
    assert [t for t in tables if abs(t["width"] - t["column"]) > 1] == []


@pytest.mark.parametrize("name", ["sample", "minister"])
def test_row_labels_take_at_most_two_lines_on_a_phone(
        browser: Any, pages: dict[str, tuple[Edition, bytes]], minister_page: bytes,
        tmp_path: Path, name: str) -> None:
    html = minister_page if name == "minister" else pages[name][1]
    page = open_page(browser, html, tmp_path / "phone.html", 390)
    tables = page.evaluate(TABLES_JS)
    first_column = page.evaluate("""() => [...document.querySelectorAll("table")]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1 ||
                     t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => getComputedStyle(t.querySelector("tbody tr > :first-child")).position)""")
    page.close()
    assert max(t["lines"] for t in tables) >= 1
    assert [t for t in tables if t["lines"] > 2] == []
    # A table that scrolls keeps its first column in view.
    assert set(first_column) <= {"sticky"}
