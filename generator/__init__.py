"""briefgen: tailored PDF briefs and PowerPoint decks from one set of content files.

The pipeline is load -> tailor -> render -> write (see docs/design.md):

- :func:`generator.content.load_project` reads and validates a project folder;
- :func:`generator.tailor.tailor` cuts a :class:`generator.edition.Edition` for one audience;
- :mod:`generator.formats` names each output format and :mod:`generator.render` turns an
  Edition into its bytes (PDF, PPTX, HTML, DOCX);
- :func:`generator.build.build` runs the jobs and writes the files atomically.

Heavy renderer imports (WeasyPrint, python-pptx, python-docx, matplotlib) happen only where
needed.
"""

from __future__ import annotations

__version__ = "0.1.0"
