"""Builds: all-or-nothing, incremental, reproducible, the same with -j 1 and -j 2."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generator.build import BuildFailed, build
from generator.cli import main

from .projects import PATROLS, write_project

AUDIENCES = {
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\nlength: full\n"
                                         "formats: [pdf, html]\n",
    "templates/audiences/norvia.yaml": "title: Norvia\nclearance: RESTRICTED\ncountry: NRV\n"
                                       "formats: [html]\n",
    "templates/audiences/alt.yaml": "title: Alt\nclearance: RESTRICTED\ncountry: ALT\n"
                                    "formats: [html]\n",
}


def _digests(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".briefgen" not in p.parts}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", dict(AUDIENCES))


def test_build_writes_outputs_and_review_sheets_outside_audience_folders(project: Path) -> None:
    report = build(project, jobs=1)
    out = project / "output"
    assert sorted(_digests(out)) == [
        "_review/alt.md", "_review/minister.md", "_review/norvia.md", "alt/brief.html",
        "minister/brief.html", "minister/brief.pdf", "norvia/brief.html"]
    assert len(report.built) == 4
    sheet = (out / "_review/norvia.md").read_text("utf-8")
    assert "Intelligence sharing stopped two plots." in sheet  # withheld, and why
    assert "above clearance (SECRET > RESTRICTED)" in sheet
    assert "Intelligence sharing stopped two plots." not in \
        (out / "norvia/brief.html").read_text("utf-8")


def test_failed_build_leaves_previous_outputs_untouched(project: Path) -> None:
    build(project, jobs=1)
    before = _digests(project / "output")
    (project / "content/collaborations/patrols.yaml").write_text(
        PATROLS.replace("summary: Coordinated patrols.", "summary: Changed.")
        .replace("kind: border-security", "kind: nonsense"), "utf-8")
    assert main(["build", str(project), "-j", "1"]) == 1
    assert _digests(project / "output") == before


def test_failed_render_job_writes_nothing(project: Path) -> None:
    build(project, jobs=1)
    before = _digests(project / "output")
    broken = project / "templates/audiences/norvia/brief/base.html.j2"
    broken.parent.mkdir(parents=True)
    broken.write_text("{% block cover %}{{ edition.no_such_field }}{% endblock %}", "utf-8")
    (project / "content/collaborations/patrols.yaml").write_text(
        PATROLS.replace("Coordinated patrols.", "Changed patrols."), "utf-8")
    with pytest.raises(BuildFailed) as info:
        build(project, jobs=2)
    assert any("base.html.j2" in d.file for d in info.value.diagnostics)
    assert _digests(project / "output") == before  # minister's new outputs were not written


def test_no_op_rebuild_renders_nothing_and_one_change_rebuilds_only_affected(
        project: Path) -> None:
    build(project, jobs=1)
    again = build(project, jobs=1)
    assert again.built == [] and len(again.skipped) == 4
    # a change to a collaboration only minister and norvia see (RESTRICTED, REL NRV)
    (project / "content/collaborations/patrols.yaml").write_text(
        PATROLS.replace("Coordinated patrols.", "Coordinated patrols, now nightly."), "utf-8")
    changed = build(project, jobs=1)
    assert sorted(r.job.path for r in changed.built) == [
        "minister/brief.html", "minister/brief.pdf", "norvia/brief.html"]
    assert [r.job.path for r in changed.skipped] == ["alt/brief.html"]


def test_hand_edited_output_is_rebuilt(project: Path) -> None:
    build(project, jobs=1)
    (project / "output/alt/brief.html").write_text("edited", "utf-8")
    report = build(project, jobs=1)
    assert [r.job.path for r in report.built] == ["alt/brief.html"]


def test_reproducible_with_source_date_epoch_and_any_job_count(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764201600")
    build(project, out=tmp_path / "a", jobs=1)
    build(project, out=tmp_path / "b", jobs=2, force=True)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a == b and len(a) == 7


def test_writer_refuses_paths_outside_out(project: Path, tmp_path: Path) -> None:
    from generator.build import _safe_target
    from generator.errors import RenderError

    with pytest.raises(RenderError):
        _safe_target(tmp_path / "out", "../escape.pdf")


def test_no_op_rebuild_imports_no_renderer(project: Path) -> None:
    import subprocess
    import sys

    build(project, jobs=1)
    code = (f"import sys; from generator.build import build; r = build({str(project)!r}, jobs=1); "
            "print(len(r.built), [m for m in ('weasyprint', 'pptx', 'matplotlib') "
            "if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split("\n")[0] == "0 []"


def test_audience_override_template_is_used_and_a_bad_one_is_a_file_line_error(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    css = project / "templates/audiences/alt/brief/brief.css"
    css.parent.mkdir(parents=True)
    builtin = Path(__file__).resolve().parent.parent / "generator/templates/brief/brief.css"
    css.write_text(builtin.read_text("utf-8") + "\n/* alt-override-marker */\n", "utf-8")
    build(project, jobs=1)
    assert "alt-override-marker" in (project / "output/alt/brief.html").read_text("utf-8")
    assert "alt-override-marker" not in (project / "output/norvia/brief.html").read_text("utf-8")
    bad = project / "templates/audiences/alt/brief/base.html.j2"
    bad.write_text("{% extends 'base.html.j2' %}\n{% block cover %}{% if %}{% endblock %}\n",
                   "utf-8")
    assert main(["check", str(project)]) == 1
    err = capsys.readouterr().err
    assert "templates/audiences/alt/brief/base.html.j2:2: error: template syntax error" in err


def test_a_fault_in_a_worker_is_reported_as_itself(project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A renderer's own fault (not the content's) in a worker process reaches the caller
    naming the output and the original error, even when that error cannot be pickled
    (lxml's carry their error log); nothing is written."""
    from lxml import etree

    import generator.build

    def broken(job: object) -> None:
        etree.fromstring("<unclosed>")  # raises an XMLSyntaxError

    monkeypatch.setattr(generator.build, "render", broken)  # workers are forked from here
    # whichever output's worker fails first is the one named
    with pytest.raises(RuntimeError,
                       match=r"(brief\.(pdf|html|docx)|deck\.pptx): XMLSyntaxError") as info:
        build(project, jobs=2)
    assert "Traceback" in str(info.value)
    assert not (project / "output").exists()
