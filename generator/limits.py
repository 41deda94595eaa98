"""Resource limits on a project's input files, with their defaults in one place.

Every limit bounds work the loader (and, after it, the renderers) would do on a file
that a user or an attacker wrote: parsing depth, file sizes, table and data sizes, image
pixels. The defaults are far above what the project's own largest scale benchmark reads
(``benchmarks/run.py --scale 100``: 1,200 collaborations, 700 sections, ~1,400 pages),
and a project may raise or lower each one in a ``limits:`` block of
``content/briefing.yaml``. A file over a limit is refused with its position, before the
expensive step (parsing, decoding) is taken.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Positive = Annotated[StrictInt, Field(ge=1)]


class Limits(BaseModel):
    """The ``limits:`` block of ``content/briefing.yaml``; every key is optional."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    files: Positive = Field(10_000, description="files under content/ and templates/audiences/")
    file_bytes: Positive = Field(2_000_000, description="bytes of each YAML or Markdown file")
    # The depths have a ceiling: Python's recursion (in the YAML and HTML libraries
    # briefgen uses) ends somewhere above it.
    yaml_depth: Positive = Field(64, le=200,
                                 description="nesting of lists and mappings in a YAML file")
    markdown_depth: Positive = Field(
        16, le=50, description="nesting of lists, quotes, emphasis and links in one Markdown "
                               "text")
    table_cells: Positive = Field(10_000, description="cells of one Markdown table")
    csv_rows: Positive = Field(2_000, description="rows of one CSV data file")
    csv_bytes: Positive = Field(1_000_000, description="bytes of one CSV data file")
    image_pixels: Positive = Field(
        50_000_000, description="width x height of one image, read from its header")
    image_bytes: Positive = Field(20_000_000, description="bytes of one image file")
    # Bounds on what templates hold and make (a master is a zip: checked from its
    # directory before anything is inflated; a template's output as it is produced).
    master_members: Positive = Field(2_000, description="members (parts) of a deck master")
    master_part_bytes: Positive = Field(
        100 * 2**20, description="bytes one part of a deck master inflates to")
    master_bytes: Positive = Field(
        200 * 2**20, description="bytes a deck master inflates to in all (and its file size)")
    template_output: Positive = Field(
        64 * 2**20, description="characters of HTML one brief template may produce")

    #: The keys that bound templates (carried by each audience's TemplateSet).
    TEMPLATE_KEYS: ClassVar[tuple[str, ...]] = (
        "master_members", "master_part_bytes", "master_bytes", "template_output")
    recipients: Positive = Field(500, description="recipients (numbered copies) of one audience")


DEFAULT = Limits()

# briefing.yaml, which holds the limits, is read before they are known: it may never be
# larger than this, whatever its own block says.
BRIEFING_CEILING = 64_000_000


def hint(key: str, value: int) -> str:
    """How to change a limit, for a diagnostic's hint."""
    return f"limits.{key} is {value:,}; set `limits: {{{key}: N}}` in content/briefing.yaml"


EXCERPT = 60


def excerpt(value: object) -> str:
    """A value as a message may echo it: at most about 60 characters, on one line (a
    diagnostic never repeats a whole data: URL or a pasted paragraph)."""
    text = str(value).replace("\n", " ")
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "\u2026"
