"""Hostile brief templates: format-string escapes and resource bounds (issue 13).

Each payload is written into an audience override, as an attacker with write access to
``templates/`` would, and rendered through the real renderer. The outcome must be a
one-line TemplateError naming the override's file and line, or a page without the loot.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import BriefgenError, RenderError, TemplateError
from generator.i18n import LabelFormatter, UnsafeFormat, format_label
from generator.render import brief, sandbox
from generator.render.brief import render_html
from generator.templates import TemplateSet, builtin_templates

from .factories import sample_edition

OVERRIDE = "templates/audiences/minister/brief/partials/cover.html.j2"
ENV_CANARY = "ENV-CANARY-5e1f"
ESCAPE = "{x.__init__.__globals__[dataclasses].sys.modules[os].environ}"
MRO = "{x.__class__.__mro__}"
WIDE = "{x:>3000000000}"


def project(tmp_path: Path, cover: str) -> tuple[Path, TemplateSet]:
    (tmp_path / "content").mkdir(exist_ok=True)
    override = tmp_path / "templates" / "audiences" / "minister" / "brief"
    (override / "partials").mkdir(parents=True, exist_ok=True)
    (override / "partials" / "cover.html.j2").write_text(cover, encoding="utf-8")
    return tmp_path / "content", TemplateSet(
        (str(override), str(builtin_templates() / "brief")), "/nonexistent/master.pptx", (),
        str(tmp_path))


def outcome(tmp_path: Path, cover: str) -> str | BriefgenError:
    """The rendered page, or the error: a TemplateError has one diagnostic, in the
    override; a RenderError (a refused file) names no absolute path."""
    content, templates = project(tmp_path, cover)
    try:
        return render_html(sample_edition(content, length="summary"), templates)
    except TemplateError as error:
        [diagnostic] = error.diagnostics
        assert diagnostic.file == OVERRIDE and diagnostic.line >= 1, diagnostic
        assert "\n" not in diagnostic.format()
        return error
    except RenderError as error:
        assert str(tmp_path) not in str(error) and str(Path.cwd()) not in str(error)
        return error


# Every way a template can hand a string of its own to a formatter.
FORMATTERS = [
    '{{ label(P, x=edition) }}',
    '{{ edition.label(P, x=edition) }}',
    '{{ P|label(x=edition) }}',
    '{{ P.format(x=edition) }}',
    '{{ P.format_map({"x": edition}) }}',
    '{{ (P|safe).format(x=edition) }}',
    '{{ pm(edition.banner_mark).format(x=edition) }}',
    '{{ P|css_label(x=edition) }}',
    '{{ P|css_string }}',
    '{{ P|md }}',
    '{{ P|md_inline }}',
    '{{ P|plain }}',
    '{{ P|bdi }}',
    '{{ P|dir }}',
    '{{ P|date }}',
    '{{ P|number }}',
    '{{ P|pm }}',
    '{{ P|css_colour }}',
    '{{ resource(P) }}',
    '{{ metric_periods(P) }}',
    '{{ metric_value(edition.collaborations[0].metrics[0], P) }}',
    '{{ benefits_by_category(P) }}',
    '{{ P|fit_line(80) }}',
    '{{ P|tie_last_words }}',
    '{{ metric_label(P, P) }}',
    '{{ headings(P) }}',
    '{{ P|endnotes }}',
]


def test_every_filter_and_global_of_ours_is_in_the_payload_tests(tmp_path: Path) -> None:
    """A helper added to the templates later must join FORMATTERS above."""
    content, templates = project(tmp_path, "")
    job = brief._Job(sample_edition(content), templates, False)
    env = brief._environment(templates, job)
    plain = sandbox.BriefSandbox()
    ours = {*(set(env.filters) - set(plain.filters)), *(set(env.globals) - set(plain.globals))}
    # values, not functions (the `missing` mark): nothing to call, .format is tested above
    ours = {name for name in ours if callable(env.filters.get(name, env.globals.get(name)))}
    tested = {name for call in FORMATTERS for name in ours
              if f"|{name}" in call or f"{name}(" in call}
    assert ours - tested == set()


@pytest.mark.parametrize("payload", [ESCAPE, MRO, WIDE, "{0.__class__}", "{x!r}"])
@pytest.mark.parametrize("call", FORMATTERS)
def test_no_formatter_exposed_to_templates_walks_attributes_or_allocates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, payload: str) -> None:
    monkeypatch.setenv("BRIEFGEN_CANARY", ENV_CANARY)
    cover = "{% set P = " + repr(payload) + " %}" + call
    started = time.monotonic()
    result = outcome(tmp_path, cover)
    assert time.monotonic() - started < 10
    if isinstance(result, BriefgenError):
        return
    assert ENV_CANARY not in result
    assert "<class" not in result and "&lt;class" not in result
    assert len(result) < 1_000_000


@pytest.mark.parametrize("payload", [ESCAPE, MRO, WIDE])
def test_the_reported_payloads_are_errors_naming_the_override(
        tmp_path: Path, payload: str) -> None:
    result = outcome(tmp_path, "<p>\n{{ label(" + repr(payload) + ", x=edition) }}</p>")
    assert isinstance(result, TemplateError)
    assert result.diagnostics[0].line == 2
    assert "Traceback" not in str(result)


def test_printf_formatting_is_bounded_too(tmp_path: Path) -> None:
    for cover in ('{{ "%3000000000s"|format(1) }}', '{{ "%3000000000s" % 1 }}',
                  '{{ "%*s" % (3000000000, 1) }}'):
        assert isinstance(outcome(tmp_path, cover), TemplateError), cover
    page = outcome(tmp_path, '{{ "%5s|%.2f"|format("ab", 3.14159) }} {{ "%(a)s" % {"a": 1} }}'
                             ' {{ ("<b>%s</b>"|safe)|format("<i>") }}')
    assert isinstance(page, str) and "   ab|3.14 1 <b>&lt;i&gt;</b>" in page


def test_labels_still_fill_plain_fields_and_escape_values(tmp_path: Path) -> None:
    page = outcome(tmp_path, '{{ label("flag_of", name="<b>X</b>") }}|'
                             '{{ "{n:>4}|{0}".format(7, n=3) }}|{{ "{v}"|label(v=2) }}')
    assert isinstance(page, str)
    assert "Flag: &lt;b&gt;X&lt;/b&gt;|   3|7|2" in page
    assert format_label("Page {page} of {pages}", page=2, pages=9) == "Page 2 of 9"
    assert format_label("{:.1f}", 2.25) == "2.2"


@pytest.mark.parametrize("spec", ["{a.b}", "{a[0]}", "{a!s}", "{a:>201}", "{a:.51f}",
                                  "{a:{w}}", "{a:>>9999999999}"])
def test_the_label_formatter_refuses_all_but_plain_fields(spec: str) -> None:
    with pytest.raises(UnsafeFormat):
        LabelFormatter().format(spec, a=1.5, w=">3000000000")


# -------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("cover", [
    "{{ range(10**9)|list }}",
    '{{ ("A"*100000)*30000 }}',
    '{{ 30000*("A"*100000) }}',
    "{{ [0]*(10**9) }}",
    "{{ 10**1000000 }}",
    '{{ "x"|center(3000000000) }}',
    '{{ "x".ljust(3000000000) }}',
    '{{ "x".zfill(3000000000) }}',
    '{{ ("x"|safe).center(3000000000) }}',
    '{{ ("A"|safe).join(["A"*1000000]*20) }}',
    "{{ lipsum(1000000000) }}",
    '{{ ("A"*100000)|replace("A", "A"*1000) }}',
    '{{ ("A"*100000).replace("A", "A"*1000) }}',
    '{{ ("A\\n"*10000)|indent("A"*10000) }}',
    '{{ (["A"*1000000]*20)|join }}',
    '{{ "".join(["A"*1000000]*20) }}',
    "{{ [1]|batch(1000000000, 0)|list }}",
    "{{ [1]|slice(1000000000)|list }}",
    '{{ ("A"*6000000) + ("A"*6000000) }}',
    '{% set ns = namespace(s="A"*1000000) %}{% for i in range(64) %}'
    '{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
])
def test_a_template_asking_for_gigabytes_is_refused_with_its_line(
        tmp_path: Path, cover: str) -> None:
    started = time.monotonic()
    result = outcome(tmp_path, "<p>\n" + cover)
    assert isinstance(result, TemplateError), cover
    assert result.diagnostics[0].line == 2
    assert "Traceback" not in str(result) and "MemoryError" not in str(result)
    assert time.monotonic() - started < 10


def test_the_html_a_template_produces_is_bounded(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # 100,000 x 1,000 characters: 100 MB, stopped at the 64 MB default.
    result = outcome(tmp_path, '{% set a = "A"*1000 %}{% for i in range(100000) %}{{ a }}'
                               "{% endfor %}")
    assert isinstance(result, TemplateError)
    assert "more than 67,108,864 characters" in str(result)
    # Text between expressions counts too; it is stopped naming the outermost template.
    monkeypatch.setattr(sandbox, "MAX_TEMPLATE_OUTPUT", 3000)
    content, templates = project(tmp_path, "<p>short</p>")
    with pytest.raises(TemplateError) as error:
        render_html(sample_edition(content, length="summary"), templates)
    [diagnostic] = error.value.diagnostics
    assert diagnostic.file == "<built-in>/brief/base.html.j2" and diagnostic.line > 1
    assert "more than 3,000 characters" in diagnostic.message


def test_a_template_error_quotes_at_most_a_short_excerpt(tmp_path: Path) -> None:
    result = outcome(tmp_path, '{{ edition["x" * 1000000] }}{{ edition["a\nb"] }}')
    assert isinstance(result, TemplateError)
    assert len(str(result)) < 500


def test_templates_may_not_change_the_editions_lists_or_dicts(tmp_path: Path) -> None:
    result = outcome(tmp_path, '{{ variables.update({"office": "X"}) }}')
    assert isinstance(result, TemplateError) and "unsafe" in str(result)


# --------------------------------------------------- random expressions over the context

LOOT = "LEAKED-PRIVATE-ATTRIBUTE"
REACHED: list[str] = []


class Leak:
    """What a private attribute of the canary holds: any use of it is recorded."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _use(self) -> str:
        REACHED.append(self.name)
        return LOOT

    def __str__(self) -> str:
        return self._use()

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return self._use()

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return self._use()

    def __getattr__(self, name: str) -> str:
        return self._use()

    def __getitem__(self, key: object) -> str:
        return self._use()


class Canary:
    """A context value whose private attributes are Leaks and public ones canaries."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("__html__", "__html_format__", "__class__", "__dict__"):
            return object.__getattribute__(self, name)
        if name.startswith("_"):
            return Leak(name)
        return Canary()

    def __str__(self) -> str:
        return "canary"


ATTRS = ["__class__", "__init__", "__globals__", "__dict__", "__mro__", "__subclasses__",
         "__self__", "__func__", "__reduce__", "_label_table", "__builtins__", "mro",
         "label", "format", "format_map", "title", "labels", "audience", "banner",
         "gi_frame", "f_globals", "func_globals", "theme", "__secret"]
ROOTS = ["x", "edition", "audience", "theme", "variables", "meta", "label", "pm", "figures",
         "matrix", "resource", "'{x.__secret}'", "'{0.__init__.__globals__}'",
         "'{x._label_table}'", "'%s'", "''"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    expr = draw(st.sampled_from(ROOTS))
    for _ in range(draw(st.integers(0, depth))):
        attr = draw(st.sampled_from(ATTRS))
        expr = draw(st.sampled_from([
            f"{expr}.{attr}",
            f"{expr}[{attr!r}]",
            f"{expr}|attr({attr!r})",
            f"{expr}.format(x, x=x)",
            f"{expr}.format_map({{'x': x}})",
            f"{expr}|format(x)",
            f"({expr} % x)",
            f"{expr}|label(x=x)",
            f"label({expr}, x=x)",
            f"edition.label({expr}, x=x)",
            f"({expr}|safe).format(x=x)",
            f"{expr}|string",
        ]))
    return expr


@pytest.fixture(scope="module")
def expression_job(tmp_path_factory: pytest.TempPathFactory
                   ) -> tuple[TemplateSet, Any, dict[str, Any]]:
    """The templates, job and context the expressions below are rendered with, made once:
    the context's charts were nine tenths of each example's time. Each example has its
    own environment and ``x``; the sandbox is immutable, so none changes what the next
    one sees."""
    content, templates = project(tmp_path_factory.mktemp("expressions"), "")
    job = brief._Job(sample_edition(content, length="summary"), templates, False)
    return templates, job, job.context(False)


@settings(max_examples=150, deadline=None)
@given(expression=expressions())
def test_no_template_expression_reaches_a_private_attribute(
        expression_job: tuple[TemplateSet, Any, dict[str, Any]], expression: str) -> None:
    templates, job, shared = expression_job
    env = brief._environment(templates, job)
    context = {**shared, "x": Canary()}
    REACHED.clear()
    try:
        page = sandbox.bounded_render(
            env.from_string("{{ " + expression + " }}").generate(context), env)
    except Exception:  # refusals and type errors: the renderer reports them
        page = ""
    assert REACHED == [], (expression, REACHED)
    assert LOOT not in page and "<class" not in page and "&lt;class" not in page


def test_a_macro_may_write_more_than_one_expression_may_make(tmp_path: Path) -> None:
    """Macros are bounded as page output (64 MiB), not as one value (10 million)."""
    page = outcome(tmp_path, '{% macro m() %}{% for i in range(12) %}{{ "A" * 1000000 }}'
                             "{% endfor %}{% endmacro %}{{ m() }}")
    assert isinstance(page, str) and "A" * 12_000_000 in page
    joined = outcome(tmp_path, '{{ "-".join((["A" * 1000000] * 11)|map("string")) }}')
    assert isinstance(joined, TemplateError) and "`join`" in str(joined)
