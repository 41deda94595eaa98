"""Shared test helpers."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# -- scheduling on pytest-xdist workers (`make test`: -n auto --dist loadfile) -------------
#
# Each xdist worker has its own session: a module-scoped fixture (a build, a render, a
# browser, a LibreOffice batch, a Dask cluster) whose tests were spread over two workers
# would be made on both. So each file runs on one worker (`--dist loadfile`; pytest 9
# ignores the node ids `--dist loadgroup` rewrites, so its groups do nothing), and the
# files start longest first (seconds of each file's tests in a 2-worker run, measured on
# 2026-11-30: leaks 28, brief 30, dask 11, copies 11, docx 15 ... serve 4), so that no long file
# starts last on one core while the other idles; the rest follow in collection order.
# Each worker is handed two files at the start, alternately: the files that keep several
# processes busy of their own (leaks and dask: local workers and a Dask cluster) go to
# the same worker, one after the other, while the other renders in its own process.
LONGEST_FIRST = ("test_leaks.py", "test_brief.py", "test_dask.py", "test_copies.py",
                 "test_verify.py", "test_buildout.py", "test_deck.py", "test_parts.py",
                 "test_html_chromium.py", "test_docx.py", "test_fuzz.py", "test_master.py",
                 "test_build.py", "test_charts.py", "test_signing.py", "test_cli.py",
                 "test_serve.py", "test_docs_messages.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable


@pytest.fixture(autouse=True, scope="module")
def _settled_heap() -> None:
    """Before each file: what the files before it left is collected, and what survives
    (the session: pytest, imported modules, caches) is frozen (``gc.freeze``). briefgen
    collects garbage between the jobs of a build (``executors.release_memory``); in the
    test process, that collection would otherwise walk every object the session has made
    so far (15 s of the suite's CPU), not only this file's."""
    gc.collect()
    gc.freeze()


def require_tool(name: str) -> str:
    """The path of the command-line tool ``name``, or skip the test when it is missing.

    On CI (the ``CI`` environment variable is set) a missing tool FAILS the test instead:
    a check that silently skips there is a check that never runs.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"`{name}` is required on CI but is not installed", pytrace=False)
        pytest.skip(f"`{name}` is not installed")
    return path


def output_files(out: Path) -> dict[str, bytes]:
    """Every file of a build's output folder (but its lock), by its path there."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "lock"}


def libreoffice(sources: dict[str, Path], folder: Path, to: str = "pdf") -> dict[str, Path]:
    """Each of ``sources`` (a name: a file) converted by LibreOffice to ``to``, all in one
    run (its start is most of the time a document takes), with a fresh profile in
    ``folder``: a name: the file written."""
    soffice = require_tool("soffice")
    inputs = []
    for name, source in sources.items():
        inputs.append(folder / f"{name}{source.suffix}")
        shutil.copyfile(source, inputs[-1])
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                    "--convert-to", to, "--outdir", str(folder / to), *map(str, inputs)],
                   check=True, capture_output=True, timeout=600)
    out = {name: folder / to / f"{name}.{to}" for name in sources}
    for name, path in out.items():  # soffice can exit 0 without writing anything
        assert path.is_file(), f"LibreOffice wrote no {to} for {name}"
    return out


#: What a Dask worker of the tests imports before its first task: briefgen's renderers
#: and the release gate (imported once in a fork server, not in every worker process).
WORKER_PRELOAD = ("generator.cluster", "generator.build", "generator.render.brief",
                  "generator.render.deck", "generator.render.docx", "generator.verify",
                  "generator.copies")


@contextmanager
def dask_workers_forked() -> Iterator[None]:
    """Dask's workers started from a fork server that has imported briefgen (Dask's own
    test suite does so for its own packages): each cluster of a test module would
    otherwise spend about 3 s of CPU a worker importing the same modules. Workers stay
    separate processes, started clean of the test process's threads and state."""
    import dask
    from distributed import utils

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        # after Dask has set its own preload (once per process), before the server starts
        utils.get_mp_context().set_forkserver_preload(["distributed", *WORKER_PRELOAD])
        yield


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """A Dask cluster of two worker processes on this machine (127.0.0.1 only), one task
    at a time each, whose scheduler gives up on a task at its first lost worker. One per
    module: started in about a second, while an idle cluster's heartbeats cost a tenth
    of a core for as long as it lives."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with dask_workers_forked(), dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                     silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        yield cluster, client
