"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

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
