"""Charts: one spec → an accessible, deterministic SVG and a native PowerPoint chart."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from generator.edition import Chart, Series, Theme
from generator.errors import RenderError
from generator.render.charts import (
    CHART_TYPES,
    MIN_DELTA_E,
    MIN_DELTA_L,
    MISSING,
    PLAIN_SERIES,
    _number,
    add_native_chart,
    colour_distances,
    metric_label,
    palette,
    render_svg,
    stack_totals,
    theme_colour_problems,
    value_scale,
)
from tests.factories import sample_edition

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</title><script>alert(1)</script>"
NATIVE_TYPES = {
    "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "stacked-bar": XL_CHART_TYPE.COLUMN_STACKED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "pie": XL_CHART_TYPE.PIE,
}


def sample_chart(type_: str = "bar", **overrides: object) -> Chart:
    chart = sample_edition().charts[0]
    return dataclasses.replace(chart, type=type_, **overrides)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def all_text(root: ET.Element) -> str:
    return " ".join(root.itertext())


# --------------------------------------------------------------------------- palette


def test_palette_starts_with_the_theme_colours() -> None:
    theme = Theme(primary="#123456", accent="#C8A951")
    assert palette(theme, 2) == ["#123456", "#c8a951"]
    assert palette(theme, 1) == ["#123456"]
    assert palette(theme, 0) == []


def test_palette_is_deterministic_distinct_and_hex() -> None:
    theme = Theme()
    colours = palette(theme, 14)
    assert colours == palette(theme, 14)
    assert len(colours) == 14
    assert len(set(colours)) == 14
    assert all(len(c) == 7 and c.startswith("#") and int(c[1:], 16) >= 0 for c in colours)
    assert palette(theme, 3) == colours[:3]


def test_palette_copes_with_equal_and_pale_theme_colours() -> None:
    same = palette(Theme(primary="#0b3d2e", accent="#0b3d2e"), 3)
    assert len(set(same)) == 3
    pale = palette(Theme(primary="#ffffff", accent="#fffff0"), 2)
    assert all(c not in ("#ffffff", "#fffff0") for c in pale)  # visible on paper


def test_palette_refuses_a_colour_that_is_not_hex() -> None:
    with pytest.raises(RenderError, match="not a hex colour"):
        palette(Theme(primary="green"), 2)


# --------------------------------------------------------------------------- SVG


@pytest.mark.parametrize("type_", CHART_TYPES)
def test_svg_is_valid_inlinable_and_accessible(type_: str) -> None:
    chart = sample_chart(type_)
    svg = render_svg(chart, Theme())
    assert svg.startswith("<svg")  # no XML prolog or DOCTYPE: it inlines in HTML
    assert "<!DOCTYPE" not in svg and "<?xml" not in svg
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == f"{chart.title}: {chart.description}"
    assert root.get("viewBox")
    assert root.get("width", "").endswith("pt")
    assert root[0].tag == f"{SVG}title" and root[0].text == chart.title
    assert root[1].tag == f"{SVG}desc" and root[1].text == chart.description


@pytest.mark.parametrize("type_", CHART_TYPES)
def test_svg_is_byte_identical_across_calls(type_: str) -> None:
    chart = sample_chart(type_)
    assert render_svg(chart, Theme()) == render_svg(chart, Theme())
    assert render_svg(chart, Theme(), rtl=True) == render_svg(chart, Theme(), rtl=True)


@pytest.mark.parametrize("type_", ["bar", "stacked-bar", "line"])
def test_svg_shows_every_category_and_series_as_text(type_: str) -> None:
    chart = sample_chart(type_)
    text = all_text(parse(render_svg(chart, Theme())))
    for label in (*chart.categories, *(s.name for s in chart.series), chart.unit):
        assert label in text


def test_svg_pie_shows_categories_and_percentages() -> None:
    chart = sample_chart("pie", categories=("Training", "Intelligence", "Border"),
                         series=(Series("Share", (50.0, 30.0, 20.0)),))
    text = all_text(parse(render_svg(chart, Theme())))
    for label in ("Training", "Intelligence", "Border", "50%", "30%", "20%"):
        assert label in text


def test_svg_pie_of_one_category_shows_series_totals() -> None:
    chart = sample_chart("pie", categories=("2024",),
                         series=(Series("NRV", (3.0,)), Series("ALT", (1.0,))))
    text = all_text(parse(render_svg(chart, Theme())))
    assert "NRV" in text and "ALT" in text and "75%" in text and "25%" in text


@pytest.mark.parametrize("type_", CHART_TYPES)
def test_svg_escapes_hostile_text(type_: str) -> None:
    chart = sample_chart(type_, title=HOSTILE, description=f'a "quoted" {HOSTILE} & more',
                         categories=("2022", HOSTILE, "<b>2024</b>"), unit=HOSTILE,
                         series=(Series(HOSTILE, (1.0, 2.0, 3.0)),
                                 Series("ALT", (2.0, 3.0, 5.0))))
    svg = render_svg(chart, Theme())
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
    assert not list(root.iter(f"{SVG}b"))
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert HOSTILE in root.get("aria-label", "")
    assert "<script>" not in svg


def test_svg_survives_dollars_and_control_characters() -> None:
    # "$" pairs would be mathtext; control characters are not allowed in XML.
    chart = sample_chart(title="Budget $5m to $10m\x0b", unit="$ million",
                         categories=("$5m", "2023\x00", "$10m"))
    root = parse(render_svg(chart, Theme()))
    text = all_text(root)
    assert "$5m" in text and "$10m" in text and "$ million" in text
    assert root.find(f"{SVG}title").text == "Budget $5m to $10m"  # type: ignore[union-attr]


def test_svg_uses_the_theme_palette_and_font_stack() -> None:
    theme = Theme(primary="#123456", accent="#abcdef")
    svg = render_svg(sample_chart("bar"), theme)
    assert "#123456" in svg and "#abcdef" in svg
    assert "font-family: 'Noto Sans'" in svg and "sans-serif" in svg


def test_svg_has_no_scientific_notation_and_groups_thousands() -> None:
    chart = sample_chart("bar", series=(Series("NRV", (1_200_000.0, 2_500_000.0, 900_000.0)),))
    text = all_text(parse(render_svg(chart, Theme())))
    assert "1e6" not in text and "×10" not in text
    assert "2,000,000" in text or "1,000,000" in text


def test_svg_ids_are_unique_per_chart_and_references_resolve() -> None:
    one = render_svg(sample_chart("line", id="one"), Theme())
    two = render_svg(sample_chart("line", id="two"), Theme())
    ids_one = {e.get("id") for e in parse(one).iter() if e.get("id")}
    ids_two = {e.get("id") for e in parse(two).iter() if e.get("id")}
    assert ids_one and not ids_one & ids_two
    for svg, ids in ((one, ids_one), (two, ids_two)):
        for element in parse(svg).iter():
            for value in element.attrib.values():
                if value.startswith("url(#"):
                    assert value[5:-1] in ids
            href = element.get("{http://www.w3.org/1999/xlink}href")
            if href:
                assert href[1:] in ids


def test_svg_size_is_as_asked() -> None:
    root = parse(render_svg(sample_chart(), Theme(), width_in=5, height_in=2.5))
    assert root.get("width") == "360pt" and root.get("height") == "180pt"


def test_svg_rtl_mirrors_the_chart() -> None:
    chart = sample_chart("bar")
    ltr, rtl = render_svg(chart, Theme()), render_svg(chart, Theme(), rtl=True)
    assert ltr != rtl

    def x_of(svg: str, label: str) -> float:
        for element in parse(svg).iter(f"{SVG}text"):
            if element.text == label:
                return float(element.get("x", "nan"))
        raise AssertionError(label)

    assert x_of(ltr, "2022") < x_of(ltr, "2024")
    assert x_of(rtl, "2022") > x_of(rtl, "2024")  # the first category on the right


def test_svg_arabic_text_is_shaped_as_outlines_and_kept_as_comments() -> None:
    chart = sample_chart("bar", title="التدريب المشترك", description="وصف",
                         categories=("٢٠٢٢", "التدريب المشترك", "أمن الحدود"),
                         series=(Series("نورفيا", (4.0, 6.0, 9.0)),), unit="تمارين")
    svg = render_svg(chart, Theme(), rtl=True, language="ar")
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "التدريب المشترك"  # type: ignore[union-attr]
    assert not list(root.iter(f"{SVG}text"))  # WeasyPrint cannot shape SVG text
    for label in chart.categories:
        assert f"<!-- {label} -->" in svg
    assert svg == render_svg(chart, Theme(), rtl=True, language="ar")


def test_svg_wraps_long_category_labels() -> None:
    categories = ("Northern border patrols", "Maritime surveillance operations",
                  "Cyber defence exercises")
    chart = sample_chart("bar", categories=categories)
    lines = [e.text for e in parse(render_svg(chart, Theme())).iter(f"{SVG}text")]
    assert "Maritime surveillance" in lines and "operations" in lines


def test_svg_handles_negative_values_and_many_categories() -> None:
    categories = tuple(f"Month {i}" for i in range(30))
    values = tuple(float((i % 7) - 3) for i in range(30))
    for type_ in ("bar", "stacked-bar", "line"):
        chart = sample_chart(type_, categories=categories,
                             series=(Series("A", values), Series("B", values[::-1])))
        text = all_text(parse(render_svg(chart, Theme())))
        assert "-2" in text and "Month 0" in text


def test_svg_is_the_same_from_threads() -> None:
    charts = [sample_chart(t) for t in CHART_TYPES] * 3
    expected = [render_svg(c, Theme()) for c in charts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda c: render_svg(c, Theme()), charts)) == expected


def test_svg_ignores_global_matplotlib_settings() -> None:
    import matplotlib

    chart = sample_chart("line")
    before = render_svg(chart, Theme())
    with matplotlib.rc_context({"lines.linewidth": 9, "font.size": 30, "axes.grid": False}):
        assert render_svg(chart, Theme()) == before
    assert matplotlib.rcParams["svg.fonttype"] == matplotlib.rcParamsDefault["svg.fonttype"]


def test_importing_charts_imports_neither_matplotlib_nor_pptx() -> None:
    code = ("import sys, generator.render.charts; "
            "print('matplotlib' in sys.modules, 'pptx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("overrides, message", [
    ({"type": "radar"}, "unknown type"),
    ({"categories": ()}, "no categories"),
    ({"series": ()}, "no series"),
    ({"series": (Series("NRV", (1.0,)),)}, "has 1 values for 3 categories"),
    ({"type": "pie", "series": (Series("NRV", (1.0, -2.0, 3.0)),)}, "negative"),
    ({"type": "pie", "series": (Series("NRV", (0.0, 0.0, 0.0)),)}, "more than 0"),
    ({"series": (Series("NRV", (1.0, float("inf"), 3.0)),)}, "infinite"),
])
def test_a_chart_no_renderer_can_draw_is_refused(overrides: dict[str, object],
                                                 message: str) -> None:
    chart = dataclasses.replace(sample_chart(), **overrides)  # type: ignore[arg-type]
    with pytest.raises(RenderError, match=message):
        render_svg(chart, Theme())
    with pytest.raises(RenderError, match=message):
        add_native_chart(None, chart, 0, 0, 1, 1, Theme())


def test_missing_values_leave_gaps() -> None:
    nan = float("nan")
    for type_ in CHART_TYPES:
        chart = sample_chart(type_, series=(Series("NRV", (4.0, nan, 9.0)),))
        parse(render_svg(chart, Theme()))
        _, native = add_to_blank_slide(chart)
        assert native.plots[0].series[0].values == (4.0, None, 9.0)


# --------------------------------------------------------------------------- PPTX


def add_to_blank_slide(chart: Chart, *, rtl: bool = False,
                       theme: Theme | None = None) -> tuple[Any, Any]:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    frame = add_native_chart(slide, chart, Inches(0.5), Inches(1.5), Inches(9), Inches(5.5),
                             theme or Theme(), rtl=rtl)
    return prs, frame.chart


@pytest.mark.parametrize("type_", CHART_TYPES)
def test_native_chart_has_type_categories_and_values(type_: str) -> None:
    chart = sample_chart(type_)
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    frame = add_native_chart(slide, chart, Inches(0.5), Inches(1.5), Inches(9), Inches(5.5),
                             Theme())
    assert frame.has_chart
    native = frame.chart
    assert native.chart_type == NATIVE_TYPES[type_]
    assert not native.has_title
    plot = native.plots[0]
    assert tuple(plot.categories) == chart.categories
    expected = chart.series[:1] if type_ == "pie" else chart.series
    assert [s.name for s in plot.series] == [s.name for s in expected]
    assert [tuple(s.values) for s in plot.series] == [s.values for s in expected]

    buffer = io.BytesIO()
    prs.save(buffer)
    reopened = Presentation(io.BytesIO(buffer.getvalue()))
    again = next(s for s in reopened.slides[0].shapes if s.has_chart).chart
    assert again.chart_type == NATIVE_TYPES[type_]
    assert tuple(again.plots[0].categories) == chart.categories


def test_native_chart_colours_come_from_the_palette() -> None:
    theme = Theme(primary="#123456", accent="#abcdef")
    _, native = add_to_blank_slide(sample_chart("bar"), theme=theme)
    fills = [str(s.format.fill.fore_color.rgb) for s in native.plots[0].series]
    assert fills == [c[1:].upper() for c in palette(theme, 2)]
    _, line = add_to_blank_slide(sample_chart("line"), theme=theme)
    assert str(line.plots[0].series[0].format.line.color.rgb) == "123456"
    _, pie = add_to_blank_slide(sample_chart("pie"), theme=theme)
    points = pie.plots[0].series[0].points
    assert [str(points[i].format.fill.fore_color.rgb) for i in range(3)] == [
        c[1:].upper() for c in palette(theme, 3)]


def test_native_chart_legend_gridlines_and_fonts() -> None:
    _, native = add_to_blank_slide(sample_chart("bar"))
    assert native.has_legend
    assert native.value_axis.has_major_gridlines
    assert native.font.size.pt >= 14
    assert native.value_axis.axis_title.text_frame.text == "exercises"
    single = sample_chart("bar", series=(Series("NRV", (4.0, 6.0, 9.0)),))
    _, alone = add_to_blank_slide(single)
    assert not alone.has_legend  # one series: the slide title says what it is
    _, pie = add_to_blank_slide(sample_chart("pie"))
    assert pie.has_legend and pie.plots[0].data_labels.show_percentage


def test_native_chart_number_format_fits_the_data() -> None:
    _, whole = add_to_blank_slide(sample_chart("bar"))
    assert whole.value_axis.tick_labels.number_format == "#,##0"
    fractions = sample_chart("line", series=(Series("NRV", (0.25, 0.5, 1.75)),))
    _, small = add_to_blank_slide(fractions)
    assert small.value_axis.tick_labels.number_format == "#,##0.00"


def test_native_chart_rtl_reverses_the_categories() -> None:
    _, ltr = add_to_blank_slide(sample_chart("bar"))
    _, rtl = add_to_blank_slide(sample_chart("bar"), rtl=True)
    assert not ltr.category_axis.reverse_order
    assert rtl.category_axis.reverse_order


def test_native_chart_escapes_hostile_text() -> None:
    chart = sample_chart("bar", categories=("2022", HOSTILE, "2024"), unit=HOSTILE,
                         series=(Series(HOSTILE, (1.0, 2.0, 3.0)),))
    _prs, native = add_to_blank_slide(chart)
    assert native.plots[0].categories[1] == HOSTILE
    assert native.plots[0].series[0].name == HOSTILE
    assert native.value_axis.axis_title.text_frame.text == HOSTILE  # the unit


def test_native_chart_styling_reads_back_through_python_pptx() -> None:
    """The styling is written into the chart XML directly: python-pptx must read the
    same settings back from it (the elements in schema order, where it looks)."""
    from pptx.enum.chart import XL_LEGEND_POSITION, XL_TICK_MARK

    _, bar = add_to_blank_slide(sample_chart("bar"))
    plot = bar.plots[0]
    assert plot.gap_width == 60 and plot.overlap == -10
    assert plot.has_data_labels and plot.data_labels.show_value
    assert all(s.invert_if_negative is False for s in plot.series)
    assert bar.legend.position == XL_LEGEND_POSITION.BOTTOM
    assert not bar.legend.include_in_layout
    for axis in (bar.value_axis, bar.category_axis):
        assert axis.major_tick_mark == XL_TICK_MARK.NONE
        assert axis.minor_tick_mark == XL_TICK_MARK.NONE
        assert axis.tick_labels.font.size.pt == 14
    assert bar.value_axis.minimum_scale == 0
    assert str(bar.value_axis.major_gridlines.format.line.color.rgb) == "DDE1E5"
    assert bar.value_axis.format.line.fill.type is not None  # no line: a fill of none

    _, stacked = add_to_blank_slide(sample_chart("stacked-bar"))
    assert stacked.plots[0].overlap == 100 and not stacked.plots[0].has_data_labels

    _, line = add_to_blank_slide(sample_chart("line"))
    series = line.plots[0].series[0]
    assert series.format.line.width.pt == 2.5 and series.marker.size == 7
    assert not series.smooth

    _, pie = add_to_blank_slide(sample_chart("pie"))
    assert pie.legend.position == XL_LEGEND_POSITION.RIGHT
    labels = [pie.plots[0].series[0].points[i].data_label for i in range(3)]
    assert all(label.font.bold and label.font.size.pt == 14 for label in labels)
    _, pie_rtl = add_to_blank_slide(sample_chart("pie"), rtl=True)
    assert pie_rtl.legend.position == XL_LEGEND_POSITION.LEFT


def test_native_chart_is_deterministic() -> None:
    def chart_parts() -> dict[str, bytes]:
        prs, _ = add_to_blank_slide(sample_chart("line"))
        buffer = io.BytesIO()
        prs.save(buffer)
        with zipfile.ZipFile(buffer) as package:
            return {n: package.read(n) for n in package.namelist()
                    if "chart" in n or n.endswith(".xlsx")}

    first = chart_parts()
    assert any(n.endswith(".xlsx") for n in first)
    assert chart_parts() == first  # the embedded workbook carries no clock date


# ------------------------------------------------------ charts that explain themselves

REPO = Path(__file__).resolve().parent.parent
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def audience_themes() -> list[Theme]:
    """The default theme and every default audience's."""
    themes = [Theme()]
    for profile in sorted((REPO / "templates" / "audiences").glob("*.yaml")):
        found = re.search(r'primary: "(#\w+)", accent: "(#\w+)"', profile.read_text("utf-8"))
        assert found, profile
        themes.append(Theme(found[1], found[2]))
    return themes


def test_the_colour_blindness_simulation_confuses_red_and_green() -> None:
    """Machado (2009) at full severity: a red and a green that anyone else tells apart
    look alike to a reader with deuteranopia or protanopia (the check below is real)."""
    seen = colour_distances(["#d62728", "#2ca02c"])  # red, green
    assert seen["normal"] > 60 and seen["deuteranopia"] < MIN_DELTA_E / 2
    seen = colour_distances(["#e41a1c", "#7f6a00"])  # red, olive
    assert seen["normal"] > 60 and seen["protanopia"] < MIN_DELTA_E


@pytest.mark.parametrize("theme", audience_themes(), ids=lambda t: t.primary)
def test_default_palettes_stay_apart_for_colour_blind_readers_and_in_greyscale(
        theme: Theme) -> None:
    colours = palette(theme, PLAIN_SERIES)
    seen = colour_distances(colours)
    assert seen["normal"] >= MIN_DELTA_E
    assert seen["deuteranopia"] >= MIN_DELTA_E
    assert seen["protanopia"] >= MIN_DELTA_E
    assert seen["greyscale"] >= MIN_DELTA_L
    assert theme_colour_problems(theme) == []


def test_theme_colours_too_close_give_a_warning(tmp_path: Path) -> None:
    clash = Theme("#0b3d2e", "#1d5c3a")
    problems = theme_colour_problems(clash)
    assert any("deuteranopia" in p and "#1d5c3a" in p for p in problems)


def test_legends_name_partners_in_the_audiences_language_never_by_code() -> None:
    from generator.content import load_project
    from generator.tailor import tailor

    project = load_project(REPO)
    codes = {p.model.code for p in project.partners} | {project.briefing.model.home.code}
    checked = 0
    for audience in sorted(project.audiences):
        edition = tailor(project, audience).edition
        for chart in edition.charts:
            labels = [s.shown for s in chart.series]
            assert not set(labels) & codes, (audience, chart.id, labels)
            if chart.type != "stacked-bar" and not edition.audience.rtl:
                text = all_text(parse(render_svg(chart, edition.audience.theme)))
                assert all(label in text for label in labels)
                assert not {w for w in re.findall(r"\b[A-Z]{3}\b", text)} & codes
            checked += 1
    assert checked >= 6
    arabic = tailor(project, "delegation-zahran").edition
    assert any(re.search("[\u0600-\u06ff]", s.shown) for c in arabic.charts
               for s in c.series)


def test_brief_and_deck_draw_the_same_scale_and_totals() -> None:
    chart = sample_chart("stacked-bar")
    low, high, step = value_scale(chart)
    totals = stack_totals(chart)
    assert low == 0 and high >= max(totals) and high - step < max(totals)
    svg_text = all_text(parse(render_svg(chart, Theme())))
    assert _number(high) in svg_text
    assert all(_number(total) in svg_text for total in totals)
    _, native = add_to_blank_slide(chart)
    axis = native.value_axis
    assert (axis.minimum_scale, axis.maximum_scale, axis.major_unit) == (low, high, step)
    space = native._chartSpace
    line = space.find(f".//{C}lineChart")
    assert line is not None  # the totals, above the stacks
    assert [float(v.text) for v in line.iterfind(f".//{C}val//{C}v")] == totals
    assert line.find(f".//{C}dLbls/{C}showVal").get("val") == "1"
    legend = space.find(f".//{C}legend")
    assert legend.find(f"{C}legendEntry/{C}delete").get("val") == "1"  # not listed
    bars = sample_chart("bar")
    _, native_bars = add_to_blank_slide(bars)
    assert native_bars.value_axis.maximum_scale == value_scale(bars)[1]


def test_a_stacked_legend_lists_the_top_of_the_stack_first_beside_the_bars() -> None:
    chart = sample_chart("stacked-bar")
    svg = render_svg(chart, Theme())
    names = [s.shown for s in chart.series]
    shown = [text for text in parse(svg).itertext() if text in names]
    assert shown == names[::-1]
    _, ltr = add_to_blank_slide(chart)
    _, rtl = add_to_blank_slide(chart, rtl=True)
    position = f"{C}legend/{C}legendPos"
    assert ltr._chartSpace.find(f"{C}chart/{position}").get("val") == "r"
    assert rtl._chartSpace.find(f"{C}chart/{position}").get("val") == "l"
    # Other charts: a row below in a left-to-right deck; in a right-to-left one a
    # column on the reader's side, since PowerPoint lays a row out left to right.
    _, bars_ltr = add_to_blank_slide(sample_chart("bar"))
    _, bars_rtl = add_to_blank_slide(sample_chart("bar"), rtl=True)
    assert bars_ltr._chartSpace.find(f"{C}chart/{position}").get("val") == "b"
    assert bars_rtl._chartSpace.find(f"{C}chart/{position}").get("val") == "r"


def test_beyond_six_series_bars_get_patterns_and_lines_marker_shapes() -> None:
    many = tuple(Series(f"Series {i}", (float(i + 1), float(i + 2), 3.0)) for i in range(8))
    few = many[:PLAIN_SERIES]
    for series, patterned in ((many, True), (few, False)):
        bar = sample_chart("bar", series=series)
        assert ("<pattern" in render_svg(bar, Theme())) is patterned
        _, native = add_to_blank_slide(bar)
        assert (native._chartSpace.find(f".//{{{A}}}pattFill") is not None) is patterned
        line = sample_chart("line", series=series)
        _, native_line = add_to_blank_slide(line)
        symbols = {s.get("val") for s in native_line._chartSpace.iter(f"{C}symbol")}
        assert (len(symbols) > 1) is patterned


@pytest.mark.parametrize(("label", "unit", "shown"), [
    ("People assisted", "people", "People assisted"),
    ("Patrols conducted", "patrols", "Patrols conducted"),
    ("Patrol distance", "km", "Patrol distance (km)"),
    ("Exports", "VCR million", "Exports (VCR million)"),
    ("Exports", "", "Exports"),
])
def test_a_unit_is_not_repeated_after_a_label_that_names_it(label: str, unit: str,
                                                            shown: str) -> None:
    assert metric_label(label, unit) == shown


def test_one_mark_for_a_missing_value() -> None:
    assert MISSING == "—"


def test_check_and_build_warn_at_the_themes_colour_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A theme whose own two colours fail the ΔE check is named at its `accent` key, as
    FILE:LINE:COL, by `briefgen check` and by `build`; a theme that passes is not."""
    from generator.cli import main
    from tests.projects import MINISTER, write_project

    clash = MINISTER + 'theme:\n  primary: "#0b3d2e"\n  accent: "#1d5c3a"\n'
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": clash})
    where = "templates/audiences/minister.yaml:6:11: warning: theme colours #0b3d2e and #1d5c3a"
    assert main(["check", str(root)]) == 0
    assert where in capsys.readouterr().err
    for fmt in ("html", "pptx"):  # once, whatever the formats (the deck's charts too)
        assert main(["build", str(root), "-a", "minister", "-f", fmt]) == 0
        err = capsys.readouterr().err
        assert err.count(where) == 1 and "deuteranopia" in err, err
    assert main(["check", str(root), "--strict"]) != 0
    capsys.readouterr()
    fine = MINISTER + 'theme: {primary: "#0b3d2e", accent: "#c8a951"}\n'
    write_project(tmp_path, {"templates/audiences/minister.yaml": fine})
    assert main(["check", str(root), "--strict"]) == 0
    assert "hard to tell apart" not in capsys.readouterr().err
