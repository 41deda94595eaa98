"""The audience's logo for the deck: read once, bounded, SVG drawn without fetching
anything it references."""

from __future__ import annotations

import io
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ..edition import Edition
from ..errors import Diagnostic, RenderError
from ..master import MAX_IMAGE_PIXELS, human_size, image_pixels_problem
from ..templates import resolved
from .deck_plan import LOGO_DPI, LOGO_MAX_BYTES


def load_logo(edition: Edition) -> tuple[bytes, int, int] | None:
    """The audience's logo as PNG/JPEG bytes and its pixel size (SVG rasterised at
    :data:`LOGO_DPI`, without fetching anything it references). Its size is read from
    its header before anything is decoded (at most :data:`MAX_IMAGE_PIXELS`)."""
    logo = edition.audience.theme.logo
    if not logo:
        return None
    path = Path(logo)
    root = Path(edition.content_root)
    name = _project_name(path, root.parent)
    followed = resolved(path)  # None for a loop of links: not inside
    inside = followed is not None and followed.is_relative_to(resolved(root) or root)
    if not inside:
        raise RenderError([Diagnostic(name, 0, 0, "error",
                                      "the logo is outside the project's content folder",
                                      "put it under content/")])
    try:
        stat = path.stat()
    except OSError:
        return _read_logo(logo, name)  # raises as reading it does
    # Read and drawn once per process while the file is unchanged (a build worker renders
    # a deck per audience, most with the same logo).
    return _cached_logo(logo, name, str(followed), stat.st_mtime_ns, stat.st_size)


def _project_name(path: Path, project: Path) -> str:
    """``path`` as diagnostics name it: relative to the project folder."""
    try:
        return Path(os.path.relpath(resolved(path) or path, resolved(project) or project)
                    ).as_posix()
    except ValueError:
        return path.name


@lru_cache(maxsize=16)
def _cached_logo(logo: str, name: str, resolved: str, mtime_ns: int, size: int,
                 ) -> tuple[bytes, int, int]:
    """:func:`_read_logo`, keyed on the file (where it resolves to, when it was modified,
    its size) as well as its name."""
    return _read_logo(logo, name)


def _read_logo(logo: str, name: str) -> tuple[bytes, int, int]:
    def refused(message: str, hint: str = "") -> RenderError:
        return RenderError([Diagnostic(name, 0, 0, "error", message, hint)])

    path = Path(logo)
    try:
        if path.exists() and not path.is_file():  # a FIFO or device would never end
            raise refused("the logo is not a regular file")
        if path.is_file() and path.stat().st_size > LOGO_MAX_BYTES:
            raise refused(f"the logo is {human_size(path.stat().st_size)}, more than the "
                          f"{human_size(LOGO_MAX_BYTES)} a logo may be", "save it smaller")
        data = path.read_bytes()
    except OSError as exc:
        raise refused(f"cannot read the logo: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    if suffix == ".svg":
        try:
            data = _draw_svg(data)
        except _TooLarge as exc:
            raise refused(f"the logo would be drawn {exc.width} × {exc.height} pixels, more "
                          f"than the {MAX_IMAGE_PIXELS:,} pixels a picture may have",
                          "give the SVG a width and height of a few inches") from exc
        except (ValueError, etree.XMLSyntaxError, OSError, MemoryError) as exc:
            raise refused(f"cannot draw the logo: {exc}") from exc
    elif suffix not in (".png", ".jpg", ".jpeg"):
        raise refused("the logo is not a PNG, JPEG or SVG file")
    too_large = image_pixels_problem(data)
    if too_large:
        raise refused(f"the logo cannot go into a deck: {too_large}", "save it smaller")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only
            width, height = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise refused("the logo is not a readable image") from exc
    if not width or not height:
        raise refused("the logo is empty")
    return data, width, height


class _TooLarge(Exception):
    def __init__(self, width: float, height: float) -> None:
        super().__init__(f"{width} x {height}")
        self.width, self.height = int(width), int(height)


def _draw_svg(data: bytes) -> bytes:
    """An SVG logo as PNG bytes at :data:`LOGO_DPI`, fetching nothing it references."""
    return bytes(_bounded_png().convert(bytestring=data, scale=LOGO_DPI / 96, unsafe=False))


@cache
def _bounded_png() -> Any:
    """cairosvg's PNG surface, refusing before it allocates a surface of more than
    :data:`MAX_IMAGE_PIXELS` (an SVG says its own size: ``width="40000in"``). Made on
    first use: cairosvg is imported only for SVG logos."""
    from cairosvg.surface import PNGSurface

    class BoundedPNG(PNGSurface):  # type: ignore[misc]
        def _create_surface(self, width: float, height: float) -> Any:
            if width * height > MAX_IMAGE_PIXELS:
                raise _TooLarge(width, height)
            return super()._create_surface(width, height)

    return BoundedPNG
