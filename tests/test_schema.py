"""`briefgen schema`: one JSON Schema per kind of file, knowing the project's own marking
levels, partner codes and countries; the default project validates with check-jsonschema,
file by file, section front matter included."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(list(argv))
    return status, out.getvalue()


def _validate(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).with_name("check-jsonschema")
    command = [str(tool)] if tool.exists() else [sys.executable, "-m", "check_jsonschema"]
    return subprocess.run([*command, "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("schema")
    for part in ("content", "templates"):
        shutil.copytree(ROOT / part, project / part)
    status, _ = _run("schema", str(project), "-o", str(project / ".schemas"))
    assert status == 0
    return project


def test_without_a_project_it_prints_one_schema_as_before() -> None:
    status, printed = _run("schema")
    assert status == 0
    document = json.loads(printed)
    assert {"Briefing", "PartnersFile", "Collaboration", "SectionFront", "Audience"} \
        <= set(document["$defs"])


def test_one_schema_per_kind_with_the_projects_words(schemas: Path) -> None:
    folder = schemas / ".schemas"
    assert sorted(p.name for p in folder.iterdir()) == [
        "audience.schema.json", "briefing.schema.json", "collaboration.schema.json",
        "layouts.schema.json", "partners.schema.json", "section-translation.schema.json",
        "section.schema.json", "vscode-settings.json"]
    audience = json.loads((folder / "audience.schema.json").read_text())
    assert audience["properties"]["clearance"]["enum"] == [
        "PUBLIC", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
    assert audience["properties"]["country"]["enum"] == [
        "CSRO", "KES", "LUS", "MDC", "MRN", "SRV", "VAL", "ZAH"]
    collaboration = json.loads((folder / "collaboration.schema.json").read_text())
    assert collaboration["properties"]["partners"]["items"]["enum"][:2] == ["CSRO", "KES"]
    assert collaboration["properties"]["releasable_to"]["items"]["enum"][-1] == "ALL"
    assert json.loads((folder / "vscode-settings.json").read_text()) == {"yaml.schemas": {
        ".schemas/briefing.schema.json": "content/briefing.yaml",
        ".schemas/partners.schema.json": "content/partners.yaml",
        ".schemas/collaboration.schema.json": "content/collaborations/*.yaml",
        ".schemas/audience.schema.json": "templates/audiences/*.yaml",
        ".schemas/layouts.schema.json": "templates/deck/layouts.yaml"}}


def test_the_default_project_validates_file_by_file(schemas: Path, tmp_path: Path) -> None:
    folder = schemas / ".schemas"
    content = schemas / "content"
    fronts: dict[str, list[Path]] = {"section": [], "section-translation": []}
    for md in sorted((content / "sections").glob("*.md")):
        front = md.read_text(encoding="utf-8").split("---\n")[1]
        target = tmp_path / f"{md.name}.yaml"
        target.write_text(front, encoding="utf-8")
        fronts["section-translation" if md.name.count(".") > 1 else "section"].append(target)
    assert fronts["section"] and fronts["section-translation"]
    kinds = {
        "briefing": [content / "briefing.yaml"],
        "partners": [content / "partners.yaml"],
        "collaboration": sorted((content / "collaborations").glob("*.yaml")),
        "audience": sorted((schemas / "templates" / "audiences").glob("*.yaml")),
        **fronts,
    }
    for kind, files in kinds.items():
        done = _validate(folder / f"{kind}.schema.json", files)
        assert done.returncode == 0, (kind, done.stdout, done.stderr)


def test_an_unknown_marking_or_partner_fails_validation(schemas: Path, tmp_path: Path) -> None:
    folder = schemas / ".schemas"
    text = (schemas / "content/collaborations/northern-border-patrols.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("partners: [KES]", "partners: [KEZ]")
                   + "marking: SECRT\n", encoding="utf-8")
    done = _validate(folder / "collaboration.schema.json", [bad])
    assert done.returncode == 1
    assert "'KEZ' is not one of" in done.stdout and "'SECRT' is not one of" in done.stdout


def test_the_citation_style_and_a_sources_author_and_year_validate(schemas: Path,
                                                                   tmp_path: Path) -> None:
    schema = schemas / ".schemas" / "briefing.schema.json"
    briefing = (schemas / "content/briefing.yaml").read_text(encoding="utf-8")
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(briefing + "citations: author-date\nsources:\n  - id: smith\n"
                    "    author: Smith\n    year: 2024\n    text: A review\n", "utf-8")
    bad.write_text(briefing + "citations: harvard\nsources:\n  - id: smith\n"
                   "    year: twenty\n    text: A review\n", "utf-8")
    assert _validate(schema, [good]).returncode == 0
    done = _validate(schema, [bad])
    assert done.returncode == 1
    assert "'harvard' is not one of ['numbered', 'author-date']" in done.stdout
    assert "'twenty' is not of type 'integer'" in done.stdout
