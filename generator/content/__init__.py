"""The load stage: read and validate a project's content and audience files."""

from __future__ import annotations

from .loader import Project, load_project

__all__ = ["Project", "load_project"]
