"""The fonts embedded in brief.html: cut to the page's characters by HarfBuzz, as WOFF."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from fontTools.ttLib import TTFont

from generator.render import brief
from generator.render.brief import _font_chars, _subset_font, brief_html
from generator.templates import TemplateSet, builtin_templates

from .factories import sample_edition

FONTS = Path(brief.__file__).parent.parent / "fonts"
ARABIC = "التعاون الدفاعي مع الدول الشريكة"


def _features(font: TTFont) -> set[str]:
    return {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}


def test_subset_keeps_the_characters_the_features_and_the_notices() -> None:
    source = FONTS / "NotoSansArabic-Regular.ttf"
    chars = _font_chars(ARABIC)
    brief._subset_bytes.cache_clear()
    data = _subset_font(source, 1, 2, chars)
    font = TTFont(io.BytesIO(data))
    original = TTFont(source)
    assert font.flavor == "woff"
    cmap = font.getBestCmap()
    assert {ord(c) for c in ARABIC if ord(c) in original.getBestCmap()} <= set(cmap)
    assert len(cmap) < len(original.getBestCmap()) / 4  # cut down
    # Arabic joins: the positional forms and required ligatures are kept
    assert {"init", "medi", "fina", "rlig"} <= _features(font)
    names = {(n.nameID, n.toUnicode()) for n in font["name"].names}
    assert {(0, n.toUnicode()) for n in original["name"].names if n.nameID == 0} <= names
    assert any(n.nameID == 13 for n in font["name"].names)  # the licence
    # every table the WOFF holds decodes (checksums and lengths are right)
    font.saveXML(io.StringIO())
    # deterministic, and the second time from the cache
    brief._subset_bytes.cache_clear()
    again = _subset_font(source, 1, 2, chars)
    assert again == data
    assert _subset_font(source, 1, 2, chars) is again  # the cached object, not a new subset


def test_page_fonts_cover_the_page(tmp_path: Path) -> None:
    edition = sample_edition(tmp_path)
    templates = TemplateSet((str(builtin_templates() / "brief"),), "/nonexistent/master.pptx",
                            (), "")
    brief._subset_bytes.cache_clear()
    page = brief_html(edition, templates).decode("utf-8")
    assert brief_html(edition, templates).decode("utf-8") == page
    fonts = [TTFont(io.BytesIO(base64.b64decode(m)))
             for m in re.findall(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", page)]
    assert len(fonts) >= 4
    text = re.sub(r"<[^>]+>", " ", page.split("</style>")[-1])
    letters = {ord(c) for c in text if c.isalpha() and ord(c) < 0x250}
    for font in fonts:
        if 0x41 in font.getBestCmap():  # a Latin font: has every letter on the page
            assert letters <= set(font.getBestCmap())
