"""Speaker notes are content with a marking: canaries in notes at every marking and
releasability, built into real decks and read back from every part of the package."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation

from generator.build import build
from generator.content import load_project
from generator.errors import ContentError
from generator.tailor import tailor

from .projects import write_project

LEVELS = ["PUBLIC", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
COMBOS: list[tuple[str, str | None]] = [
    ("PUBLIC", None), ("RESTRICTED", None), ("RESTRICTED", "NRV"), ("CONFIDENTIAL", "ALL"),
    ("CONFIDENTIAL", "ALT"), ("SECRET", None), ("SECRET", "NRV")]
AUDIENCES = {
    "minister": ("SECRET", None), "committee": ("CONFIDENTIAL", None),
    "norvia": ("RESTRICTED", "NRV"), "altmark": ("CONFIDENTIAL", "ALT"),
    "press": ("PUBLIC", None),
}


def visible(level: str, releasable: str | None, clearance: str, country: str | None) -> bool:
    """The spec's rule, written independently of the code."""
    if LEVELS.index(level) > LEVELS.index(clearance):
        return False
    if country is None or level == LEVELS[0]:
        return True
    return releasable is not None and releasable in ("ALL", country)


def _entry(text: str, combo: tuple[str, str | None], indent: str) -> str:
    level, rel = combo
    return (f"{indent}- text: {text}\n{indent}  marking: {level}\n"
            + (f"{indent}  releasable_to: [{rel}]\n" if rel else ""))


def _notes_project(root: Path) -> dict[str, tuple[str, str | None]]:
    """Notes canaries in a collaboration, a section and a chart (entries at every combo,
    and a plain string that takes its item's marking); returns canary -> (level, rel)."""
    expected: dict[str, tuple[str, str | None]] = {}

    def notes(kind: str, indent: str) -> str:
        lines = ""
        for i, combo in enumerate(COMBOS):
            canary = f"Qn{kind}{i}z"
            expected[canary] = combo
            lines += _entry(canary, combo, indent)
        return lines

    files: dict[str, str | bytes | None] = {
        "content/collaborations/patrols.yaml": (
            "title: Joint border patrols\nkind: border-security\npartners: [NRV, ALT]\n"
            "summary: Patrols.\nnotes:\n" + notes("c", "  ")),
        "content/collaborations/plain.yaml": (
            "title: Plain\nkind: other\npartners: [NRV]\nsummary: s\nmarking: RESTRICTED\n"
            "releasable_to: [NRV]\nnotes: Qnplainz\n"),
        "content/sections/01-context.md": (
            "---\ntitle: Context\nlength: summary\nkey_points: [A point.]\nnotes:\n"
            + notes("s", "  ") + "---\nBody.\n"),
        "content/briefing.yaml": (
            "title: T\nissuer: I\ndate: 2026-11-27\nhome: {code: HOM, name: Home}\n"
            "classification: {levels: [PUBLIC, RESTRICTED, CONFIDENTIAL, SECRET]}\n"
            "summary: S.\ncharts:\n  - id: ex\n    title: Exercises\n    data: data/exercises.csv\n"
            "    notes:\n" + notes("h", "      ")),
        "templates/audiences/norvia.yaml": None,
        "templates/audiences/minister.yaml": None,
    }
    expected["Qnplainz"] = ("RESTRICTED", "NRV")  # its collaboration's marking
    for name, (clearance, country) in AUDIENCES.items():
        files[f"templates/audiences/{name}.yaml"] = (
            f"title: {name}\nclearance: {clearance}\nlength: full\nformats: [pptx]\n"
            + (f"country: {country}\n" if country else ""))
    files["templates/audiences/quiet.yaml"] = (
        "title: quiet\nclearance: SECRET\nlength: full\nformats: [pptx]\n"
        "speaker_notes: omit\n")
    write_project(root, files)
    return expected


@pytest.fixture(scope="module")
def notes_build(tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, dict[str, tuple[str, str | None]]]:
    root = tmp_path_factory.mktemp("notes")
    expected = _notes_project(root)
    build(root, formats=["pptx"], jobs=1)
    return root, expected


def _every_part(deck: Path) -> dict[str, str]:
    with zipfile.ZipFile(deck) as archive:
        return {name: archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()}


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_notes_reach_only_the_audiences_that_may_see_them(
        notes_build: tuple[Path, dict[str, tuple[str, str | None]]], audience: str) -> None:
    root, expected = notes_build
    clearance, country = AUDIENCES[audience]
    parts = _every_part(root / "output" / audience / "deck.pptx")
    shown = set(re.findall(r"Qn[a-z]+\d*z", "".join(parts.values())))
    may = {c for c, (level, rel) in expected.items() if visible(level, rel, clearance, country)}
    assert shown == may  # nothing withheld in any part, everything allowed on some slide
    assert may and bool(set(expected) - may) == (audience != "minister")  # a real split
    sheet = (root / "output" / "_review" / f"{audience}.md").read_text("utf-8")
    for canary in set(expected) - may:  # the review sheet lists each withheld note
        if canary == "Qnplainz":  # withheld with its collaboration, which is listed
            assert "| collaboration | Plain |" in sheet
            continue
        assert re.search(rf"\| speaker note \| [^|]*{canary}", sheet), canary


def test_each_note_carries_its_own_portion_mark(
        notes_build: tuple[Path, dict[str, tuple[str, str | None]]]) -> None:
    root, expected = notes_build
    parts = _every_part(root / "output" / "minister" / "deck.pptx")
    notes = "".join(text for name, text in parts.items() if "notesSlides/notesSlide" in name)
    for canary, (level, _) in expected.items():
        assert f"({level[0]}) {canary}" in notes, canary


def test_speaker_notes_omit_leaves_no_notes_slide(
        notes_build: tuple[Path, dict[str, tuple[str, str | None]]]) -> None:
    root, expected = notes_build
    deck = root / "output" / "quiet" / "deck.pptx"
    parts = _every_part(deck)
    assert not [name for name in parts if "notes" in name.lower()]  # no notes master either
    assert "notesMaster" not in parts["ppt/presentation.xml"]
    assert "notes" not in parts["[Content_Types].xml"].lower()
    assert len(Presentation(str(deck)).slides) > 3  # still a whole deck
    assert not re.search(r"Qn[a-z]+\d*z", "".join(parts.values()))
    sheet = (root / "output" / "_review" / "quiet.md").read_text("utf-8")
    assert sheet.count("speaker_notes: omit") == len(expected)
    # the same clearance with notes: the omission is the profile's, not the markings'
    minister = _every_part(root / "output" / "minister" / "deck.pptx")
    assert [name for name in minister if "notesSlides/notesSlide" in name]


SECTION = "---\ntitle: Context\nlength: summary\nnotes:\n{notes}---\nBody.\n"
SECTION_AR = "---\ntitle: السياق\nnotes:\n{notes}---\nنص.\n"


def test_a_translations_notes_take_the_originals_markings(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/sections/01-context.md": SECTION.format(
            notes="  - Open with the map.\n  - text: Qnsecretz\n    marking: SECRET\n"),
        "content/sections/01-context.ar.md": SECTION_AR.format(
            notes="  - ابدأ بالخريطة.\n  - text: Qnarsecretz\n    marking: PUBLIC\n"),
        "templates/audiences/zahran.yaml": "title: Z\nclearance: CONFIDENTIAL\nlanguage: ar\n",
        "templates/audiences/zahran-top.yaml": "title: Z\nclearance: SECRET\nlanguage: ar\n",
    })
    project = load_project(root)
    low = tailor(project, "zahran").edition.sections[0].notes
    assert [(n.text, n.mark.level) for n in low] == [("ابدأ بالخريطة.", "PUBLIC")]
    top = tailor(project, "zahran-top").edition.sections[0].notes
    assert [(n.text, n.mark.level) for n in top] == [
        ("ابدأ بالخريطة.", "PUBLIC"), ("Qnarsecretz", "SECRET")]


def test_a_translation_with_another_number_of_notes_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/sections/01-context.md": SECTION.format(
            notes="  - One.\n  - text: Two.\n    marking: SECRET\n"),
        "content/sections/01-context.ar.md": SECTION_AR.format(notes="  - واحد.\n"),
    })
    with pytest.raises(ContentError) as caught:
        load_project(root)
    lines = [d.format() for d in caught.value.diagnostics]
    assert "content/sections/01-context.ar.md:4:3: error: the ar translation has 1 speaker " \
           "notes, sections/01-context.md has 2 (translate each note, in the same order; " \
           "markings come from the original)" in lines, lines


def test_a_notes_marking_is_checked_where_it_is_written(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/collaborations/plain.yaml": (
            "title: Plain\nkind: other\npartners: [NRV]\nsummary: s\nnotes:\n"
            "  - Fine.\n  - text: Wrong.\n    marking: SECRT\n    releasable_to: [NRX]\n"),
    })
    with pytest.raises(ContentError) as caught:
        load_project(root)
    lines = [d.format() for d in caught.value.diagnostics]
    assert "content/collaborations/plain.yaml:8:14: error: unknown marking `SECRT` " \
           "(did you mean `SECRET`?)" in lines, lines
    assert any(line.startswith("content/collaborations/plain.yaml:9:21: error: unknown "
                               "partner `NRX` in releasable_to") for line in lines), lines
