"""Jobs and the parts of large briefs on several processes (generator/executors.py): the
same bytes as a serial build, the parts really laid out as tasks of their own."""

from __future__ import annotations

import copyreg
from pathlib import Path
from typing import Any

import pytest

from generator import executors
from generator.build import build
from generator.render import parts

from .projects import write_project

REPO = Path(__file__).resolve().parent.parent
SMALL = 30_000  # characters per part: the minister brief in parts cut at its forced page breaks


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The minister's brief (in parts) and deck, serially and with -j 2."""
    root = tmp_path_factory.mktemp("parallel")
    steps: list[str] = []
    submit = executors.LocalPool.submit

    def recording(self: executors.LocalPool, task: int, job: Any, step: Any) -> None:
        steps.append(f"{job.path} {type(step).__name__}")
        submit(self, task, job, step)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_SIZE", SMALL)
        serial = build(REPO, ["minister"], ["pdf", "pptx"], root / "serial", jobs=1)
        patch.setattr(executors.LocalPool, "submit", recording)
        parallel = build(REPO, ["minister"], ["pdf", "pptx"], root / "parallel", jobs=2)
    return {"root": root, "serial": serial, "parallel": parallel, "steps": steps}


def test_parts_laid_out_in_parallel_give_the_serial_bytes(built: dict[str, Any]) -> None:
    root = built["root"]
    for name in ("minister/brief.pdf", "minister/deck.pptx"):
        assert (root / "parallel" / name).read_bytes() == (root / "serial" / name).read_bytes()
    steps = built["steps"]
    # the brief: its HTML and split, the front's length, its body parts, the join
    assert steps.count("minister/brief.pdf LayOutPart") >= 3
    assert steps.count("minister/brief.pdf Assemble") == 1
    assert steps[0] == "minister/brief.pdf NoneType"  # the longest job first
    warnings = [r.warnings for r in built["parallel"].results]
    assert warnings == [r.warnings for r in built["serial"].results]


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
        with pytest.raises(RuntimeError, match=r"brief\.(pdf|html): XMLSyntaxError"):
            build(write_project(tmp_path), jobs=2)
    finally:
        copyreg.dispatch_table.clear()
        copyreg.dispatch_table.update(saved)
