"""Shared test helpers."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


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


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A Dask cluster of two worker processes on this machine (127.0.0.1 only), one task
    at a time each, whose scheduler gives up on a task at its first lost worker."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                     silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        yield cluster, client
