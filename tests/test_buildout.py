"""The build owns its output folder: withdrawn outputs, refused links, a crash-safe and
exclusive commit, errors instead of tracebacks, and a cache that knows every byte read."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import generator.build
from generator.build import BuildFailed, build, recover
from generator.cli import main

from .projects import BRIEFING, write_project

REPO = Path(__file__).resolve().parent.parent

# Small and fast: HTML (and one small deck) only.
PRESS_SECRET = "title: Press\nclearance: SECRET\nformats: [html, pptx]\n"
PRESS_PUBLIC = "title: Press\nclearance: PUBLIC\nformats: [html]\n"
AUDIENCES = {
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\nformats: [html]\n",
    "templates/audiences/norvia.yaml": None,
    "templates/audiences/press.yaml": PRESS_SECRET,
}


def _digests(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".briefgen" not in p.parts}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", dict(AUDIENCES))


# -- 1. withdrawn outputs ------------------------------------------------------------------


def test_a_format_dropped_from_a_profile_is_withdrawn_and_listed(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "output"
    assert main(["build", str(project), "-j", "1"]) == 0
    assert (out / "press/deck.pptx").is_file()
    (out / "press/notes.txt").write_text("mine", "utf-8")  # the build never wrote this
    (project / "templates/audiences/press.yaml").write_text(PRESS_PUBLIC, "utf-8")
    capsys.readouterr()
    assert main(["build", str(project), "-j", "1"]) == 0
    printed = capsys.readouterr()
    err = printed.err
    assert "  withdrawn press/deck.pptx" in printed.out.splitlines()
    assert not (out / "press/deck.pptx").exists()
    assert (out / "press/notes.txt").read_text("utf-8") == "mine"
    assert "output/press/notes.txt: warning: not written by briefgen; left in place" in err
    sheet = (out / "_review/press.md").read_text("utf-8")
    assert "## Withdrawn outputs" in sheet
    assert "| `press/deck.pptx` | `pptx` is no longer among the audience's formats |" in sheet
    assert "Withdrawn" not in (out / "_review/minister.md").read_text("utf-8")
    # the record stays on the sheet in later builds, until the deck is built again
    assert main(["build", str(project), "-j", "1"]) == 0
    assert "press/deck.pptx" in (out / "_review/press.md").read_text("utf-8")
    (project / "templates/audiences/press.yaml").write_text(PRESS_SECRET, "utf-8")
    assert main(["build", str(project), "-j", "1"]) == 0
    assert (out / "press/deck.pptx").is_file()
    assert "Withdrawn" not in (out / "_review/press.md").read_text("utf-8")


def test_partial_builds_withdraw_nothing_still_configured(project: Path) -> None:
    out = project / "output"
    build(project, jobs=1)
    build(project, formats=["html"], jobs=1)  # the deck is still configured: it stays
    assert (out / "press/deck.pptx").is_file()
    (project / "templates/audiences/press.yaml").write_text(PRESS_PUBLIC, "utf-8")
    build(project, audiences=["minister"], jobs=1)  # press is not being built
    assert (out / "press/deck.pptx").is_file()
    build(project, audiences=["press"], formats=["html"], jobs=1)  # press is, pptx is gone
    assert not (out / "press/deck.pptx").exists()


def test_an_audience_removed_has_its_outputs_withdrawn_into_withdrawn_md(project: Path) -> None:
    out = project / "output"
    build(project, jobs=1)
    (project / "templates/audiences/press.yaml").unlink()
    report = build(project, jobs=1)
    assert not (out / "press").exists() and not (out / "_review/press.md").exists()
    assert report.reviews == ["_review/minister.md"]
    sheet = (out / "_review/withdrawn.md").read_text("utf-8")
    for path in ("press/brief.html", "press/deck.pptx", "_review/press.md"):
        assert f"| `{path}` | the audience `press` no longer has a profile |" in sheet
    assert sorted(_digests(out)) == ["_review/minister.md", "_review/withdrawn.md",
                                     "minister/brief.html"]


def test_files_a_hand_edited_manifest_names_outside_the_folder_are_not_removed(
        project: Path, tmp_path: Path) -> None:
    build(project, jobs=1)
    victim = tmp_path / "victim" / "brief.pdf"
    victim.parent.mkdir()
    victim.write_text("keep", "utf-8")
    manifest = project / "output/.briefgen/manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["outputs"]["../victim/brief.pdf"] = {"key": "x", "sha256": "y"}
    manifest.write_text(json.dumps(data), "utf-8")
    build(project, jobs=1)
    assert victim.read_text("utf-8") == "keep"


@pytest.mark.parametrize("link", ["press", "_review", ".briefgen"])
def test_a_symlinked_folder_in_the_output_is_refused(
        project: Path, link: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "output"
    build(project, jobs=1)
    (project / "content/briefing.yaml").write_text(
        BRIEFING.replace("Collaboration pays.", "Collaboration pays off."), "utf-8")
    moved = out.parent / f"moved-{link}"
    (out / link).rename(moved)
    (out / link).symlink_to(moved if link != "press" else out / "minister")
    before = _digests(out)
    capsys.readouterr()
    assert main(["build", str(project), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert f"output/{link}: error: is a symbolic link" in err
    assert "Traceback" not in err
    assert _digests(out) == before


# -- 2. crash-safe, exclusive commit -------------------------------------------------------

HTML_ONLY = {**AUDIENCES, "templates/audiences/press.yaml": PRESS_PUBLIC}

def _killed_build(project: Path, kill_at: int) -> int:
    """Run a build in a forked process that is killed (``os._exit``: no cleanup of any
    kind runs) just before rename number ``kill_at`` of its commit; returns its exit code
    (9 when killed, 0 when it had fewer renames)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test run
        code = 1
        try:
            count = [0]
            real = generator.build._replace

            def replace(source: Path, target: Path) -> None:
                if count[0] == kill_at:
                    os._exit(9)
                count[0] += 1
                real(source, target)

            generator.build._replace = replace  # type: ignore[assignment]
            build(project, jobs=1)
            code = 0
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_kill_before_any_rename_of_the_commit_leaves_all_old_or_all_new(
        tmp_path: Path) -> None:
    import shutil

    project = write_project(tmp_path / "p", dict(HTML_ONLY))
    out = project / "output"
    build(project, jobs=1)
    old = _digests(out)
    baseline = tmp_path / "baseline"
    shutil.copytree(out, baseline, symlinks=True)
    (project / "content/briefing.yaml").write_text(  # the title is on every file
        BRIEFING.replace("defence collaboration", "defence collaboration (revised)"), "utf-8")
    build(project, out=tmp_path / "expected", jobs=1)
    new = _digests(tmp_path / "expected")
    assert set(old) == set(new) and all(old[p] != new[p] for p in old)  # all change

    outcomes = []
    for kill_at in range(10):
        shutil.rmtree(out)
        shutil.copytree(baseline, out, symlinks=True)
        code = _killed_build(project, kill_at)
        if code == 0:  # more kill points than renames: the build finished
            assert _digests(out) == new
            break
        assert code == 9
        state = out / ".briefgen"
        assert any(p.name.startswith("staging-") for p in state.iterdir())  # left behind
        outcome = recover(out)
        outcomes.append(outcome)
        assert _digests(out) == (new if outcome == "forward" else old), kill_at
        assert sorted(p.name for p in state.iterdir()) == ["lock", "manifest.json"]
        # the next build starts from a consistent folder and ends all new
        report = build(project, jobs=1)
        assert _digests(out) == new
        assert len(report.built) == (0 if outcome == "forward" else 2)
    # killed before the journal: rolled back; after it, at every rename: rolled forward
    assert outcomes[0] == "back" and set(outcomes[1:]) == {"forward"}
    assert len(outcomes) >= 5  # journal, 2 outputs, 2 review sheets, manifest


def test_a_second_build_into_the_same_folder_waits_then_says_so(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import fcntl

    build(project, jobs=1)
    before = _digests(project / "output")
    (project / "content/briefing.yaml").write_text(
        BRIEFING.replace("Collaboration pays.", "Collaboration pays off."), "utf-8")
    with (project / "output/.briefgen/lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(BuildFailed) as info:
            build(project, jobs=1, lock_wait=0.3)
    assert [d.format() for d in info.value.diagnostics] == [
        "output: error: another build is writing to this output folder (waited 0.3 s) "
        "(let it finish and build again, or build into another folder with -o DIR)"]
    assert _digests(project / "output") == before
    assert len(build(project, jobs=1, lock_wait=0.3).built) == 3  # released: builds


SLOW_BUILD = textwrap.dedent("""\
    import sys, time
    import generator.build as b
    from generator.cli import main
    real = b.render
    def slow(job):
        time.sleep(0.5)
        return real(job)
    b.render = slow
    sys.exit(main(["build", sys.argv[1], "-j", "1"]))
""")


def test_two_concurrent_builds_into_one_folder_both_finish_cleanly(project: Path) -> None:
    runs = [subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(project)], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _out, _err in results] == [0, 0], results
    assert not any("Traceback" in err for _code, _out, err in results)
    # one built everything; the other waited for it, then found everything unchanged
    assert sorted(out.splitlines()[0].split(",")[0] for _c, out, _e in results) == [
        "Built 0", "Built 3"]
    state = project / "output/.briefgen"
    assert sorted(p.name for p in state.iterdir()) == ["lock", "manifest.json"]


# -- 3. errors, not tracebacks -------------------------------------------------------------


def _changed(project: Path) -> dict[str, str]:
    """Build, then change the content so that the next build has files to write; returns
    the digests of the first build's outputs."""
    build(project, jobs=1)
    (project / "content/briefing.yaml").write_text(
        BRIEFING.replace("defence collaboration", "defence collaboration (revised)"), "utf-8")
    return _digests(project / "output")


@pytest.mark.parametrize(("code", "text", "hint"), [
    (errno.ENOSPC, "No space left on device", "the disk is full"),
    (errno.EROFS, "Read-only file system", "the output folder is not writable"),
])
def test_a_full_or_read_only_output_folder_is_one_line_and_leaves_the_outputs(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        code: int, text: str, hint: str) -> None:
    before = _changed(project)

    def failing(path: Path, data: bytes) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(generator.build, "_write_file", failing)
    capsys.readouterr()
    assert main(["build", str(project), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert f"output/_review/minister.md: error: cannot write: {text} ({hint}" in err
    assert "Traceback" not in err and "nothing was written" in err
    assert _digests(project / "output") == before
    assert sorted(p.name for p in (project / "output/.briefgen").iterdir()) == [
        "lock", "manifest.json"]  # no staging left


def test_a_folder_without_write_permission_is_named_before_anything_is_staged(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    before = _changed(project)
    denied = (project / "output/press").resolve()
    real = os.access
    # (the suite may run as root, whom permissions do not stop: the check is what matters)
    monkeypatch.setattr(generator.build.os, "access",
                        lambda path, mode: Path(path) != denied and real(path, mode))
    assert main(["build", str(project), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "output/press/brief.html: error: cannot write: Permission denied" in err
    assert _digests(project / "output") == before


def _deep(job: object) -> object:
    return _deep(job)


def test_a_worker_in_endless_recursion_is_a_one_line_error(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    before = _changed(project)
    monkeypatch.setattr(generator.build, "render", _deep)  # workers are forked from here
    assert main(["build", str(project), "-j", "2"]) == 1
    err = capsys.readouterr().err
    assert "minister/brief.html: error: rendering nested too deeply (RecursionError)" in err
    assert "Traceback" not in err
    assert _digests(project / "output") == before


def _vm_size_mb() -> int:
    status = Path("/proc/self/status").read_text("ascii")
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("VmSize:"))) // 1024


def _allocate_2gb(job: object) -> object:
    return bytearray(2 * 2**30)  # untouched pages: cheap when it is allowed


def test_a_worker_over_its_memory_limit_is_a_one_line_error(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _changed(project)
    monkeypatch.setattr(generator.build, "render", _allocate_2gb)
    limit = _vm_size_mb() + 1024  # a worker starts as a copy of this process
    with pytest.raises(BuildFailed) as info:
        build(project, jobs=2, job_memory=limit)
    assert {d.format() for d in info.value.diagnostics} >= {
        f"minister/brief.html: error: rendering ran out of memory (MemoryError) (the limit "
        f"is {limit} MB per job; raise it with --job-memory MB, or make the content smaller)"}
    assert _digests(project / "output") == before


def _sleep(job: object) -> object:
    import time

    time.sleep(60)
    raise AssertionError("not stopped")


def test_a_job_over_its_wall_time_is_stopped_and_named(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    import time

    before = _changed(project)
    monkeypatch.setattr(generator.build, "render", _sleep)
    started = time.monotonic()
    assert main(["build", str(project), "-j", "2", "--job-timeout", "1"]) == 1
    assert time.monotonic() - started < 20
    err = capsys.readouterr().err
    assert ("error: rendering took longer than 1 s and was stopped (raise the limit with "
            "--job-timeout SECONDS)") in err
    assert "Traceback" not in err
    assert _digests(project / "output") == before


def _die(job: object) -> object:
    os._exit(3)


def test_a_worker_that_dies_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _changed(project)
    monkeypatch.setattr(generator.build, "render", _die)
    with pytest.raises(BuildFailed) as info:
        build(project, jobs=2)
    assert all(d.message == "the render worker stopped while rendering this output"
               for d in info.value.diagnostics)
    assert _digests(project / "output") == before


def test_the_limit_flags_show_their_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.build import JOB_MEMORY, JOB_TIMEOUT

    assert main(["build", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {JOB_TIMEOUT:g}; 0: no limit)" in text
    assert f"(default: {JOB_MEMORY}; 0: no limit)" in text


# -- 4. the cache knows every byte a renderer reads ----------------------------------------


def _svg(colour: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
            f'<rect width="20" height="10" fill="{colour}"/></svg>\n')


SECRET_SECTION = """\
---
title: Threat picture
marking: SECRET
length: summary
---
![Threats](images/threats.svg "Threat map")
"""

CACHED = {
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                         "formats: [html, pptx]\n"
                                         "theme: {logo: images/logo.svg}\n",
    "templates/audiences/norvia.yaml": None,
    "templates/audiences/press.yaml": PRESS_PUBLIC,
    "content/images/logo.svg": _svg("#0b3d2e"),
    "content/images/map.svg": _svg("#336699"),
    "content/images/threats.svg": _svg("#990000"),
    "content/images/nrv.svg": _svg("#ffffff"),
    "content/partners.yaml": "- code: NRV\n  name: Federation of Norvia\n  kind: state\n"
                             "  flag: images/nrv.svg\n"
                             "- code: ALT\n  name: Altmark Alliance\n  kind: alliance\n"
                             "- code: QAM\n  name: Emirate of Qamar\n  kind: state\n"
                             "  marking: SECRET\n  flag: images/qam.svg\n",
    "content/images/qam.svg": _svg("#008800"),
    "content/sections/01-context.md": "---\ntitle: Strategic context\nmarking: PUBLIC\n"
                                      "length: summary\n---\n"
                                      "![Map](images/map.svg \"The region\")\n",
    "content/sections/02-threats.md": SECRET_SECTION,
}


@pytest.fixture
def cached(tmp_path: Path) -> Path:
    project = write_project(tmp_path / "p", dict(CACHED))
    report = build(project, jobs=1)
    assert sorted(r.job.path for r in report.built) == [
        "minister/brief.html", "minister/deck.pptx", "press/brief.html"]
    return project


def _rebuilt_after(project: Path, rel: str, text: str | bytes) -> list[str]:
    out = project / "output"
    before = _digests(out)
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    built = sorted(r.job.path for r in build(project, jobs=1).built)
    after = _digests(out)
    for output in built:  # each output rebuilt really changed: it reads that file
        assert after[output] != before[output], output
    assert build(project, jobs=1).built == []  # and then it is current
    return built


def test_editing_a_markdown_image_rebuilds_the_briefs_that_show_it(cached: Path) -> None:
    # both briefs show the map; the deck shows no Markdown images
    assert _rebuilt_after(cached, "content/images/map.svg", _svg("#663399")) == [
        "minister/brief.html", "press/brief.html"]
    # only the minister may see the threat section, so only his brief reads its image
    assert _rebuilt_after(cached, "content/images/threats.svg", _svg("#ff0000")) == [
        "minister/brief.html"]


def test_editing_speaker_notes_rebuilds_only_the_decks(cached: Path) -> None:
    """Notes are in no brief's key: the briefs that show the section stay as they are."""
    section = CACHED["content/sections/01-context.md"]
    assert section is not None
    with_notes = section.replace("length: summary\n", "length: summary\nnotes: Pause here.\n")
    assert _rebuilt_after(cached, "content/sections/01-context.md", with_notes) == [
        "minister/deck.pptx"]
    assert _rebuilt_after(cached, "content/sections/01-context.md",
                          with_notes.replace("Pause here.", "Pause, then the map.")) == [
        "minister/deck.pptx"]


def test_editing_the_theme_logo_rebuilds_every_format_of_the_audience_using_it(
        cached: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cached / "content/images/logo.svg").write_text(_svg("#c8a951"), "utf-8")
    capsys.readouterr()
    assert main(["build", str(cached), "-j", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  built     minister/deck.pptx" in [line.split("  (")[0] for line in lines]
    assert "  built     minister/brief.html" in [line.split("  (")[0] for line in lines]
    assert "  unchanged press/brief.html" in lines


def test_editing_a_stylesheet_rebuilds_exactly_the_briefs_that_use_it(cached: Path) -> None:
    css = (REPO / "generator/templates/brief/brief.css").read_text("utf-8")
    # the project's stylesheet: both briefs, not the deck
    assert _rebuilt_after(cached, "templates/brief/brief.css", css + "\n/* all */\n") == [
        "minister/brief.html", "press/brief.html"]
    # an audience's own stylesheet: that audience's brief only
    assert _rebuilt_after(cached, "templates/audiences/press/brief/brief.css",
                          css + "\n/* press */\n") == ["press/brief.html"]
    assert _rebuilt_after(cached, "templates/audiences/press/brief/brief.css",
                          css + "\n/* press, again */\n") == ["press/brief.html"]


def test_editing_the_master_rebuilds_exactly_the_decks_that_use_it(cached: Path) -> None:
    import io

    from pptx import Presentation
    from pptx.dml.color import RGBColor

    master = Presentation(str(REPO / "generator/templates/deck/master.pptx"))
    fill = master.slide_master.background.fill
    fill.solid()
    fill.fore_color.rgb = RGBColor(0xF4, 0xF1, 0xE8)
    data = io.BytesIO()
    master.save(data)
    assert _rebuilt_after(cached, "templates/deck/master.pptx", data.getvalue()) == [
        "minister/deck.pptx"]


def test_a_flag_is_part_of_the_key_of_the_briefs_of_audiences_that_see_its_partner(
        cached: Path) -> None:
    from generator.content import load_project
    from generator.inputs import image_files
    from generator.tailor import tailor

    loaded = load_project(cached)
    flag = (cached / "content/images/nrv.svg").resolve()
    minister = tailor(loaded, "minister").edition
    assert flag in [p.resolve() for p in image_files(minister)]
    assert _rebuilt_after(cached, "content/images/nrv.svg", _svg("#000000")) == [
        "minister/brief.html", "press/brief.html"]
    # the press may not see Qamar: its brief does not depend on Qamar's flag
    press = tailor(loaded, "press").edition
    assert (cached / "content/images/qam.svg").resolve() not in [
        p.resolve() for p in image_files(press)]
    assert (cached / "content/images/qam.svg").resolve() in [
        p.resolve() for p in image_files(minister)]


def test_a_file_where_an_audience_folder_belongs_is_an_error(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    before = _changed(project)
    shutil.rmtree(project / "output/press")
    (project / "output/press").write_text("not a folder", "utf-8")
    capsys.readouterr()
    assert main(["build", str(project), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "output/press: error: is a file where briefgen needs a folder" in err
    assert "Traceback" not in err
    del before["press/brief.html"], before["press/deck.pptx"]
    assert _digests(project / "output") == {**before, "press": _digests(
        project / "output")["press"]}


def test_a_fifo_in_place_of_an_output_is_replaced_without_blocking(project: Path) -> None:
    build(project, jobs=1)
    target = project / "output/minister/brief.html"
    target.unlink()
    os.mkfifo(target)
    code = f"from generator.build import build; print(len(build({str(project)!r}, jobs=1).built))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert run.stdout.strip() == "1", run.stderr
    assert target.is_file() and "<html" in target.read_text("utf-8")


def test_staging_is_private_and_gone_after_the_build(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stat

    modes = []
    real = generator.build._replace

    def replace(source: Path, target: Path) -> None:
        modes.append(stat.S_IMODE(source.parent.stat().st_mode))
        real(source, target)

    monkeypatch.setattr(generator.build, "_replace", replace)
    build(project, jobs=1)
    assert modes and set(modes) == {0o700}
    assert sorted(p.name for p in (project / "output/.briefgen").iterdir()) == [
        "lock", "manifest.json"]


def test_a_manifest_of_the_first_format_still_withdraws(project: Path) -> None:
    out = project / "output"
    build(project, jobs=1)
    manifest = out / ".briefgen/manifest.json"
    outputs = json.loads(manifest.read_text("utf-8"))["outputs"]
    manifest.write_text(json.dumps({p: e for p, e in outputs.items()  # outputs only
                                    if not p.startswith("_review/")}), "utf-8")
    (project / "templates/audiences/press.yaml").write_text(PRESS_PUBLIC, "utf-8")
    assert build(project, jobs=1).withdrawn == ["press/deck.pptx"]
    assert not (out / "press/deck.pptx").exists()
