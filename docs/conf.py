"""Sphinx configuration of the briefgen manual: ``make docs`` builds docs/ into build/docs/.

Sphinx with MyST (Markdown pages) and sphinx-click (the command reference, generated from
``generator/cli.py``). The build is strict: ``-W --keep-going -n`` makes every warning,
broken cross-reference and page missing from the contents an error; tests/test_docs.py
runs the same build.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

project = "briefgen"
author = "briefgen contributors"
copyright = "briefgen contributors"
extensions = ["myst_parser", "sphinx_click"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns: list[str] = []
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # [text](page.md#a-heading) links are checked too
html_theme = "furo"
html_title = "briefgen manual"
html_show_sourcelink = False
html_last_updated_fmt = None  # no build date: the pages depend only on their sources

# Pages of the manual written alongside this one, in other branches of the same change.
# Until a page is in docs/, a link to it is not an error; once it is, this does nothing.
_ARRIVING = ("templates", "limits", "builds", "deck-master", "serve", "promises", "markings",
             "security")
nitpick_ignore = [("myst", f"{name}.md") for name in _ARRIVING
                  if not (HERE / f"{name}.md").is_file()]
