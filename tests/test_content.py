"""The load stage: every strictness rule of the spec gets its exact FILE:LINE:COL error."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.content import load_project
from generator.errors import ContentError

from .projects import BRIEFING, PARTNERS, PATROLS, SECTION, write_project
from .test_limits import png

CASES: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "yaml syntax error": (
        {"content/partners.yaml": "- code: NRV\n  name: [Norvia\n"},
        "content/partners.yaml:3:1: error: YAML syntax error: expected ',' or ']', "
        "but got '<stream end>'",
    ),
    "unknown key with near miss": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("summary:", "summry:")},
        "content/collaborations/patrols.yaml:10:1: error: unknown key `summry` "
        "(did you mean `summary`?)",
    ),
    "wrong type": (
        {"content/partners.yaml": PARTNERS.replace("since: 2011", "since: twenty")},
        "content/partners.yaml:5:10: error: `since` must be a whole number, "
        "found the text `twenty`",
    ),
    "missing required field": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("kind: border-security\n", "")},
        "content/collaborations/patrols.yaml:1:1: error: missing required key `kind`",
    ),
    "unknown partner": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("partners: [NRV]",
                                                                "partners: [NRW]")},
        "content/collaborations/patrols.yaml:4:12: error: unknown partner `NRW` "
        "(did you mean `NRV`?)",
    ),
    "unknown marking": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("marking: RESTRICTED",
                                                                "marking: RESTRICTD")},
        "content/collaborations/patrols.yaml:8:10: error: unknown marking `RESTRICTD` "
        "(did you mean `RESTRICTED`?)",
    ),
    "unknown category": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("category: security",
                                                                "category: safety")},
        "content/collaborations/patrols.yaml:12:15: error: `safety` is not a valid category: "
        "expected one of security, diplomatic, economic, technological or humanitarian (a "
        "project may declare its own in `benefit_categories:` of content/briefing.yaml)",
    ),
    "duplicate id": (
        {"content/collaborations/zz-copy.yaml": PATROLS},
        "content/collaborations/zz-copy.yaml:1:5: error: duplicate collaboration id "
        "`joint-border-patrols` (also in content/collaborations/patrols.yaml)",
    ),
    "duplicate key": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\ntitle: N\n"},
        "templates/audiences/minister.yaml:3:1: error: duplicate key `title` "
        "(each key may appear once in a mapping)",
    ),
    "alias": (
        {"templates/audiences/minister.yaml": "title: &t Minister\nclearance: SECRET\n"
                                              "length: full\nvariables: {x: *t}\n"},
        "templates/audiences/minister.yaml:1:8: error: YAML anchor `&t` is not allowed",
    ),
    "tag": (
        {"templates/audiences/minister.yaml": "title: !!python/object x\nclearance: SECRET\n"},
        "templates/audiences/minister.yaml:1:8: error: YAML tag `!!python/object` "
        "is not allowed",
    ),
    "control character": (
        {"content/sections/01-context.md": SECTION.replace("More.", "Mo\x07re.")},
        "content/sections/01-context.md:15:3: error: control character U+0007 in text",
    ),
    "noncharacter": (
        {"content/sections/01-context.md": SECTION.replace("More.", "Mo\uffffre.")},
        "content/sections/01-context.md:15:3: error: character U+FFFF in text",
    ),
    "right-to-left override": (
        {"content/sections/01-context.md": SECTION.replace("More.", "Mo\u202ere.")},
        "content/sections/01-context.md:15:3: error: character U+202E (RIGHT-TO-LEFT "
        "OVERRIDE) in text (it makes the text after it read in another order than it is "
        "written",
    ),
    "escaped left-to-right override in a title": (
        {"content/collaborations/patrols.yaml": PATROLS.replace(
            "title: Joint border patrols", 'title: "Joint \\u202Dborder patrols"')},
        "content/collaborations/patrols.yaml:2:8: error: character U+202D (LEFT-TO-RIGHT "
        "OVERRIDE) in text (remove the escape that writes it)",
    ),
    "escaped control character in a quoted string": (
        {"content/briefing.yaml": BRIEFING.replace("summary: Collaboration pays.",
                                                   'summary: "Collaboration \\x01 pays."')},
        "content/briefing.yaml:9:10: error: control character U+0001 in text "
        "(remove the escape that writes it)",
    ),
    "escaped noncharacter in a list": (
        {"content/briefing.yaml": BRIEFING.replace(
            "  - Shared training has cut response times.",
            '  - "Shared training \\uffff has cut response times."')},
        "content/briefing.yaml:11:5: error: character U+FFFF in text",
    ),
    "escaped half surrogate in a nested value": (
        {"content/partners.yaml": PARTNERS.replace("name: {en: Emirate of Qamar",
                                                   'name: {en: "Emirate \\ud800 of Qamar"')},
        "content/partners.yaml:10:14: error: character U+D800 in text",
    ),
    "escaped next-line in a key": (
        {"content/partners.yaml": PARTNERS.replace("  region: North", '  "reg\\Nion": North')},
        "content/partners.yaml:4:3: error: control character U+0085 in text",
    ),
    "non-UTF-8 file": (
        {"content/partners.yaml": PARTNERS.replace("Norvia", "Norv\u00eda").encode("utf-8").replace(
            "\u00ed".encode(), b"\xed")},
        "content/partners.yaml:2:27: error: file is not UTF-8 (byte 0xed)",
    ),
    "CSV with a non-number": (
        {"content/data/exercises.csv": "year,NRV,ALT\n2022,1,2\n2023,3,four\n"},
        "content/data/exercises.csv:3:8: error: `four` in column `ALT` is not a number",
    ),
    "missing data file": (
        {"content/data/exercises.csv": None},
        "content/briefing.yaml:21:11: error: data file `data/exercises.csv` does not exist",
    ),
    "image path leaving content": (
        {"content/sections/01-context.md": SECTION + "\n![map](../../secret.png)\n"},
        "content/sections/01-context.md:17:1: error: image `../../secret.png` leaves content/",
    ),
    "file URL image": (
        {"content/sections/01-context.md": SECTION + "\n![map](file:///etc/passwd)\n"},
        "content/sections/01-context.md:17:1: error: image `file:///etc/passwd` is a file: URL",
    ),
    "remote image": (
        {"content/collaborations/patrols.yaml": PATROLS.replace(
            "summary: Coordinated patrols.",
            "summary: 'Patrols ![x](https://example.org/x.png)'")},
        "content/collaborations/patrols.yaml:10:10: error: image `https://example.org/x.png` "
        "is not a file under content/",
    ),
    "image that is not one": (
        {"content/sections/01-context.md": SECTION + "\n![map](images/map.png)\n",
         "content/images/map.png": "hello"},
        "content/sections/01-context.md:17:1: error: image `images/map.png` is not a readable "
        "PNG, JPEG or SVG image (an image is a .png, .jpg or .svg file)",
    ),
    "cut-off PNG flag": (
        {"content/partners.yaml": PARTNERS.replace("  region: North", "  flag: images/f.png"),
         "content/images/f.png": png(4, 3)[:50]},
        "content/partners.yaml:4:9: error: flag `images/f.png` is damaged or cut off (its data "
        "does not read to the end) (save or export it again)",
    ),
    "GIF flag": (
        {"content/partners.yaml": PARTNERS.replace("  region: North", "  flag: images/f.gif"),
         "content/images/f.gif": bytes.fromhex("47494638396101000100800000000000ffffff21f904"
                                               "01000000002c00000000010001000002024401003b")},
        "content/partners.yaml:4:9: error: flag `images/f.gif` is not a readable PNG, JPEG or "
        "SVG image",
    ),
    "PNG under another name": (
        {"content/sections/01-context.md": SECTION + "\n![map](images/map.txt)\n",
         "content/images/map.txt": png(4, 3)},
        "content/sections/01-context.md:17:1: error: image `images/map.txt` is not a PNG, JPEG "
        "or SVG file",
    ),
    "SVG image reading a file outside the project": (
        {"content/sections/01-context.md": SECTION + "\n![map](images/map.svg)\n",
         "content/images/map.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink='
                                   '"http://www.w3.org/1999/xlink" width="10" height="10">'
                                   '<image xlink:href="file:///etc/hostname"/></svg>'},
        "content/sections/01-context.md:17:1: error: image `images/map.svg` refers to "
        "`file:///etc/hostname` (an SVG may draw only what it holds itself",
    ),
    "SVG flag with a script": (
        {"content/partners.yaml": PARTNERS.replace("  region: North", "  flag: images/f.svg"),
         "content/images/f.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                 'height="10"><script>alert(1)</script></svg>'},
        "content/partners.yaml:4:9: error: flag `images/f.svg` holds a script",
    ),
    "SVG declaring entities": (
        {"content/sections/01-context.md": SECTION + "\n![map](images/map.svg)\n",
         "content/images/map.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
                                   '<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                   'height="10"><text>&a;</text></svg>'},
        "content/sections/01-context.md:17:1: error: image `images/map.svg` declares entities",
    ),
    "SVG with a remote style": (
        {"content/sections/01-context.md": SECTION + "\n![map](images/map.svg)\n",
         "content/images/map.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                   'height="10"><rect style="fill:url(https://example.org/p)"'
                                   '/></svg>'},
        "content/sections/01-context.md:17:1: error: image `images/map.svg` refers to "
        "`https://example.org/p`",
    ),
    "unquoted colour in a flow mapping": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme: {primary: #123456}\nlength: full\n"},
        "templates/audiences/minister.yaml:3:18: error: `#` starts a comment here, so the `{` "
        "before it is never closed (quote a value that starts with #, such as a colour: "
        '"#0b3d2e")',
    ),
    "unquoted colour in a block mapping": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme:\n  primary: #123456\n  accent: '#c8a951'\n"},
        "templates/audiences/minister.yaml:4:11: error: `theme.primary` must be text, found "
        "nothing (write the value after the colon; one that starts with # must be quoted",
    ),
    # a nested mapping's error names and points at its innermost key, not the outer one
    "wrong type of one side of the margins": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme: {margins: {top: 5}}\n"},
        "templates/audiences/minister.yaml:3:24: error: `theme.margins.top` must be text, "
        "found a number\n",
    ),
    "one side of the margins that is no length": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme:\n  margins:\n    top: 5\n    left: abc\n"},
        "templates/audiences/minister.yaml:5:10: error: `theme.margins.top` must be text, "
        "found a number\ntemplates/audiences/minister.yaml:6:11: error: `abc` is not a length "
        "like 20mm, 2.5cm, 1in or 54pt\n",
    ),
    "unknown key in the margins": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme: {margins: {topp: 20mm}}\n"},
        "templates/audiences/minister.yaml:3:19: error: unknown key `topp` (did you mean "
        "`top`?)",
    ),
    "wrong type in a nested mapping of a content file": (
        {"content/briefing.yaml": BRIEFING.replace("default: PUBLIC}", "default: 5}")},
        "content/briefing.yaml:8:79: error: `classification.default` must be text, found a "
        "number",
    ),
    "margins that are neither a length nor a mapping": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: SECRET\n"
                                              "theme: {margins: -5mm}\n"},
        "templates/audiences/minister.yaml:3:18: error: `-5mm` is not a length like 20mm (or a "
        "mapping of top, right, bottom and left lengths)\n",  # one error, no class names
    ),
    "empty partner list": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("partners: [NRV]",
                                                                "partners: []")},
        "content/collaborations/patrols.yaml:4:11: error: `partners` is empty: it needs at "
        "least 1 entry",
    ),
    "date that is no day of the calendar": (
        {"content/briefing.yaml": BRIEFING.replace("date: 2026-11-27", "date: 2026-13-45")},
        "content/briefing.yaml:5:7: error: `date` must be a date (YYYY-MM-DD), found the text "
        "`2026-13-45`",
    ),
    "whole number of 5000 digits": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("since: 2019",
                                                                "since: " + "9" * 5000)},
        "content/collaborations/patrols.yaml:6:8: error: `since` must be a whole number, found "
        "the text `999",
    ),
    "list as a period of a metric": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("2022: 40", "[a]: 40")},
        "content/collaborations/patrols.yaml:18:13: error: `[key]` must be text, found a list",
    ),
    "footnote in a key message": (
        {"content/briefing.yaml": BRIEFING.replace(
            "  - Shared training has cut response times.",
            "  - Shared training[^1] has cut response times.")},
        "content/briefing.yaml:11:5: error: footnote `[^1]` has no definition in this text",
    ),
    "home nation as a partner": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("partners: [NRV]",
                                                                "partners: [HOM]")},
        "content/collaborations/patrols.yaml:4:12: error: unknown partner `HOM` (`HOM` is the "
        "home nation (`home:` in content/briefing.yaml), not a partner",
    ),
    "marking in lower case": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("marking: RESTRICTED",
                                                                "marking: restricted")},
        "content/collaborations/patrols.yaml:8:10: error: unknown marking `restricted` (did you "
        "mean `RESTRICTED`?)",
    ),
    "until before since": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("since: 2019",
                                                                "since: 2019\nuntil: 2009")},
        "content/collaborations/patrols.yaml:7:8: error: `until` 2009 is before `since` 2019",
    ),
    "data value too large to add up": (
        {"content/data/exercises.csv": "year,NRV,ALT\n2022,1e308,2\n2023,3,4\n"},
        "content/data/exercises.csv:2:6: error: `1e308` in column `NRV` is larger than a chart "
        "can draw (at most 10^15 either side of 0) (give the values in a larger unit",
    ),
    "metric value too large to format": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("2022: 40", "2022: 1e308")},
        "content/collaborations/patrols.yaml:18:20: error: `values`: 1e+308 is larger than a "
        "table or chart can show (at most 10^15 either side of 0)",
    ),
    "metric value an integer too large": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("2022: 40",
                                                                "2022: 10000000000000000")},
        "content/collaborations/patrols.yaml:18:20: error: `values`: 1e+16 is larger than a "
        "table or chart can show (at most 10^15 either side of 0)",
    ),
    "metric value an integer too large for any number": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("2022: 40", "2022: 1" + "0" * 400)},
        "content/collaborations/patrols.yaml:18:20: error: `values`: a 401-digit number is "
        "larger than a table or chart can show (at most 10^15 either side of 0)",
    ),
    "empty cell in a data file": (
        {"content/data/exercises.csv": "year,NRV,ALT\n2022,,2\n2023,3,4\n"},
        "content/data/exercises.csv:2:6: error: empty cell in column `NRV` (write a number: 0 "
        "if there was none)",
    ),
    "data value with an underscore": (
        {"content/data/exercises.csv": "year,NRV,ALT\n2022,1_000,2\n2023,3,4\n"},
        "content/data/exercises.csv:2:6: error: `1_000` in column `NRV` is not a number",
    ),
    "pie chart of zeros": (
        {"content/briefing.yaml": BRIEFING.replace("type: bar", "type: pie"),
         "content/data/exercises.csv": "year,NRV,ALT\n2022,0,2\n2023,0,4\n"},
        "content/briefing.yaml:21:11: error: a pie chart needs values that add up to more "
        "than 0, and those of data/exercises.csv do not",
    ),
    "pie chart with a negative value": (
        {"content/briefing.yaml": BRIEFING.replace("type: bar", "type: pie"),
         "content/data/exercises.csv": "year,NRV,ALT\n2022,-1,2\n2023,3,4\n"},
        "content/briefing.yaml:20:11: error: a pie chart cannot show negative values",
    ),
    "unknown releasable_to code": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("releasable_to: [NRV]",
                                                                "releasable_to: [NRV, XX]")},
        "content/collaborations/patrols.yaml:9:22: error: unknown partner `XX` in releasable_to",
    ),
    "unknown marking in fenced block": (
        {"content/sections/01-context.md": SECTION.replace("marking=CONFIDENTIAL",
                                                           "marking=CONFIDENTAL")},
        "content/sections/01-context.md:11:1: error: unknown marking `CONFIDENTAL` "
        "(did you mean `CONFIDENTIAL`?)",
    ),
    "unclosed fenced block": (
        {"content/sections/01-context.md": SECTION.replace("Cleared para.\n:::\n",
                                                           "Cleared para.\n")},
        "content/sections/01-context.md:11:1: error: marked block is not closed",
    ),
    "unknown audience clearance": (
        {"templates/audiences/minister.yaml": "title: M\nclearance: TOPSECRET\n"},
        "templates/audiences/minister.yaml:2:12: error: unknown clearance `TOPSECRET`",
    ),
    "bad partner code": (
        {"content/partners.yaml": PARTNERS.replace("code: ALT", "code: alt")},
        "content/partners.yaml:6:9: error: `alt` is not a partner code",
    ),
    "duplicate partner": (
        {"content/partners.yaml": PARTNERS.replace("code: ALT", "code: NRV")},
        "content/partners.yaml:6:9: error: duplicate partner code `NRV`",
    ),
    "data URL image": (
        {"content/sections/01-context.md": SECTION + "\n![x](data:image/png;base64,AAAA)\n"},
        "content/sections/01-context.md:17:1: error: image `data:image/png;base64,AAAA` is not "
        "a file under content/",
    ),
    "unknown series": (
        {"content/briefing.yaml": BRIEFING.replace("series: [NRV, ALT]", "series: [NRV, ALX]")},
        "content/briefing.yaml:22:19: error: series `ALX` is not a column of "
        "data/exercises.csv (did you mean `ALT`?)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_its_error_and_nothing_is_written(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, expected = CASES[case]
    root = write_project(tmp_path, files)
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert main(["build", str(root), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert "nothing was written" in err
    assert not (root / "output").exists()


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/partners.yaml": PARTNERS.replace("since: 2011", "since: x"),
        "content/collaborations/patrols.yaml": PATROLS.replace("summary:", "sumary:"),
        "templates/audiences/minister.yaml": "title: M\nclearance: NOPE\n",
    })
    with pytest.raises(ContentError) as info:
        load_project(root)
    files = {d.file for d in info.value.diagnostics}
    assert files == {"content/partners.yaml", "content/collaborations/patrols.yaml",
                     "templates/audiences/minister.yaml"}


def test_yaml_12_keeps_strings_that_look_like_other_things(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/partners.yaml": PARTNERS + "- code: NO\n  name: on\n  region: '1:20'\n"
                                            "- code: ON\n  name: 1:20\n",
        "content/collaborations/patrols.yaml": PATROLS.replace("partners: [NRV]",
                                                               "partners: [NRV, NO, ON]"),
    })
    project = load_project(root)
    codes = [p.model.code for p in project.partners]
    assert codes == ["NRV", "ALT", "QAM", "NO", "ON"]
    assert project.partner("NO").model.name == "on"  # type: ignore[union-attr]
    assert project.partner("ON").model.name == "1:20"  # type: ignore[union-attr]


def test_crlf_line_endings_and_bom_are_accepted(tmp_path: Path) -> None:
    text = ("\ufeff" + PATROLS).replace("\n", "\r\n").encode("utf-8")
    root = write_project(tmp_path, {"content/collaborations/patrols.yaml": text})
    project = load_project(root)
    assert project.collaborations[0][0] == "joint-border-patrols"


def test_symlink_leaving_content_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    root = write_project(tmp_path / "p", {
        "content/sections/01-context.md": SECTION + "\n![x](images/link.png)\n"})
    (root / "content" / "images").mkdir()
    (root / "content" / "images" / "link.png").symlink_to(outside)
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "content/sections/01-context.md:17:1: error: image `images/link.png` leaves content/" \
        in str(info.value)


def test_translations_are_loaded_and_checked(tmp_path: Path) -> None:
    ar = SECTION.replace("title: Strategic context", "title: السياق الاستراتيجي")
    root = write_project(tmp_path, {"content/sections/01-context.ar.md": ar,
                                    "content/sections/02-missing.ar.md": ar})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert ("content/sections/02-missing.ar.md:2:1: error: translation of a section that "
            "does not exist: sections/02-missing.md") in str(info.value)


def test_a_section_that_cannot_be_read_does_not_orphan_its_translations(
        tmp_path: Path) -> None:
    ar = SECTION.replace("title: Strategic context", "title: السياق الاستراتيجي")
    root = write_project(tmp_path, {
        "content/sections/01-context.md": SECTION.replace("More.", "Mo\x07re."),
        "content/sections/01-context.ar.md": ar})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "control character U+0007" in str(info.value)
    assert "does not exist" not in str(info.value)  # its file is there: one error, not two


def test_a_translation_keeps_the_originals_marked_blocks(tmp_path: Path) -> None:
    ar = SECTION.replace("title: Strategic context", "title: السياق الاستراتيجي")
    dropped = ar.replace("::: marking=CONFIDENTIAL releasable_to=NRV\n", "").replace(
        "Cleared para.\n:::\n", "Cleared para.\n")
    root = write_project(tmp_path, {"content/sections/01-context.ar.md": dropped})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert ("content/sections/01-context.ar.md:2:1: error: the ar translation has 0 marked "
            "parts, sections/01-context.md has 1") in str(info.value)


@pytest.mark.parametrize("fence", ["  ::: marking=CONFIDENTIAL", "> ::: marking=CONFIDENTIAL",
                                   "::: marking=CONFIDENTIAL class=x"])
def test_a_refused_fence_is_one_error_not_also_a_translation_mismatch(
        fence: str, tmp_path: Path) -> None:
    ar = SECTION.replace("title: Strategic context", "title: السياق الاستراتيجي")
    root = write_project(tmp_path, {
        "content/sections/01-context.md": SECTION.replace(
            "::: marking=CONFIDENTIAL releasable_to=NRV", fence),
        "content/sections/01-context.ar.md": ar})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "content/sections/01-context.md:11:" in str(info.value)
    assert "marked parts" not in str(info.value)


def test_a_translation_writes_the_originals_labels(tmp_path: Path) -> None:
    figure = "\n![Map](images/map.png \"Map\"){#fig-map}\n"
    ar = SECTION.replace("title: Strategic context", "title: السياق الاستراتيجي")
    root = write_project(tmp_path, {
        "content/images/map.png": png(4, 3),
        "content/sections/01-context.md": SECTION + figure,
        "content/sections/01-context.ar.md": ar + figure})
    load_project(root)  # the original's label: fine
    write_project(tmp_path, {"content/sections/01-context.md": SECTION + figure,
                             "content/sections/01-context.ar.md":
                             ar + figure.replace("fig-map", "fig-carte")})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert ("content/sections/01-context.ar.md:17:29: error: label `fig-carte` is not one of "
            "sections/01-context.md (a translation keeps the original's labels, so that every "
            "language's @-references agree; did you mean `fig-map`?)") in str(info.value)
    # a label the original writes twice (here: also a chart's) is one error, in the original
    write_project(tmp_path, {"content/sections/01-context.md":
                             SECTION + figure.replace("fig-map", "fig-exercises"),
                             "content/sections/01-context.ar.md":
                             ar + figure.replace("fig-map", "fig-exercises")})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "label `fig-exercises` is used twice" in str(info.value)
    assert "01-context.ar.md" not in str(info.value)


def test_a_comment_inside_a_flow_over_several_lines_is_still_yaml(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"content/collaborations/patrols.yaml": PATROLS.replace(
        "partners: [NRV]", "partners: [NRV,  # the first\n  ALT]")})
    load_project(root)


def test_a_pie_that_adds_up_to_0_for_one_audience_is_an_error_in_check_and_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the whole pie adds up; without ALT, which Norvia may not see, it is all zeros
    root = write_project(tmp_path, {
        "content/briefing.yaml": BRIEFING.replace("type: bar", "type: pie").replace(
            "series: [NRV, ALT]", "series: [ALT, NRV]"),
        "content/partners.yaml": PARTNERS.replace("  kind: alliance",
                                                  "  kind: alliance\n  marking: CONFIDENTIAL"),
        "content/data/exercises.csv": "year,NRV,ALT\n2022,0,2\n2023,0,4\n"})
    expected = ("content/briefing.yaml:21:11: error: a pie chart needs values that add up to "
                "more than 0: for audience `norvia`, without the series of the partners it may "
                "not see, those of data/exercises.csv add up to 0")
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "`minister`" not in err, err
    assert main(["build", str(root), "-j", "1"]) == 1
    assert expected in capsys.readouterr().err
    assert not (root / "output").exists()


def test_valid_project_loads(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path))
    assert [p.model.code for p in project.partners] == ["NRV", "ALT", "QAM"]
    assert [cid for cid, _ in project.collaborations] == ["joint-border-patrols"]
    assert [s.id for s in project.sections] == ["01-context"]
    assert project.charts[0].columns == {"NRV": [1.0, 3.0], "ALT": [2.0, 4.0]}
    assert sorted(project.audiences) == ["minister", "norvia"]
    assert project.warnings == []


def test_releasable_to_on_a_lowest_level_item_is_a_warning(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"content/collaborations/patrols.yaml": PATROLS.replace(
        "marking: RESTRICTED\n", "")})
    project = load_project(root)
    assert [d.format() for d in project.warnings] == [
        "content/collaborations/patrols.yaml:8:1: warning: releasable_to has no effect on an "
        "item at PUBLIC: it is releasable to all (give the item a higher marking, or remove "
        "releasable_to)"]


def test_a_content_file_linking_out_of_the_project_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(PATROLS.replace("Joint border patrols", "OUTSIDE-CANARY"), "utf-8")
    root = write_project(tmp_path / "p")
    (root / "content/collaborations/linked.yaml").symlink_to(outside)
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "content/collaborations/linked.yaml:1:1: error: file leaves the project" \
        in str(info.value)
    assert "OUTSIDE-CANARY" not in str(info.value)


def test_a_loop_of_symbolic_links_is_a_file_error_not_a_crash(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p")
    (root / "content/collaborations/a.yaml").symlink_to("b.yaml")
    (root / "content/collaborations/b.yaml").symlink_to("a.yaml")
    with pytest.raises(ContentError) as info:
        load_project(root)
    lines = [d.format() for d in info.value.diagnostics]
    assert "content/collaborations/a.yaml:1:1: error: file is a loop of symbolic links " \
        "(replace the link with the file itself)" in lines


def test_an_image_that_is_a_loop_of_symbolic_links_is_an_error_at_its_reference(
        tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"content/sections/01-context.md": SECTION.replace(
        "Body para.", "Body para.\n\n![Map](images/x.svg \"The map\")")})
    (root / "content/images").mkdir(parents=True)
    (root / "content/images/x.svg").symlink_to("y.svg")
    (root / "content/images/y.svg").symlink_to("x.svg")
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert [d.format() for d in info.value.diagnostics] == [
        "content/sections/01-context.md:11:1: error: image `images/x.svg` is a loop of "
        "symbolic links (replace the link with the file itself)"]


FENCE = "::: marking=CONFIDENTIAL releasable_to=NRV"
MISPLACED = "`:::` must start its line: a marked block cannot be indented, quoted or inside a list"

FAIL_CLOSED: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "fence indented by two spaces": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, "  " + FENCE)},
        f"content/sections/01-context.md:11:3: error: {MISPLACED}",
    ),
    "fence indented by a tab": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, "\t" + FENCE)},
        f"content/sections/01-context.md:11:2: error: {MISPLACED}",
    ),
    "fence in a quote": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, "> " + FENCE)},
        f"content/sections/01-context.md:11:3: error: {MISPLACED}",
    ),
    "fence in a list item": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, "- " + FENCE)},
        f"content/sections/01-context.md:11:3: error: {MISPLACED}",
    ),
    "fence in a numbered list inside a quote": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, "> 1. " + FENCE)},
        f"content/sections/01-context.md:11:6: error: {MISPLACED}",
    ),
    "code fence in a list item hiding a fence at the top level": (
        {"content/sections/01-context.md": SECTION.replace("Body para.", "- Item.\n  ```")},
        "content/sections/01-context.md:12:1: error: this `:::` line would be printed as text: "
        "the ``` or ~~~ line before it does not open a code block here",
    ),
    "misspelled keyword": (
        {"content/sections/01-context.md": SECTION.replace("marking=CONF", "markng=CONF")},
        "content/sections/01-context.md:11:5: error: unknown attribute `markng` of a marked "
        "block (did you mean `marking`?)",
    ),
    "fence keyword without a value": (
        {"content/sections/01-context.md": SECTION.replace("marking=CONFIDENTIAL", "marking=")},
        "content/sections/01-context.md:11:5: error: `marking=` without a value in a marked "
        "block",
    ),
    "fence keyword given twice": (
        {"content/sections/01-context.md": SECTION.replace(
            "marking=CONFIDENTIAL", "marking=CONFIDENTIAL marking=PUBLIC")},
        "content/sections/01-context.md:11:26: error: `marking` appears twice in a marked block",
    ),
    "fence followed by something that does not parse": (
        {"content/sections/01-context.md": SECTION.replace(FENCE, FENCE + " secret")},
        "content/sections/01-context.md:11:44: error: `secret` in a marked block: expected "
        "key=value",
    ),
    "fence line in a YAML text": (
        {"content/briefing.yaml": BRIEFING.replace(
            "summary: Collaboration pays.",
            "summary: |\n  Collaboration pays.\n  ::: marking=SECRET\n  Hidden.\n  :::")},
        "content/briefing.yaml:9:10: error: a marked block (`:::`) is only possible in a "
        "section body",
    ),
    "empty marking of a key message": (
        {"content/briefing.yaml": BRIEFING.replace("    marking: SECRET", "    marking:")},
        "content/briefing.yaml:13:5: error: `marking` is empty (give a level, or remove the "
        "key for the default level)",
    ),
    "empty-string marking of a benefit": (
        {"content/collaborations/patrols.yaml": PATROLS.replace(
            "    marking: CONFIDENTIAL", "    marking: ''")},
        "content/collaborations/patrols.yaml:14:5: error: `marking` is empty",
    ),
    "null marking in section front matter": (
        {"content/sections/01-context.md": SECTION.replace("marking: PUBLIC", "marking: null")},
        "content/sections/01-context.md:3:1: error: `marking` is empty",
    ),
    "two profiles for one audience": (
        {"templates/audiences/minister.yml": "title: M\nclearance: PUBLIC\n"},
        "templates/audiences/minister.yaml:1:1: error: two profiles for one audience: "
        "templates/audiences/minister.yaml and templates/audiences/minister.yml",
    ),
}


@pytest.mark.parametrize("case", sorted(FAIL_CLOSED))
def test_anything_like_a_marking_that_is_not_one_is_an_error(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, expected = FAIL_CLOSED[case]
    root = write_project(tmp_path, files)
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert expected in str(info.value)


def test_a_backtick_line_that_is_not_a_code_fence_does_not_hide_a_marked_block(
        tmp_path: Path) -> None:
    # "```a`b" is inline code in CommonMark, not a fence: the block after it is a real one.
    root = write_project(tmp_path, {"content/sections/01-context.md": SECTION.replace(
        "Body para.", "```a`b")})
    section = load_project(root).sections[0]
    assert [p.blocks[0].marking for p in section.main.parts if p.blocks] == ["CONFIDENTIAL"]


def test_fence_lines_inside_a_code_block_stay_code(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"content/sections/01-context.md": SECTION.replace(
        "Body para.", "````md\n  ::: marking=SECRET\n```\n:::\n````")})
    section = load_project(root).sections[0]
    assert "  ::: marking=SECRET\n```\n:::\n" in section.main.parts[0].markdown
    assert [p.blocks[0].marking for p in section.main.parts if p.blocks] == ["CONFIDENTIAL"]
