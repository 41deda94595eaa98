"""Jobs and the parts of large briefs on several processes (generator/executors.py):
scheduling, heartbeats, faults and memory. That parts laid out concurrently give the
serial bytes, and run as tasks of their own: tests/test_parts.py."""

from __future__ import annotations

import copyreg
import itertools
import re
import weakref
from pathlib import Path
from typing import Any

import pytest

from generator import executors
from generator.build import build
from generator.render import parts

from .projects import write_project


def test_a_heartbeat_waits_its_interval_per_output() -> None:
    now = [0.0]
    lines: list[str] = []
    beat = executors.Heartbeat(lines.append, 5.0, clock=lambda: now[0])
    beat.started(0, "press/brief.pdf")
    for now[0] in (4.0, 5.0, 9.0, 11.0):
        beat.tick()
    beat.started(1, "press/brief.pdf", 2, 3)
    beat.started(2, "press/brief.pdf", 3, 3)
    beat.started(3, "press/deck.pptx")
    for now[0] in (15.0, 16.0):
        beat.tick()
    beat.finished(3, "press/deck.pptx", True)
    now[0] = 30.0
    beat.tick()
    assert lines == ["briefgen: building press/brief.pdf — 5 s",
                     "briefgen: building press/brief.pdf — 11 s",
                     "briefgen: building press/brief.pdf (parts 2, 3 of 3) — 16 s",
                     "briefgen: building press/deck.pptx — 5 s",
                     "briefgen: building press/brief.pdf (parts 2, 3 of 3) — 30 s"]


def test_a_serial_build_names_the_output_it_renders(tmp_path: Path) -> None:
    from .projects import write_project

    lines: list[str] = []
    seconds = itertools.count(0, 10)
    build(write_project(tmp_path), ["minister"], ["html"], jobs=1,
          heartbeat=executors.Heartbeat(lines.append, 5.0, clock=lambda: next(seconds)))
    assert lines and {re.sub(r" — \d+ s$", "", line) for line in lines} == {
        "briefgen: building minister/brief.html"}


def test_a_fault_raised_while_handling_an_unpicklable_error_comes_back_as_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once tblib's pickling is installed (importing Dask's `distributed` does it for the
    whole process), exceptions are pickled with their context. A renderer's fault met
    while handling an lxml error (which cannot be pickled) still comes back from the
    worker as itself, not as a worker that stopped."""
    from lxml import etree

    import generator.build

    pickling_support = pytest.importorskip("tblib.pickling_support")
    saved = dict(copyreg.dispatch_table)  # what install() adds, taken out again below
    pickling_support.install()

    def broken(job: object) -> None:
        etree.fromstring("<unclosed>")  # an XMLSyntaxError, with its error log

    monkeypatch.setattr(generator.build, "render", broken)  # workers are forked from here
    try:
        with pytest.raises(RuntimeError, match=r"(brief\.(pdf|html)|deck\.pptx): XMLSyntaxError"):
            build(write_project(tmp_path), jobs=2)
    finally:
        copyreg.dispatch_table.clear()
        copyreg.dispatch_table.update(saved)


class _Scripted:
    """An executor answering each step at once, as a brief of two body parts whose front
    is 2 pages laid out without numbers and 3 with them (so it is laid out again). With
    ``late``, the overlay laid out for the first length comes back late: with the second
    overlay (``"with"``), or after the join (``"after"``)."""

    capacity = 2
    split_parts = True

    def __init__(self, late: str = "") -> None:
        self.steps: list[Any] = []
        self.done: list[tuple[int, Any]] = []
        self.late = late
        self.held: list[tuple[int, Any]] = []

    def submit(self, task: int, job: Any, step: Any) -> None:
        from generator.build import JobResult

        self.steps.append(step)
        page = (800.0, {}, [])
        if step is None:
            split = parts.Split(front=parts._Front("<p data-page='x'>"), body=["a", "b"],
                                number_box="@bottom-center", overlay_head="<html>")
            result = JobResult(job, "split", detail=split)
        elif isinstance(step, executors.LayOutPart):
            pages = 2 if step.index < 0 else 5
            result = JobResult(job, "part", detail=parts.Laid(b"", [page] * pages))
        elif isinstance(step, executors.LayOutFront):
            result = JobResult(job, "part", detail=parts.Laid(b"front", [page] * 3))
        elif isinstance(step, executors.LayOutOverlay):
            result = JobResult(job, "part", detail=executors.Overlay(b"%d" % step.total))
        else:
            assert isinstance(step, executors.Join)
            result = JobResult(job, "built", data=step.overlay)
        if self.late and isinstance(step, executors.LayOutOverlay) and step.total == 12:
            self.held.append((task, result))
            return
        self.done.append((task, result))
        if ((self.late == "with" and isinstance(step, executors.LayOutOverlay))
                or (self.late == "after" and isinstance(step, executors.Join))):
            self.done += self.held

    def wait(self) -> list[tuple[int, Any]]:
        done, self.done = self.done, []
        return done

    def close(self) -> None:
        pass


@pytest.mark.parametrize("late", ["", "with", "after"])
def test_a_front_whose_numbers_change_its_length_is_laid_out_again_with_its_overlay(
        late: str) -> None:
    job = type("Job", (), {"path": "minister/brief.pdf"})()
    executor = _Scripted(late)
    results: list[Any] = []
    executors.run_jobs([job], executor, results.append)  # type: ignore[list-item]
    kinds = [type(step).__name__ for step in executor.steps]
    assert kinds.count("LayOutFront") == 2 and kinds.count("LayOutOverlay") == 2
    overlays = [step.total for step in executor.steps
                if isinstance(step, executors.LayOutOverlay)]
    assert overlays == [12, 13]  # 2 + 5 + 5 pages, then the front's 3
    join = executor.steps[-1]
    assert [type(step).__name__ for step in executor.steps].count("Join") == 1
    assert isinstance(join, executors.Join) and join.front is not None
    assert join.front.pdf == b"front" and join.overlay == b"13"  # not the stale 12
    assert [r.status for r in results] == ["built"] and results[0].data == b"13"


def test_memory_released_between_tasks_includes_cycles_made_after_the_first_release() -> None:
    # The first release freezes what survives it; what later tasks leave must still go.
    class Node:
        pass

    executors.release_memory()
    node = Node()
    node.self = node  # type: ignore[attr-defined]  # a cycle: only a collection frees it
    gone = weakref.ref(node)
    del node
    executors.release_memory()
    assert gone() is None


def _many_collaborations(root: Path, broken: bool) -> Path:
    """A project of 81 collaborations (enough to parse on helpers), each its own text;
    with ``broken``, some with a YAML mistake, bytes that are not UTF-8, an alias, and a
    link out of the project among them."""
    from .projects import PATROLS

    files: dict[str, str | bytes | None] = {
        f"content/collaborations/c{i:02d}.yaml": PATROLS.replace(
            "joint-border-patrols", f"patrols-{i}").replace("Joint border", f"Border {i}")
        for i in range(80)}
    if broken:
        files["content/collaborations/c03.yaml"] = "title: [unclosed\n"
        files["content/collaborations/c07.yaml"] = b"title: \xff\n"
        files["content/collaborations/c11.yaml"] = "title: &t T\nsummary: *t\n"
        files["content/sections/02-bad.md"] = "---\ntitle: [x\n---\nBody.\n"
    write_project(root, files)
    if broken:
        (root / "content/collaborations/c20.yaml").unlink()
        (root / "content/collaborations/c20.yaml").symlink_to("/etc/hostname")
    return root


@pytest.mark.parametrize("broken", [False, True])
def test_yaml_parsed_on_helpers_loads_the_same_project_and_the_same_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: bool) -> None:
    from generator.content import load_project, yamlio
    from generator.errors import ContentError

    root = _many_collaborations(tmp_path, broken)
    parse = yamlio._parse_yaml
    parsed_here: list[str] = []  # texts this process parsed itself (not its helpers)

    def counted(text: str, *args: Any) -> Any:
        parsed_here.append(text)
        return parse(text, *args)

    monkeypatch.setattr(yamlio, "_parse_yaml", counted)

    def load(prefetch: Any) -> tuple[Any, int]:
        monkeypatch.setattr(yamlio, "_PARSED", {})  # nothing parsed before
        monkeypatch.setattr(yamlio, "_PARSED_BYTES", 0)
        parsed_here.clear()
        try:
            project = load_project(root, prefetch)
        except ContentError as error:
            found: Any = [d.format() for d in error.diagnostics]
        else:
            found = [(key, entry.model.model_dump()) for key, entry in project.collaborations]
        # the collaborations and sections without a mistake, parsed in this process
        return found, sum("border-security" in t or t.startswith("title: Strategic")
                          for t in parsed_here)

    alone, parsed_alone = load(None)
    helped, parsed_helped = load(executors.parse_on(2))
    assert helped == alone
    assert (parsed_alone, parsed_helped) == (78 if broken else 82, 0)
    if broken:
        assert len(alone) >= 5 and any("c20.yaml" in line for line in alone)


def test_parses_kept_from_helpers_are_not_pushed_out_before_the_loader_asks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With more YAML than the cache holds, the helpers' parses fill half of it, and the
    loader parses the rest itself, once: its own parses push out what it has used, never
    the next one it will ask for (which would make every lookup miss)."""
    import pickle

    from generator.content import load_project, yamlio

    root = _many_collaborations(tmp_path, broken=False)
    one = len(pickle.dumps(yamlio._parse_yaml(
        (root / "content/collaborations/c00.yaml").read_text("utf-8"), yamlio.Source(""), 64)))
    monkeypatch.setattr(yamlio, "_PARSED", {})
    monkeypatch.setattr(yamlio, "_PARSED_BYTES", 0)
    monkeypatch.setattr(yamlio, "_PARSED_MAX_BYTES", 60 * one)  # half: about 30 of 81
    parse = yamlio._parse_yaml
    parsed_here: list[str] = []

    def counted(text: str, *args: Any) -> Any:
        parsed_here.append(text)
        return parse(text, *args)

    monkeypatch.setattr(yamlio, "_parse_yaml", counted)
    load_project(root, executors.parse_on(2))
    collaborations = sum("border-security" in t for t in parsed_here)
    assert 45 <= collaborations <= 56, collaborations  # 81 if every lookup missed
