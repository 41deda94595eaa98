"""``briefgen check``: every problem in a project, without building anything."""

from __future__ import annotations

from pathlib import Path

from .content import load_project
from .errors import ContentError, Diagnostic, TemplateError
from .tailor import tailor
from .templates import check_templates, resolve_templates


def check_project(root: Path | str) -> list[Diagnostic]:
    """Content, audiences (including missing translations per audience language) and
    templates: each audience's brief templates are rendered against its Edition, as
    `build` would (without layout). Imports neither WeasyPrint nor python-pptx."""
    root = Path(root).absolute()
    try:
        project = load_project(root)
    except ContentError as exc:
        return exc.diagnostics
    found: set[Diagnostic] = set(project.warnings)
    if not project.audiences:
        # an error, as `build` reports it: check and build agree on every project
        found.add(Diagnostic("templates/audiences", 0, 0, "error",
                             "the project has no audiences",
                             "add templates/audiences/NAME.yaml"))
    for name, entry in sorted(project.audiences.items()):
        tailored = tailor(project, name)
        found.update(tailored.warnings)
        try:
            templates = resolve_templates(root, name, project.layouts_for(name), project.limits)
        except TemplateError as exc:  # a template folder or master linked out of templates/
            found.update(exc.diagnostics)
            continue
        formats = tuple(entry.model.formats)
        problems = check_templates(templates, formats)
        found.update(problems)
        if not any(p.severity == "error" and p.file.endswith(".j2") for p in problems):
            # Render the brief templates against this audience's Edition (no layout), so
            # an undefined name in an override is found here, not first by `build`.
            from .render.brief import check_brief

            found.update(check_brief(tailored.edition, templates, formats))
    return sorted(found)
