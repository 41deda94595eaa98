"""The command line: exit codes, JSON output, schema, init, and what --help imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from generator.cli import main
from generator.content import load_project

from .projects import write_project

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["build", "--help"]])
def test_help_imports_neither_weasyprint_nor_pptx(argv: list[str]) -> None:
    code = (f"import sys; from generator.cli import main; rc = main({argv!r}); "
            "bad = [m for m in ('weasyprint', 'pptx', 'matplotlib') if m in sys.modules]; "
            "print(bad); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_check_imports_neither_weasyprint_nor_pptx() -> None:
    code = (f"import sys; from generator.cli import main; rc = main(['check', {str(REPO)!r}]); "
            "print([m for m in ('weasyprint', 'pptx') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_default_project_is_clean_and_loads_with_expected_counts(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO), "--strict"]) == 0, capsys.readouterr().err
    project = load_project(REPO)
    assert 5 <= len(project.partners) <= 7
    assert any(p.model.kind == "alliance" for p in project.partners)
    assert 8 <= len(project.collaborations) <= 12
    kinds = {c.model.kind for _, c in project.collaborations}
    assert kinds == {"intelligence-sharing", "joint-training", "technology", "border-security",
                     "counter-terrorism", "humanitarian", "other"}
    assert 4 <= len(project.sections) <= 6
    assert {s.front.length for s in project.sections} == {"summary", "standard", "full"}
    assert 2 <= len(project.charts) <= 3
    assert len(project.audiences) >= 5
    assert any(a.model.language == "ar" for a in project.audiences.values())
    assert any(s.translations.get("ar") for s in project.sections)


def test_json_schema_validates_every_default_content_file() -> None:
    schema = json.loads(subprocess.run([sys.executable, "-m", "generator.cli", "schema"],
                                       capture_output=True, text=True, check=True).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)

    def validator(name: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"})

    yaml = YAML(typ="safe", pure=True)

    def plain(value: object) -> object:  # dates -> strings, int keys -> strings (JSON)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if hasattr(value, "isoformat") else value

    briefing = plain(yaml.load((REPO / "content/briefing.yaml").read_text("utf-8")))
    assert isinstance(briefing, dict)
    briefing["date"] = str(briefing["date"])
    schema["$defs"]["Briefing"]["properties"]["date"] = {"type": "string", "format": "date"}
    validator("Briefing").validate(briefing)
    validator("PartnersFile").validate(plain(yaml.load(
        (REPO / "content/partners.yaml").read_text("utf-8"))))
    for path in sorted((REPO / "content/collaborations").glob("*.yaml")):
        validator("Collaboration").validate(plain(yaml.load(path.read_text("utf-8"))))
    for path in sorted((REPO / "templates/audiences").glob("*.yaml")):
        validator("Audience").validate(plain(yaml.load(path.read_text("utf-8"))))
    # (kinds are the project's own: `briefgen schema PROJECT` lists them; see test_schema)
    with pytest.raises(jsonschema.ValidationError):
        validator("Collaboration").validate({"title": "x", "kind": "other", "status": "nope",
                                             "partners": ["AB"], "summary": "s"})


def test_wrong_command_line_exits_2(tmp_path: Path) -> None:
    assert main(["build", str(tmp_path / "missing")]) == 2
    assert main(["build", str(write_project(tmp_path)), "-f", "doc"]) == 2
    assert main(["build", str(tmp_path), "-a", "nobody"]) == 2
    assert main(["no-such-command"]) == 2
    assert not (tmp_path / "output").exists()


def test_audiences_and_formats_take_comma_lists(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path)
    assert main(["build", str(root), "-a", "minister,norvia", "-f", "html", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert main(["build", str(root), "-a", "minister", "-a", "norvia", "-f", "html",
                 "--json", "--force"]) == 0
    repeated = json.loads(capsys.readouterr().out)
    built = sorted(r["path"] for r in listed["jobs"])
    assert built == sorted(r["path"] for r in repeated["jobs"])
    assert built == ["minister/brief.html", "norvia/brief.html"]
    assert main(["build", str(root), "-f", "html,doc"]) == 2
    assert main(["build", str(root), "-f", "html,"]) == 2


def test_a_log_gets_progress_lines_unless_quiet(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path)
    # stderr is captured, not a terminal: plain lines, and the heartbeat's at once
    assert main(["build", str(root), "-a", "minister", "-f", "html", "-j", "2",
                 "--progress-every", "0"]) == 0
    err = capsys.readouterr().err
    assert "briefgen: building minister/brief.html — 0 s" in err.splitlines()
    assert "[minister] html" in err
    assert main(["build", str(root), "-a", "minister", "-f", "html", "-j", "2",
                 "--progress-every", "0", "--force", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "briefgen: building" not in captured.err and "[minister]" not in captured.err
    assert "built     minister/brief.html" in captured.out


def test_check_json_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": "title: M\n"})
    assert main(["check", str(root), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert problems == [{"file": "templates/audiences/minister.yaml", "line": 1, "col": 1,
                         "severity": "error", "message": "missing required key `clearance`",
                         "hint": ""}]


def test_check_and_build_agree_on_a_project_without_audiences(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": None,
                                    "templates/audiences/norvia.yaml": None})
    expected = "templates/audiences: error: the project has no audiences"
    assert main(["check", str(root)]) == 1
    assert expected in capsys.readouterr().err
    assert main(["build", str(root), "-j", "1"]) == 1
    assert expected in capsys.readouterr().err
    assert not (root / "output").exists()


def test_strict_turns_warnings_into_errors(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {"templates/audiences/qamar.yaml":
                                    "title: Q\nclearance: PUBLIC\ncountry: QAM\nlanguage: ar\n"
                                    "formats: [html]\n"})
    assert main(["check", str(root)]) == 0
    assert "warning: no `ar` translation" in capsys.readouterr().err
    assert main(["check", str(root), "--strict"]) == 1
    assert "error: no `ar` translation" in capsys.readouterr().err


def test_audiences_table_counts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["audiences", str(write_project(tmp_path)), "--json"]) == 0
    rows = {r["audience"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["minister"]["withheld"] == 0
    assert rows["norvia"]["withheld"] > 0
    assert rows["norvia"]["banner"] == "RESTRICTED // REL TO HOM, NRV"
    assert main(["audiences", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "minister" in table and "withheld" in table


LONG_AUDIENCE = "delegation-of-the-northern-maritime-partnership-states-and-their-observers"


@pytest.mark.parametrize("columns", [60, 80])
def test_audiences_fits_a_narrow_terminal_without_cutting_a_name(
        columns: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long audience name and a master whose long layout names are chosen by their
    placeholders: every name is printed whole (wrapped, or folded when longer than the
    line), and no line is wider than COLUMNS."""
    import re
    import zipfile

    from pptx import Presentation

    root = write_project(tmp_path, {
        f"templates/audiences/{LONG_AUDIENCE}.yaml":
            "title: Northern delegation\nclearance: RESTRICTED\ncountry: NRV\n"
            "formats: [pdf, pptx]\n"})
    plain = tmp_path / "plain.pptx"
    Presentation().save(str(plain))
    (root / "templates/deck").mkdir(parents=True)
    with zipfile.ZipFile(plain) as zin, \
            zipfile.ZipFile(root / "templates/deck/master.pptx", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            found = re.fullmatch(r"ppt/slideLayouts/slideLayout(\d+)\.xml", info.filename)
            if found:  # a name that says nothing PowerPoint knows, and a long one
                data = re.sub(rb'(<p:cSld[^>]*?name=")[^"]*"', b"\\g<1>Corporate house style "
                              b"slide design number " + found.group(1).encode() + b'"', data)
            zout.writestr(info, data)
    assert main(["audiences", str(root), "--json"]) == 0
    rows = {r["audience"]: r for r in json.loads(capsys.readouterr().out)}
    layouts = {choice["layout"] for choice in rows[LONG_AUDIENCE]["deck_layouts"].values()
               if choice and choice["by"] == "structure"}
    assert layouts
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["audiences", str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns
    words = " ".join(" ".join(lines).split())  # wrapped lines joined again
    for name in [*rows, *layouts, "RESTRICTED // REL TO HOM, NRV"]:
        assert name in words or name in "".join(words.split()), name


def test_audiences_in_a_pipe_is_a_table_of_100_columns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["audiences", str(write_project(tmp_path))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    rule = next(n for n, line in enumerate(lines) if line.startswith("─"))
    assert sorted(" ".join(lines[1:rule]).split()) == sorted(
        ["audience", "clearance", "country", "language", "length", "formats", "received",
         "withheld", "banner", "deck", "layouts"])
    assert [line.split()[0] for line in lines[rule + 1:] if line[:1] != " "] == [
        "minister", "norvia"]


def test_init_makes_a_project_that_checks_clean(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new"
    assert main(["init", str(target)]) == 0
    assert (target / "content/briefing.yaml").is_file()
    assert (target / "templates/brief/base.html.j2").is_file()
    assert main(["check", str(target), "--strict"]) == 0
    capsys.readouterr()
    assert main(["init", str(target)]) == 2  # refuses a non-empty folder
    # a problem of no file is not printed as `: error: ...`
    assert capsys.readouterr().err.startswith(f"error: {target} is not empty")


def test_check_reports_a_master_layout_the_deck_cannot_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A corporate master with PowerPoint's standard layout names works as it is; a
    layouts.yaml choosing a layout without the placeholders a slide needs is reported, in
    the words the deck renderer uses (both read the master through generator.master)."""
    from pptx import Presentation

    root = write_project(tmp_path)
    (root / "templates/deck").mkdir(parents=True)
    Presentation().save(str(root / "templates/deck/master.pptx"))
    assert main(["check", str(root), "--strict"]) == 0
    (root / "templates/deck/layouts.yaml").write_text("bullets: Title Only\n", "utf-8")
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert ("templates/deck/master.pptx: error: layout 'Title Only' has no body placeholder "
            "(bullets slides put their text there; add one)") in err
