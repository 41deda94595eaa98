"""A brief's numbers, decided once for the PDF, HTML and Word briefs: figures and tables
in the order the sections print them (then the charts), sections by their place, sources
in the order declared (or cited by author and year). Another audience, seeing other
figures, gets its own numbers, and cross-references follow."""

from __future__ import annotations

from dataclasses import dataclass

from generator.edition import Edition
from generator.render.markdown import Apparatus, captions, heading_labels, to_plain


@dataclass(frozen=True)
class Caption:
    """A numbered (labelled) figure or table of the brief, or a chart, for the lists of
    figures and tables."""

    kind: str  # "fig" or "tbl"
    number: int
    text: str  # plain text: an image's title, a table's caption, a chart's title
    anchor: str  # where it is: "#fig-map" (its label), "#figure-4" (a chart)


def document_apparatus(edition: Edition) -> tuple[Apparatus, list[Caption]]:
    """The Apparatus of ``edition``'s brief (what each ``@fig-x``, ``@tbl-x``, ``@sec-x``
    and ``[@id]`` resolves to) and its numbered figures and tables, in order."""
    e = edition
    words = {key: e.label(key) for key in ("figure", "table", "section_ref")}
    words["section"] = words.pop("section_ref")
    refs: dict[str, tuple[str, str]] = {}
    found: list[Caption] = []
    count = {"fig": 0, "tbl": 0}
    for index, section in enumerate(e.sections, start=1):
        for part in section.body:
            for heading, _ in heading_labels(part.markdown):
                refs[heading] = (f"{words['section']} {index}", f"#{heading}")
            for kind, label, text in captions(part.markdown):
                count[kind] += 1
                word = words["figure" if kind == "fig" else "table"]
                refs[label] = (f"{word} {count[kind]}", f"#{label}")
                found.append(Caption(kind, count[kind], text, f"#{label}"))
    for offset, chart in enumerate(e.charts, start=1):
        number = count["fig"] + offset
        refs[f"fig-{chart.id}"] = (f"{words['figure']} {number}", f"#figure-{number}")
        found.append(Caption("fig", number, to_plain(chart.title), f"#figure-{number}"))
    # numbered: [1] in the order declared; author-date: (Smith 2024a), as tailored
    sources = {source.id: source.cite or str(n) for n, source in enumerate(e.sources, start=1)}
    return Apparatus(refs=refs, sources=sources, words=words,
                     author_date=e.citations == "author-date"), found
