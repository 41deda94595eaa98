"""The template file gate (issue 13 item 2): symlinks, non-template files, FIFOs, and
content images an Edition does not reference. Built through ``build`` into real files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator.build import build
from generator.checks import check_project
from generator.cli import main
from generator.errors import BriefgenError, TemplateError
from generator.templates import resolve_templates

from .conftest import require_tool
from .projects import write_project

CANARY = "SECRET-COLLAB-CANARY"
SECRET = f"""\
title: {CANARY}
kind: intelligence-sharing
partners: [NRV]
status: active
marking: SECRET
summary: Withheld from the press.
"""
SVG = "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'><title>{}</title></svg>"
PRESS = "templates/audiences/press"
OVERRIDE = f"{PRESS}/brief"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", {
        "content/collaborations/secret.yaml": SECRET,
        f"{PRESS}.yaml": "title: Press\nclearance: PUBLIC\nformats: [html, pdf]\n",
        "content/images/zah.svg": SVG.format("WITHHELD-FLAG-CANARY"),
    })


def failure(project: Path, formats: tuple[str, ...] = ("html",)) -> list[str]:
    """The diagnostics of a build of the press audience that must fail, formatted;
    nothing may have been written."""
    with pytest.raises(BriefgenError) as error:
        build(project, audiences=["press"], formats=list(formats), jobs=1)
    assert not (project / "output" / "press").exists()
    return [d.format() for d in error.value.diagnostics]


def test_an_included_link_to_a_content_file_is_refused(project: Path) -> None:
    folder = project / OVERRIDE
    folder.mkdir(parents=True)
    (folder / "leak.j2").symlink_to("../../../../content/collaborations/secret.yaml")
    (folder / "base.html.j2").write_text(
        '{% extends "builtin/base.html.j2" %}\n{% block cover %}\n'
        '{% include "leak.j2" %}\n{% endblock %}', "utf-8")
    [message] = failure(project, ("html", "pdf"))
    assert message.startswith(f"{OVERRIDE}/base.html.j2:3: error: refused to read a "
                              f"template: `{OVERRIDE}/leak.j2` links to "
                              "`content/collaborations/secret.yaml`"), message
    assert CANARY not in message


def test_a_template_named_like_content_is_refused_even_inside_its_folder(
        project: Path) -> None:
    folder = project / OVERRIDE
    (folder / "partials").mkdir(parents=True)
    (folder / "notes.yaml").write_text(f"{CANARY}\n", "utf-8")
    (folder / "partials" / "cover.html.j2").write_text('{% include "notes.yaml" %}', "utf-8")
    [message] = failure(project)
    assert f"`{OVERRIDE}/notes.yaml` is not a template file" in message
    assert message.startswith(f"{OVERRIDE}/partials/cover.html.j2:1:")


def test_a_link_to_a_file_outside_the_project_is_refused(project: Path) -> None:
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").symlink_to("/etc/passwd")
    [message] = failure(project)
    # Reported at the line that includes it (here in the built-in base template).
    assert message.startswith("<built-in>/brief/base.html.j2:"), message
    assert message.endswith(f"`{OVERRIDE}/partials/cover.html.j2` links to a file outside the "
                            "project, outside its template folder")
    assert "/etc" not in message and "root:" not in message


def test_a_loop_of_links_in_place_of_a_template_is_an_error_in_build_and_check(
        project: Path) -> None:
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").symlink_to("loop.html.j2")
    (folder / "loop.html.j2").symlink_to("cover.html.j2")
    [message] = failure(project)
    assert message.endswith(f"`{OVERRIDE}/partials/cover.html.j2` is a loop of symbolic links")
    problems = [d.format() for d in check_project(project) if d.severity == "error"]
    assert any(p.endswith(f"`{OVERRIDE}/partials/cover.html.j2` is a loop of symbolic links")
               for p in problems), problems


def test_a_master_that_is_a_loop_of_links_is_an_error_in_build_and_check(
        project: Path) -> None:
    deck = project / "templates" / "deck"
    deck.mkdir(parents=True)
    (deck / "master.pptx").symlink_to("other.pptx")
    (deck / "other.pptx").symlink_to("master.pptx")
    expected = ("templates/deck/master.pptx: error: `templates/deck/master.pptx` is a loop "
                "of symbolic links (replace the link with the file itself)")
    assert failure(project, ("pptx",)) == [expected]
    assert expected in [d.format() for d in check_project(project)]


def test_a_template_folder_linked_to_content_is_an_error_in_build_and_check(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "templates" / "brief").symlink_to("../content")
    [message] = failure(project)
    assert message.startswith("templates/brief: error: `templates/brief` links to "
                              "`content`, outside the project's templates/ folder")
    problems = [d.format() for d in check_project(project) if d.severity == "error"]
    assert message in problems
    assert main(["check", str(project)]) == 1
    assert "templates/brief: error:" in capsys.readouterr().err


def test_a_master_linked_outside_the_project_is_an_error(project: Path,
                                                         tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.pptx"
    outside.write_bytes(b"PK not really")
    deck = project / "templates" / "deck"
    deck.mkdir(parents=True)
    (deck / "master.pptx").symlink_to(outside)
    with pytest.raises(TemplateError) as error:
        resolve_templates(project, "minister")
    [diagnostic] = error.value.diagnostics
    assert diagnostic.file == "templates/deck/master.pptx"
    assert "outside the project's templates/ folder" in diagnostic.message
    assert str(tmp_path) not in diagnostic.format()


@pytest.mark.parametrize("name", ["partials/cover.html.j2", "brief.css"])
def test_a_fifo_in_a_template_folder_is_refused_not_waited_on(project: Path,
                                                              name: str) -> None:
    folder = project / OVERRIDE
    (folder / "partials").mkdir(parents=True)
    os.mkfifo(folder / name)
    [message] = failure(project)
    assert f"`{OVERRIDE}/{name}` is not a regular file" in message
    if name.endswith(".j2"):  # check parses every template: it must not hang either
        assert any(f"{OVERRIDE}/{name}" in d.file for d in check_project(project))


def test_an_override_may_not_embed_a_content_image_its_edition_does_not_reference(
        project: Path) -> None:
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").write_text(
        '<section class="cover">\n<img src="images/zah.svg" alt="flag"></section>', "utf-8")
    [message] = failure(project, ("pdf",))
    assert message.startswith(f"{OVERRIDE}/partials/cover.html.j2:2: error: refused to read "
                              "`content/images/zah.svg`: this audience's content does not "
                              "refer to it"), message
    (folder / "cover.html.j2").write_text(
        '{{ resource(edition.content_root ~ "/images/zah.svg") }}', "utf-8")
    [message] = failure(project, ("html",))
    assert "content/images/zah.svg" in message and "does not refer to it" in message
    # Markdown of the template's own making is not the Edition's content either.
    (folder / "cover.html.j2").write_text('{{ "![flag](images/zah.svg)"|md }}', "utf-8")
    [message] = failure(project, ("html",))
    assert "content/images/zah.svg" in message and "does not refer to it" in message
    # Nor is a stylesheet's absolute file URL.
    (folder / "cover.html.j2").unlink()
    zah = (project / "content/images/zah.svg").as_uri()
    (folder.parent / "brief.css").write_text(f'body {{ background: url("{zah}"); }}', "utf-8")
    [message] = failure(project, ("html", "pdf"))
    assert message.startswith(f"{OVERRIDE}/brief.css: error: refused to read "
                              "`content/images/zah.svg`"), message


def test_images_the_content_refers_to_still_reach_the_brief(project: Path) -> None:
    write_project(project, {
        "content/images/map.svg": SVG.format("MAP-CANARY"),
        "content/briefing.yaml": (project / "content/briefing.yaml").read_text("utf-8")
        .replace("summary: Collaboration pays.", "summary: 'Collaboration pays. "
                 "![Map](images/map.svg)'"),
    })
    build(project, audiences=["press"], formats=["html", "pdf"], jobs=1)
    page = (project / "output/press/brief.html").read_text("utf-8")
    assert "data:image/svg+xml;base64," in page and "WITHHELD-FLAG-CANARY" not in page
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(project / "output/press/brief.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert CANARY not in text


# ------------------------------------------------------ check finds what build would


def test_check_renders_each_audiences_templates_and_reports_as_build_does(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").write_text(
        '<section class="cover">\n<h1>{{ edition.titel }}</h1></section>', "utf-8")
    [from_build] = failure(project)
    expected = f"{OVERRIDE}/partials/cover.html.j2:2: error: "
    assert from_build.startswith(expected) and "titel" in from_build
    assert main(["check", str(project)]) == 1
    err = capsys.readouterr().err
    assert from_build in err.splitlines()  # the same line, word for word
    assert err.count(expected) == 1  # the PDF's and the page's renderings agree: once


def test_check_reports_a_template_error_only_one_format_reaches(project: Path) -> None:
    """The screen page and the PDF take different branches: both are rendered."""
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").write_text(
        "{% if for_print %}ok{% else %}\n{{ screen_only_typo }}{% endif %}", "utf-8")
    problems = [d.format() for d in check_project(project)]
    assert f"{OVERRIDE}/partials/cover.html.j2:2: error: 'screen_only_typo' is undefined" \
        in problems


def test_check_reports_template_resource_bounds_with_their_line(project: Path) -> None:
    folder = project / OVERRIDE / "partials"
    folder.mkdir(parents=True)
    (folder / "cover.html.j2").write_text("<p>\n{{ range(10**9)|list }}</p>", "utf-8")
    [problem] = [d for d in check_project(project) if d.severity == "error"]
    assert (problem.file, problem.line) == (f"{OVERRIDE}/partials/cover.html.j2", 2)
    assert "MAX_RANGE" in problem.message
