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
