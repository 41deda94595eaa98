"""The generic walk of an Edition's marked items (``edition.walk``): every value of every
field of every model the Edition holds is reached, under the mark of the item it belongs
to. The Edition here is built by introspecting the dataclasses, so a field or a content
kind added later is covered without editing this test."""

from __future__ import annotations

import dataclasses
import itertools
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from generator import edition as ed
from generator.content import load_project
from generator.review import review_sheet
from generator.tailor import tailor

from .projects import write_project


class _Maker:
    """Builds any Edition dataclass with a distinct canary in every text field and a
    distinct Mark on every marked item, remembering which mark each canary must be
    walked under."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.expected: dict[str, ed.Mark] = {}  # canary -> the mark of its owning item

    def mark(self) -> ed.Mark:
        n = next(self.counter)
        return ed.Mark(f"LEVEL{n}", n, f"(L{n})")

    def make(self, cls: type[Any], owner: ed.Mark) -> Any:
        hints = typing.get_type_hints(cls)
        own: ed.Mark | None = None
        if hints.get("mark") in (ed.Mark, ed.Mark | None):
            own = self.mark()  # a marked item: its fields belong to it
        if cls is ed.Edition:
            own = self.mark()  # the document's frame
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if (f.name == "mark" and own is not None) or (cls is ed.Edition
                                                          and f.name == "frame_mark"):
                values[f.name] = own
            elif cls is ed.Edition and f.name == "banner_mark":
                values[f.name] = ed.Mark("TOP", 0)
            else:
                values[f.name] = self.value(hints[f.name], f"{cls.__name__}.{f.name}",
                                            own or owner)
        return cls(**values)

    def value(self, tp: Any, where: str, owner: ed.Mark) -> Any:
        origin, args = get_origin(tp), get_args(tp)
        if tp is str or tp is Any:
            canary = f"Qz{where.replace('.', '_')}{next(self.counter)}z"
            self.expected[canary] = owner
            return canary
        if tp is ed.Mark:
            return self.mark()
        if tp is bool:
            return True
        if tp in (int, float):
            return tp(next(self.counter) + 100000)
        if origin is Literal:
            return args[0]
        if origin in (Union, types.UnionType):
            return self.value(next(a for a in args if a is not type(None)), where, owner)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return (self.value(args[0], where, owner),)
            return tuple(self.value(a, where, owner) for a in args)
        if dataclasses.is_dataclass(tp):
            return self.make(tp, owner)  # type: ignore[arg-type]
        raise AssertionError(f"{where}: no value for type {tp!r}; teach the walk test")


def test_every_text_field_of_the_edition_is_walked_under_its_items_mark() -> None:
    maker = _Maker()
    edition = maker.make(ed.Edition, ed.Mark("NONE", 0))
    items = list(ed.walk(edition))
    found: dict[str, list[ed.Mark]] = {}
    for item in items:
        for text in item.texts:
            found.setdefault(text, []).append(item.mark)
    assert len(maker.expected) > 40  # the introspection really built the whole Edition
    for canary, mark in maker.expected.items():
        assert found.get(canary) == [mark], f"{canary}: walked under {found.get(canary)}"
    # every marked item is yielded once, under its own mark
    marks = [item.mark for item in items]
    assert len(marks) == len(set(marks))
    assert items[0].kind == "document" and items[0].mark == edition.frame_mark


def test_banner_is_set_by_the_highest_item_of_any_kind() -> None:
    maker = _Maker()
    edition = maker.make(ed.Edition, ed.Mark("NONE", 0))
    items = list(ed.walk(edition))
    top = max(items, key=lambda i: i.mark.rank)
    banner, mark, setter = ed.banner_of(edition)
    assert mark == top.mark and setter == top
    assert banner == f"{top.mark.level} // REL TO {edition.home_code}, " \
                     f"{edition.audience.country}"


def test_received_counts_the_walked_items(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path))
    minister = tailor(project, "minister")
    e = minister.edition
    # by hand, as the fixture project holds them
    expected = (len(e.key_messages) + len(e.recommendations) + len(e.partners) + len(e.charts)
                + sum(1 + len(s.key_points) + sum(1 for p in s.body if p.mark) + len(s.notes)
                      for s in e.sections)
                + sum(1 + len(c.benefits) + len(c.metrics) + len(c.notes)
                      for c in e.collaborations)
                + sum(len(c.notes) for c in e.charts))
    assert minister.received == expected == 15
    assert f"| Items received | {expected} |" in review_sheet(minister)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


def test_every_string_a_renderer_gets_is_reached_under_its_effective_marking(
        tmp_path: Path) -> None:
    """Notes, alt text, captions, chart titles and labels, table cells, link targets and
    file names, written into a real project: each is walked under the marking the rules
    give it (nested items take the higher of their own and their parent's)."""
    expected = {  # canary -> its effective marking
        "Qkmlinkz": "SECRET", "Qsecalt": "CONFIDENTIAL", "Qseccap": "CONFIDENTIAL",
        "Qseclinkz": "CONFIDENTIAL", "Qsecfile": "CONFIDENTIAL", "Qkpz": "CONFIDENTIAL",
        "Qcellz": "SECRET", "Qsnplainz": "CONFIDENTIAL", "Qsnsecretz": "SECRET",
        "Qchtitlez": "RESTRICTED", "Qchaltz": "RESTRICTED", "Qchunitz": "RESTRICTED",
        "Qcatz": "RESTRICTED", "Qserz": "RESTRICTED", "Qchnotez": "CONFIDENTIAL",
        "Qcsourcez": "RESTRICTED", "Qctagz": "RESTRICTED", "Qmlabelz": "CONFIDENTIAL",
        "Qmunitz": "CONFIDENTIAL", "Qmperiodz": "CONFIDENTIAL", "Qpregionz": "RESTRICTED",
        "Qpflagz": "RESTRICTED", "Qbenefitz": "RESTRICTED",
    }
    root = write_project(tmp_path, {
        "templates/audiences/committee.yaml": "title: C\nclearance: RESTRICTED\n",
        "content/images/Qsecfile.svg": SVG, "content/images/Qpflagz.svg": SVG,
        "content/data/exercises.csv": "year,NRV,Qserz\nQcatz,1,2\n2023,3,4\n",
        "content/briefing.yaml": (
            "title: T\nissuer: I\ndate: 2026-11-27\nhome: {code: HOM, name: Home}\n"
            "classification: {levels: [PUBLIC, RESTRICTED, CONFIDENTIAL, SECRET]}\n"
            "summary: S.\nkey_messages:\n  - text: See [here](https://example.org/Qkmlinkz).\n"
            "    marking: SECRET\ncharts:\n  - id: ex\n    title: Qchtitlez\n"
            "    data: data/exercises.csv\n    description: Qchaltz\n    unit: Qchunitz\n"
            "    marking: RESTRICTED\n    notes:\n      text: Qchnotez\n"
            "      marking: CONFIDENTIAL\n"),
        "content/partners.yaml": (
            "- code: NRV\n  name: Norvia\n- code: ALT\n  name: Altmark\n  region: Qpregionz\n"
            "  flag: images/Qpflagz.svg\n  marking: RESTRICTED\n"),
        "content/collaborations/patrols.yaml": (
            "title: Patrols\nkind: other\npartners: [NRV, ALT]\nsummary: s\n"
            "marking: RESTRICTED\ntags: [Qctagz]\nsources: [Qcsourcez]\nbenefits:\n"
            "  - category: security\n    text: Qbenefitz\nmetrics:\n  - label: Qmlabelz\n"
            "    unit: Qmunitz\n    values: {Qmperiodz: 4}\n    marking: CONFIDENTIAL\n"),
        "content/sections/01-context.md": (
            "---\ntitle: Context\nmarking: CONFIDENTIAL\nlength: summary\nkey_points: [Qkpz]\n"
            "notes:\n  - Qsnplainz\n  - text: Qsnsecretz\n    marking: SECRET\n---\n"
            '![Qsecalt](images/Qsecfile.svg "Qseccap") and [a link](https://example.org/'
            "Qseclinkz).\n\n::: marking=SECRET\n| a | b |\n|---|---|\n| Qcellz | 1 |\n:::\n"),
    })
    project = load_project(root)
    items = list(ed.walk(tailor(project, "minister").edition))
    for canary, level in expected.items():
        holders = {item.mark.level for item in items if any(canary in t for t in item.texts)}
        assert holders == {level}, f"{canary}: walked under {holders}, expected {level}"
    # and a lower audience's Edition holds none of those above its clearance
    committee = tailor(project, "committee").edition
    blob = "\n".join(t for item in ed.walk(committee) for t in item.texts)
    for canary, level in expected.items():
        assert (canary in blob) == (level == "RESTRICTED"), canary
