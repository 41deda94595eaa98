"""The files a renderer reads besides its Edition: for the build cache's job keys.

A job's output depends on its Edition (hashed as data), briefgen's version, and the bytes
of every file the renderer opens: the brief's templates, stylesheets and fonts, the
deck's master, and the images the Edition refers to (the theme's logo, partners' flags,
images in Markdown). :func:`job_files` lists them per format, and :class:`FileDigests`
hashes them once per build, so that editing any of them rebuilds exactly the outputs
that read it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import stat as stat_
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import pathname2url, url2pathname

from .edition import Edition
from .render.markdown import image_sources, is_relative_path
from .templates import TemplateSet


def _strings(value: Any) -> Iterator[str]:
    """Every string inside an Edition's (frozen, plain) dataclasses and tuples."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(vars(item).values())  # faster than dataclasses.fields()


def _markdown_image(content_root: str, src: str) -> Path | None:
    """The file a relative Markdown image names, resolved as the brief resolves it: a URL
    relative to ``content/`` (percent-escapes decoded, query and fragment dropped)."""
    if not is_relative_path(src):
        return None  # data: URLs carry their bytes; anything else is refused when loading
    base = "file://" + pathname2url(str(Path(content_root))).rstrip("/") + "/"
    path = urlsplit(urljoin(base, src.strip())).path
    return Path(url2pathname(unquote(path) if "%" in path else path))


def image_files(edition: Edition) -> list[Path]:
    """Every content file the Edition refers to: the theme's logo, every partner's flag,
    and every image of every Markdown text (sections, summaries, notes, ...). Only what
    the audience may see is in an Edition, so this is only what its renderers may read."""
    found: set[Path] = set()
    if edition.audience.theme.logo:
        found.add(Path(edition.audience.theme.logo))
    found.update(Path(p.flag) for p in edition.partners if p.flag)
    # Files the Edition names are stored as absolute paths inside content/ (the logo, the
    # flags, and whatever file fields it gains): every such string counts.
    inside = str(Path(edition.content_root)).rstrip("/") + "/"
    for text in _strings(edition):
        if text.startswith(inside) and "\n" not in text:
            found.add(Path(text))
        if "![" not in text:  # cheap: most texts hold no image
            continue
        for src, _line in image_sources(text):
            path = _markdown_image(edition.content_root, src)
            if path is not None:
                found.add(path)
    return sorted(found)


def job_files(edition: Edition, templates: TemplateSet, fmt: str,
              images: list[Path] | None = None) -> list[Path]:
    """The files rendering ``edition`` in format ``fmt`` may read: its format's ``reads``
    (:data:`generator.formats.REGISTRY`). ``images`` is :func:`image_files` of the
    Edition, when already known."""
    from .formats import get_format

    return get_format(fmt).reads(edition, templates, images)


def brief_files(edition: Edition, templates: TemplateSet,
                images: list[Path] | None = None) -> list[Path]:
    """A brief (PDF or HTML) reads its template folders (templates, stylesheets, fonts and
    the templates' own images) and every image of the Edition."""
    if images is None:
        images = image_files(edition)
    return [p for p in templates.files() if p.suffix != ".pptx"] + images


def deck_files(edition: Edition, templates: TemplateSet,
               images: list[Path] | None = None) -> list[Path]:
    """A deck reads its master, the theme's logo and the theme's fonts (their family
    names): it shows no Markdown images and no flags, so editing a section's image does
    not rebuild a deck."""
    theme = edition.audience.theme
    fonts = [Path(path) for role, path in theme.fonts if role in ("headings", "body")]
    return [Path(templates.master), *([Path(theme.logo)] if theme.logo else []), *fonts]


def docx_files(edition: Edition, templates: TemplateSet,
               images: list[Path] | None = None) -> list[Path]:
    """A Word brief reads its reference document (none: python-docx's built-in one) and
    the Edition's images (a Markdown image alone in its paragraph is a picture)."""
    if images is None:
        images = image_files(edition)
    return [*([Path(templates.reference_docx)] if templates.reference_docx else []), *images]


class FileDigests:
    """SHA-256 of files' contents, each file read once per build.

    Entries are keyed by (path, mtime_ns, size), so a file changed while the build runs is
    read again; a missing or unreadable file has the digest ``"-"`` (so creating it later
    changes the key too)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, int], str] = {}

    def digest(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:
            return "-"
        if not stat_.S_ISREG(stat.st_mode):
            return "-"  # a FIFO or device is never read (reading one may block forever)
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        found = self._seen.get(key)
        if found is None:
            try:
                with path.open("rb") as handle:
                    found = hashlib.file_digest(handle, "sha256").hexdigest()
            except OSError:
                found = "-"
            self._seen[key] = found
        return found

    def combined(self, paths: Iterable[Path]) -> str:
        """One digest of the names and contents of ``paths`` (in the order given)."""
        total = hashlib.sha256()
        for path in paths:
            total.update(path.as_posix().encode("utf-8", "surrogateescape") + b"\0")
            total.update(self.digest(path).encode("ascii") + b"\0")
        return total.hexdigest()
