"""The layers hold: renderers see an Edition, never the loader or the content files, and
the private names of python-pptx and python-docx are used only in the modules listed
here (each library's "internals" module: the one place to look when upgrading it).

A private name is an import of a name or module with a leading underscore from the
library (``from pptx.opc.serialized import _PhysPkgWriter``: only in the internals
module), or an attribute with a leading underscore (``shape._element``, ``part._rels``)
anywhere in a module that imports the library, except on ``self``/``cls`` (only in the
modules listed). ``._element`` counts too: python-pptx and
python-docx offer ``.element`` on shapes, slides and documents, and what has no public
way in belongs in the internals module.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.render.docx import render_docx
from generator.tailor import tailor
from generator.templates import resolve_templates

from .projects import write_project

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
RENDER = PACKAGE / "render"

#: Modules that may import a library's private names (``from pptx.x import _Y``), by
#: library (paths relative to the repository): each library's internals module.
PRIVATE_IMPORTS_ALLOWED: dict[str, tuple[str, ...]] = {
    "pptx": ("generator/render/deck_fast.py",),
    "docx": ("generator/render/docx_ooxml.py",),
}
#: Modules that may use private attributes of a library's objects (``shape._element``).
#: The internals modules, and for python-pptx the maintainer's script that makes the
#: built-in master (not shipped code).
PRIVATE_NAMES_ALLOWED: dict[str, tuple[str, ...]] = {
    "pptx": (
        *PRIVATE_IMPORTS_ALLOWED["pptx"],
        "generator/templates/deck/make_master.py",  # a maintainer's script, not shipped code
    ),
    "docx": PRIVATE_IMPORTS_ALLOWED["docx"],
}
#: What no renderer may import: the loader (and through it the content files).
LOADER_MODULES = ("generator.content", "ruamel", "yaml")
#: The files of content/ that hold items withheld from some audiences.
CONTENT_SUFFIXES = (".yaml", ".yml", ".md", ".csv")


def _imports(tree: ast.AST, module: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every import in ``tree``."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base, [a.name for a in node.names]


def _module_name(path: Path) -> str:
    if not path.is_relative_to(PACKAGE.parent):
        return f"generator.render.{path.stem}"  # a sample module of the tests
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts)


def _private_uses(path: Path, library: str, attributes: bool = True) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: list[str] = []
    uses = False
    for line, module, names in _imports(tree, _module_name(path)):
        if module.split(".")[0] != library:
            continue
        uses = True
        private = [p for p in module.split(".") if p.startswith("_") and not p.startswith("__")]
        private += [n for n in names if n.startswith("_") and not n.startswith("__")]
        found += [f"{line}: {module} {name}" for name in private]
    if uses and attributes:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in
                             ("self", "cls"))):
                found.append(f"{node.lineno}: .{node.attr}")
    return found


@pytest.mark.parametrize("library", sorted(PRIVATE_NAMES_ALLOWED))
def test_private_names_only_in_the_internals_module(library: str) -> None:
    allowed = set(PRIVATE_NAMES_ALLOWED[library])
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel in allowed:
            continue
        uses = _private_uses(path, library)
        if uses:
            offenders[rel] = uses
    assert not offenders, f"{library} private names outside {sorted(allowed)}: {offenders}"


@pytest.mark.parametrize("library", sorted(PRIVATE_IMPORTS_ALLOWED))
def test_private_imports_only_in_the_internals_module(library: str) -> None:
    allowed = set(PRIVATE_IMPORTS_ALLOWED[library])
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        uses = [] if rel in allowed else _private_uses(path, library, attributes=False)
        if uses:
            offenders[rel] = uses
    assert not offenders, f"{library} private imports outside {sorted(allowed)}: {offenders}"


def test_the_rule_finds_private_names(tmp_path: Path) -> None:
    """The scan above is not vacuous: it finds each kind of private use, and not a
    module's own private attributes on ``self``."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pptx.opc.serialized import _PhysPkgWriter\n"
        "from pptx._private import thing\n"
        "def f(shape):\n    return shape._element\n"
        "class A:\n    def g(self):\n        return self._cache\n", "utf-8")
    assert _private_uses(sample, "pptx") == [
        "1: pptx.opc.serialized _PhysPkgWriter", "2: pptx._private _private", "4: ._element"]
    assert _private_uses(sample, "docx") == []  # it does not import python-docx
    assert _private_uses(PACKAGE / "render" / "docx_ooxml.py", "docx")
    assert not _private_uses(PACKAGE / "render" / "docx.py", "docx")


def test_renderers_do_not_import_the_loader() -> None:
    offenders = []
    for path in sorted(RENDER.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for line, module, _names in _imports(tree, _module_name(path)):
            if any(module == m or module.startswith(m + ".") for m in LOADER_MODULES):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module}")
    assert not offenders


class _Opened:
    """Files opened while ``active`` (an audit hook cannot be removed: it is switched)."""

    def __init__(self) -> None:
        self.active = False
        self.paths: list[str] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event == "open" and isinstance(args[0], (str, Path)):
            self.paths.append(str(args[0]))


_OPENED: _Opened | None = None


@pytest.mark.parametrize("fmt", ["html", "pptx", "docx"])
def test_renderers_read_no_content_file(tmp_path: Path, fmt: str) -> None:
    """Rendering reads templates, masters and images, never content/'s YAML, Markdown
    or CSV (which hold what other audiences may see)."""
    global _OPENED
    root = write_project(tmp_path)
    from generator.content import load_project

    project = load_project(root)
    edition = tailor(project, "minister").edition.shown_in(fmt)
    templates = resolve_templates(root, "minister", project.layouts_for("minister"))
    _OPENED = _OPENED or _Opened()
    _OPENED.paths.clear()
    _OPENED.active = True
    try:
        if fmt == "html":
            from generator.render.brief import brief_html

            data = brief_html(edition, templates)
        elif fmt == "pptx":
            from generator.render.deck import render_deck

            data = render_deck(edition, templates)
        else:
            data = render_docx(edition, templates)
    finally:
        _OPENED.active = False
    assert data
    content = str((root / "content").resolve())
    read = [p for p in _OPENED.paths
            if str(Path(p).resolve()).startswith(content) and p.endswith(CONTENT_SUFFIXES)]
    assert not read, f"{fmt} renderer read content files: {read}"
    # the hook sees files: the deck reads its master
    if fmt == "pptx":
        assert any(p.endswith(".pptx") for p in _OPENED.paths)
