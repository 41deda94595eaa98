"""The tailor stage: ``Project`` + audience -> ``Edition`` (+ what was withheld, and why).

This is the only code that decides what an audience sees. The rule, from the spec:

- an item's *own* marking is its ``marking`` (default: the scheme's default); at the
  lowest level it is releasable to all, above it to the home nation only unless
  ``releasable_to`` names the audience's country or ``ALL``;
- a nested item is never more visible than its parent: its effective marking is the
  higher of its own and its parent's, its effective releasability the intersection;
- an audience sees an item when the effective marking is within its clearance and, for a
  foreign audience, the item is releasable to its country.

Document-level texts (title, summary, contact, handling) carry no marking of their own:
they are the frame every audience receives, at the scheme's default level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import edition as ed
from .content import models as m
from .content.loader import Block, Entry, Project, SectionFile, pie_total
from .content.models import LocalText, Note
from .errors import Diagnostic, did_you_mean
from .i18n import catalog, has_catalog
from .render.markdown import XREF, captions, heading_labels, to_plain

LENGTH_RANK = {name: i for i, name in enumerate(ed.LENGTHS)}


@dataclass(frozen=True)
class Visibility:
    """Effective marking rank and releasability (``None`` = releasable to all)."""

    rank: int
    releasable: frozenset[str] | None

    def within(self, parent: Visibility) -> Visibility:
        """This item nested inside ``parent``: the higher marking, the intersection."""
        if self.releasable is None:
            releasable = parent.releasable
        elif parent.releasable is None:
            releasable = self.releasable
        else:
            releasable = self.releasable & parent.releasable
        return Visibility(max(self.rank, parent.rank), releasable)


def abbreviations(levels: Sequence[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Short portion marks per level: initials (``TOP SECRET`` -> ``TS``), lengthened on a
    clash (``SECRET``/``SENSITIVE`` -> ``SEC``/``SEN``); ``overrides`` win."""
    chosen: dict[str, str] = {}
    for level in levels:
        words = level.replace("_", " ").replace("-", " ").split()
        short = "".join(w[0] for w in words) if len(words) > 1 else level[0]
        size = len(short)
        while short in chosen.values() and size < len(level):
            size += 1
            short = level[:size]
        chosen[level] = short
    chosen.update(overrides or {})
    return chosen


class Tailor:
    """Tailors one project for one audience. Use :func:`tailor`."""

    def __init__(self, project: Project, audience: str) -> None:
        self.project = project
        self.name = audience
        self.entry = project.audiences[audience]
        self.audience = a = self.entry.model
        b = project.briefing.model
        self.levels = project.levels
        self.home = b.home.code
        self.country = a.country if a.country and a.country != self.home else None
        self.clearance = self.levels.index(a.clearance)
        self.language = a.language or project.default_language
        self.default_language = project.default_language
        self.abbrev = abbreviations(self.levels, b.classification.abbreviations)
        self.withheld: list[ed.Withheld] = []
        self.warnings: dict[tuple[str, int, int], Diagnostic] = {}
        self.hidden_partners: set[str] = set()

    # --- the rule ----------------------------------------------------------------------

    def own(self, marking: str | None, releasable_to: Iterable[str] | None) -> Visibility:
        rank = self.levels.index(marking or self.project.default_level)
        if rank == 0:
            return Visibility(0, None)
        codes = set(releasable_to or ())
        return Visibility(rank, None if "ALL" in codes else frozenset(codes))

    def refusal(self, v: Visibility) -> str | None:
        """Why the audience may not see an item of visibility ``v`` (``None``: it may)."""
        if v.rank > self.clearance:
            return f"above clearance ({self.levels[v.rank]} > {self.levels[self.clearance]})"
        if self.country and v.releasable is not None and self.country not in v.releasable:
            return f"{self.levels[v.rank]}, not releasable to {self.country}"
        return None

    def mark(self, v: Visibility) -> ed.Mark:
        level = self.levels[v.rank]
        portion = f"({self.abbrev[level]})" if self.audience.portion_marks else ""
        return ed.Mark(level, v.rank, portion)

    def withhold(self, kind: str, label: str, where: str, reason: str) -> None:
        self.withheld.append(ed.Withheld(kind, label, where, reason))

    def admit(self, v: Visibility, kind: str, label: str, where: str) -> bool:
        """True when the audience may see an item of visibility ``v``; otherwise the item
        goes on the review sheet with the reason."""
        reason = self.refusal(v)
        if reason:
            self.withhold(kind, label, where, reason)
        return reason is None

    # --- language ----------------------------------------------------------------------

    def text(self, value: LocalText | None, entry: Entry[Any] | None = None,
             path: tuple[Any, ...] = (), *, written_in: str | None = None) -> str:
        """``value`` in the audience's language, falling back to the default language.

        A plain string is in the default language, or in ``written_in`` (a section
        translation ``NAME.LANG.md`` is written in LANG).
        """
        if value is None:
            return ""
        if isinstance(value, dict) and self.language in value:
            return value[self.language]
        if isinstance(value, str) and written_in == self.language:
            return value
        if self.language != self.default_language and entry is not None:
            self.warn(entry, path, f"no `{self.language}` translation of `{_field(path)}`; "
                                   f"using `{self.default_language}`")
        if isinstance(value, str):
            return value
        return value.get(self.default_language) or next(iter(value.values()))

    def warn(self, entry: Entry[Any], path: tuple[Any, ...], message: str) -> None:
        d = entry.error(path, message, f"audience `{self.name}`", severity="warning")
        self.warnings.setdefault((d.file, d.line, d.col), d)

    def default_text(self, value: LocalText | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return value.get(self.default_language) or next(iter(value.values()))

    # --- the parts of the document -----------------------------------------------------

    def items(self, entry: Entry[Any], key: str, items: Sequence[Any], kind: str,
              parent: Visibility) -> tuple[ed.Item, ...]:
        kept = []
        for i, item in enumerate(items):
            v = self.own(item.marking, item.releasable_to).within(parent)
            if not self.admit(v, kind, _short(self.default_text(item.text)),
                              entry.where((key, i))):
                continue
            kept.append(ed.Item(self.text(item.text, entry, (key, i, "text")), self.mark(v)))
        return tuple(kept)

    def notes(self, entry: Entry[Any], path: tuple[Any, ...], notes: Sequence[Note],
              parent: Visibility, label: str, *, texts: Sequence[Note] | None = None,
              text_entry: Entry[Any] | None = None, written_in: str | None = None
              ) -> tuple[ed.Item, ...]:
        """Speaker notes, tailored like every other item: an entry without ``marking``
        takes its item's (``parent``); with one, the higher of the two. ``texts`` are a
        translation's entries (in ``text_entry``), which take the original's markings one
        for one."""
        kept = []
        for i, note in enumerate(notes):
            at = _note_path(entry, path, i)
            what = f"{label}: {_short(self.default_text(note.text))}"
            if self.audience.speaker_notes == "omit":
                self.withhold("speaker note", what, entry.where(at), "speaker_notes: omit")
                continue
            if note.marking is not None:  # its own marking, as any other item's
                v = self.own(note.marking, note.releasable_to).within(parent)
            elif note.releasable_to and parent.rank > 0:  # its item's level, to fewer
                codes = set(note.releasable_to)
                v = Visibility(parent.rank, None if "ALL" in codes else frozenset(codes)
                               ).within(parent)
            else:  # exactly its item's marking and releasability
                v = parent
            if not self.admit(v, "speaker note", what, entry.where(at)):
                continue
            source, source_entry = note, entry
            if texts is not None and text_entry is not None and i < len(texts):
                source, source_entry = texts[i], text_entry
            text_at = _note_path(source_entry, path, i)
            text = self.text(source.text, source_entry, _text_path(source_entry, text_at),
                             written_in=written_in)
            kept.append(ed.Item(text, self.mark(v)))
        return tuple(kept)

    def partners(self) -> tuple[ed.Partner, ...]:
        kept = []
        for p in self.project.partners:
            pm = p.model
            reason = self.refusal(self.own(pm.marking, pm.releasable_to))
            if reason:
                self.hidden_partners.add(pm.code)
                self.withhold("partner", f"{pm.code} {self.default_text(pm.name)}", p.where(),
                              reason)
                continue
            v = self.own(pm.marking, pm.releasable_to)
            flag = str((self.project.content / pm.flag).resolve()) if pm.flag else None
            kept.append(ed.Partner(pm.code, self.text(pm.name, p, ("name",)), pm.kind,
                                   self.mark(v), self.text(pm.region, p, ("region",)),
                                   pm.since, flag))
        return tuple(kept)

    def collaborations(self) -> tuple[ed.Collaboration, ...]:
        a = self.audience
        kept = []
        for cid, c in self.project.collaborations:
            cm = c.model
            label = self.default_text(cm.title)
            tags = set(cm.tags)
            if a.include_tags and not tags & set(a.include_tags):
                self.withhold("collaboration", label, c.where(),
                              f"tags: none of {', '.join(a.include_tags)}")
                continue
            if tags & set(a.exclude_tags):
                self.withhold("collaboration", label, c.where(),
                              f"tags: excluded {', '.join(sorted(tags & set(a.exclude_tags)))}")
                continue
            if a.partners and not set(cm.partners) & set(a.partners):
                self.withhold("collaboration", label, c.where(),
                              f"partners: not about {', '.join(a.partners)}")
                continue
            v = self.own(cm.marking, cm.releasable_to)
            if not self.admit(v, "collaboration", label, c.where()):
                continue
            partners = tuple(code for code in cm.partners if code not in self.hidden_partners)
            if not partners:
                self.withhold("collaboration", label, c.where(), "all its partners are withheld")
                continue
            benefits = []
            for i, benefit in enumerate(cm.benefits):
                bv = self.own(benefit.marking, benefit.releasable_to).within(v)
                if not self.admit(bv, "benefit",
                                  f"{label}: {_short(self.default_text(benefit.text))}",
                                  c.where(("benefits", i))):
                    continue
                benefits.append(ed.Benefit(benefit.category,
                                           self.text(benefit.text, c, ("benefits", i, "text")),
                                           self.mark(bv)))
            metrics = []
            for i, metric in enumerate(cm.metrics):
                mv = self.own(metric.marking, metric.releasable_to).within(v)
                if not self.admit(mv, "metric", f"{label}: {self.default_text(metric.label)}",
                                  c.where(("metrics", i))):
                    continue
                metrics.append(ed.Metric(
                    self.text(metric.label, c, ("metrics", i, "label")),
                    self.text(metric.unit, c, ("metrics", i, "unit")),
                    _periods_in_order(metric.values), self.mark(mv)))
            kept.append(ed.Collaboration(
                id=cid, title=self.text(cm.title, c, ("title",)), kind=cm.kind,
                partners=partners, status=cm.status, mark=self.mark(v),
                summary=self.text(cm.summary, c, ("summary",)), since=cm.since,
                tags=tuple(cm.tags), benefits=tuple(benefits), metrics=tuple(metrics),
                notes=self.notes(c, ("notes",), cm.notes, v, label),
                sources=tuple(self.text(s.text, c, _text_path(c, ("sources", i)))
                              for i, s in enumerate(cm.sources)),
            ))
        return tuple(kept)

    def sections(self) -> tuple[ed.Section, ...]:
        limit = LENGTH_RANK[self.audience.length]
        kept = []
        for s in self.project.sections:
            front = s.front
            entry = s.main.entry
            label = self.default_text(front.title)
            if LENGTH_RANK[front.length] > limit:
                self.withhold("section", label, entry.where(),
                              f"length: {front.length} (audience: {self.audience.length})")
                continue
            v = self.own(front.marking, front.releasable_to)
            if not self.admit(v, "section", label, entry.where()):
                continue
            source: SectionFile = s.main
            if self.language != self.default_language:
                if self.language in s.translations:
                    source = s.translations[self.language]
                else:
                    d = Diagnostic(entry.source.file, 1, 1, "warning",
                                   f"no `{self.language}` translation "
                                   f"(sections/{s.id}.{self.language}.md); using "
                                   f"`{self.default_language}`", f"audience `{self.name}`")
                    self.warnings.setdefault((d.file, d.line, d.col), d)
            t = source.entry
            tm = t.model
            lang = self.language if source is not s.main else self.default_language
            key_points = []
            for i, point in enumerate(front.key_points):
                pv = self.own(point.marking, point.releasable_to).within(v)
                if not self.admit(pv, "key point",
                                  f"{label}: {_short(self.default_text(point.text))}",
                                  entry.where(("key_points", i))):
                    continue
                translated = tm.key_points[i] if i < len(tm.key_points) else point
                key_points.append(ed.Item(self.text(translated.text, t, ("key_points", i),
                                                    written_in=lang), self.mark(pv)))
            kept.append(ed.Section(
                id=s.id, title=self.text(tm.title, t, ("title",), written_in=lang),
                mark=self.mark(v),
                length=front.length, key_points=tuple(key_points),
                body=self.body(s.main, source, v, label),
                notes=self.notes(entry, ("notes",), front.notes, v, label,
                                 texts=tm.notes, text_entry=t, written_in=lang),
            ))
        return tuple(kept)

    def body(self, main: SectionFile, source: SectionFile, parent: Visibility,
             label: str) -> tuple[ed.BodyPart, ...]:
        # Markings always come from NAME.md: the i-th marked part of a translation takes
        # the blocks of the i-th marked part of the original.
        main_blocks = [p.blocks for p in main.parts if p.blocks]
        parts = []
        marked = 0
        for part in source.parts:
            blocks: tuple[Block, ...] = ()
            if part.blocks:
                blocks = main_blocks[marked] if marked < len(main_blocks) else part.blocks
                marked += 1
            v = parent
            for block in blocks:
                v = self.own(block.marking, block.releasable_to).within(v)
            inner = blocks[-1] if blocks else None
            where = f"{inner.file}:{inner.line}" if inner else label
            if not self.admit(v, "fenced block", f"{label}: {_short(part.markdown)}", where):
                continue
            parts.append(ed.BodyPart(part.markdown, self.mark(v) if blocks else None))
        return tuple(parts)

    def series_label(self, name: str, chart: Visibility) -> str:
        """A chart series named by a partner's code is labelled with the partner's name
        in the audience's language (the home nation's code with its name), when the
        partner is visible and marked no higher than the chart; else "" (the code)."""
        project = self.project
        if name == self.home:
            return self.text(project.briefing.model.home.name, project.briefing,
                             ("home", "name"))
        for p in project.partners:
            pm = p.model
            if pm.code != name or name in self.hidden_partners:
                continue
            if self.mark(self.own(pm.marking, pm.releasable_to)).rank <= self.mark(chart).rank:
                return self.text(pm.name, p, ("name",))
        return ""

    def charts(self) -> tuple[ed.Chart, ...]:
        kept = []
        briefing = self.project.briefing
        for data in self.project.charts:
            spec = data.spec
            label = self.default_text(spec.title)
            v = self.own(spec.marking, spec.releasable_to)
            if not self.admit(v, "chart", label, briefing.where(data.path)):
                continue
            names = spec.series or list(data.columns)
            series = []
            for name in names:
                if name in self.hidden_partners:
                    self.withhold("chart series", f"{label}: {name}", briefing.where(data.path),
                                  f"partner {name} is withheld")
                    continue
                series.append(ed.Series(name, tuple(data.columns[name]),
                                        self.series_label(name, v)))
            if not series:
                self.withhold("chart", label, briefing.where(data.path),
                              "every series is withheld")
                continue
            path = data.path
            if spec.type == "pie" and len(series) < len(names) and not pie_total(
                    data.categories, {s.name: list(s.values) for s in series}, None) > 0:
                # the whole pie adds up (the loader checked it); what this room sees does not
                line, col = briefing.source.at(briefing.node, (*path, "data"))
                d = Diagnostic(briefing.source.file, line, col, "error",
                               f"a pie chart needs values that add up to more than 0: for "
                               f"audience `{self.name}`, without the series of the partners "
                               f"it may not see, those of {spec.data} add up to 0",
                               "draw it as a bar chart, or give it a series this audience "
                               "sees first")
                self.warnings.setdefault((d.file, d.line, d.col), d)
            kept.append(ed.Chart(
                id=spec.id, title=self.text(spec.title, briefing, (*path, "title")),
                type=spec.type, categories=tuple(data.categories), series=tuple(series),
                mark=self.mark(v),
                description=self.text(spec.description, briefing, (*path, "description")),
                unit=self.text(spec.unit, briefing, (*path, "unit")),
                notes=self.notes(briefing, (*path, "notes"), spec.notes, v, label),
            ))
        return tuple(kept)

    def sources(self, edition: ed.Edition) -> tuple[ed.Source, ...]:
        """The sources the Edition's text cites (``[@id]``) and the audience may see: a
        source cited only from withheld text is withheld with it. In author-date style,
        sorted by author then year, each with how the text cites it ("Smith 2024a")."""
        cited = ed.cited(edition)
        briefing = self.project.briefing
        kept = []

        def author(text: LocalText | None, entry: Entry[Any], path: tuple[Any, ...]) -> str:
            return self.text(text, entry, path) if text is not None else ""

        for i, source in enumerate(briefing.model.sources):
            label = f"[@{source.id}] {_short(self.default_text(source.text))}"
            v = self.own(source.marking, source.releasable_to)
            if not self.admit(v, "source", label, briefing.where(("sources", i))):
                continue
            if source.id not in cited:
                self.withhold("source", label, briefing.where(("sources", i)),
                              "not cited in what this audience receives")
                continue
            kept.append(ed.Source(source.id, self.text(source.text, briefing,
                                                       ("sources", i, "text")),
                                  self.mark(v), source.url or "",
                                  author(source.author, briefing, ("sources", i, "author")),
                                  source.year))
        shown = {c.id: c for c in edition.collaborations}
        for cid, entry in self.project.collaborations:
            if cid not in shown:
                continue
            for i, one in enumerate(entry.model.sources):
                if one.id and one.id in cited:
                    kept.append(ed.Source(
                        one.id, self.text(one.text, entry, _text_path(entry, ("sources", i))),
                        shown[cid].mark, one.url or "",
                        author(one.author, entry, ("sources", i, "author")), one.year))
        if briefing.model.citations == "author-date":
            return author_date(kept)
        return tuple(kept)

    def check_cross_references(self, edition: ed.Edition) -> None:
        """A cross-reference in what the audience reads to a figure, table or heading
        withheld from it is an error for this audience, naming both places: the reader
        would find a reference to nothing (and the label's name)."""
        present = {f"fig-{chart.id}" for chart in edition.charts}
        for section in edition.sections:
            for part in section.body:
                present.update(label for _, label, _ in captions(part.markdown))
                present.update(label for label, _ in heading_labels(part.markdown))
        referred: set[str] = set()
        for item in ed.walk(edition):  # every text the audience receives
            for text in item.texts:
                if "@" in text:
                    referred.update(found[1] for found in XREF.finditer(text)
                                    if not found.start() or not (
                                        text[found.start() - 1].isalnum()
                                        or text[found.start() - 1] in "_.@-"))
        shown = {section.id for section in edition.sections}
        for label in sorted(referred - present):
            target = self.project.labels.get(label)
            if target is None:
                continue
            # where the audience reads it: a visible section's body, else a YAML text
            mentions = [x for x in self.project.xrefs if x.label == label]
            mention = next((x for x in mentions if x.section in shown), None) or \
                next((x for x in mentions if not x.section), None)
            if mention is None:
                continue
            d = Diagnostic(mention.file, mention.line, mention.col, "error",
                           f"`@{label}` refers to what audience `{self.name}` may not see "
                           f"(at {target.where})",
                           "mark the referring text as the figure is marked, or refer to it "
                           "in words")
            self.warnings.setdefault((d.file, d.line, d.col), d)

    # --- the whole ---------------------------------------------------------------------

    def run(self, source_date_epoch: int | None = None) -> ed.Tailored:
        project, briefing = self.project, self.project.briefing
        b = briefing.model
        a = self.audience
        document = Visibility(self.levels.index(project.default_level), None)

        partners = self.partners()  # first: hidden partners disappear everywhere
        collaborations = self.collaborations()
        sections = self.sections()
        charts = self.charts()
        key_messages = self.items(briefing, "key_messages", b.key_messages, "key message",
                                  Visibility(0, None))
        recommendations = self.items(briefing, "recommendations", b.recommendations,
                                     "recommendation", Visibility(0, None))

        labels = catalog(self.language)
        for key, group in (("collaboration_kinds", "kind"), ("benefit_categories", "category")):
            for i, term in enumerate(getattr(b, key) or ()):  # the project's own words
                labels[f"{group}.{term.id}"] = self.text(term.label, briefing, (key, i, "label"))
        if not has_catalog(self.language):
            base = self.language.split("-")[0].lower()
            d = self.entry.error(("language",), f"no interface catalogue for `{base}`: "
                                 "headings and labels are in English",
                                 f"add generator/catalogs/{base}.yaml: a copy of en.yaml, "
                                 "translated", severity="warning")
            self.warnings.setdefault((d.file, d.line, d.col), d)
        country_name = self.text(b.home.name, briefing, ("home", "name"))
        if self.country:
            partner = project.partner(self.country)
            country_name = self.country
            if partner and self.country not in self.hidden_partners:
                country_name = self.text(partner.model.name, partner, ("name",))
        theme = a.theme
        logo = str((project.content / theme.logo).resolve()) if theme.logo else None
        view = ed.AudienceView(
            name=self.name, title=self.text(a.title, self.entry, ("title",)),
            clearance=a.clearance, country=self.country, country_name=country_name,
            language=self.language, length=a.length, formats=tuple(a.formats),
            portion_marks=a.portion_marks, theme=_theme(theme, project.content, logo),
            variables=tuple(sorted(a.variables.items())), speaker_notes=a.speaker_notes,
            list_of_figures=a.list_of_figures, list_of_tables=a.list_of_tables,
            contents_depth=a.contents_depth,
            pdf_variant=a.pdf_variant,
        )
        handling = self.text(b.handling, briefing, ("handling",)) if b.handling else \
            labels["default_handling"]
        edition = ed.Edition(
            audience=view, title=self.text(b.title, briefing, ("title",)),
            subtitle=self.text(b.subtitle, briefing, ("subtitle",)),
            issuer=self.text(b.issuer, briefing, ("issuer",)), reference=b.reference or "",
            date=b.date.isoformat(), home_code=self.home,
            home_name=self.text(b.home.name, briefing, ("home", "name")),
            banner="", banner_mark=self.mark(document),  # set below, from what it holds
            summary=self.text(b.summary, briefing, ("summary",)),
            key_messages=key_messages, recommendations=recommendations,
            contact=self.text(b.contact, briefing, ("contact",)), handling=handling,
            sections=sections, partners=partners, collaborations=collaborations, charts=charts,
            labels=tuple(sorted(labels.items())), levels=tuple(self.levels),
            content_root=str(project.content.resolve()), source_date_epoch=source_date_epoch,
            frame_mark=self.mark(document), citations=b.citations,
            categories=tuple(t.id for t in b.benefit_categories or ()) or ed.BENEFIT_CATEGORIES,
        )
        edition = dataclasses.replace(edition, sources=self.sources(edition))
        self.check_cross_references(edition)
        # The banner walks every marked item the Edition holds, whatever its kind.
        banner, top, _ = ed.banner_of(edition)
        edition = dataclasses.replace(edition, banner=banner, banner_mark=top)
        return ed.Tailored(edition, tuple(self.withheld),
                           tuple(sorted(self.warnings.values())))


def _theme(theme: m.Theme, content: Path, logo: str | None) -> ed.Theme:
    """The profile's theme for the renderers: file paths made absolute, margins per side."""
    fonts = tuple((role, str((content / path).resolve()))
                  for role in ("body", "headings", "monospace")
                  if (path := getattr(theme.fonts, role)))
    margins = theme.margins
    sides = ({side: margins for side in ("top", "right", "bottom", "left")}
             if isinstance(margins, str) else margins.model_dump() if margins else {})
    return ed.Theme(theme.primary, theme.accent, logo, fonts, theme.page_size,
                    tuple((side, value) for side, value in sides.items() if value))


def _periods_in_order(values: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Years in numeric order (a metric may list them in any order); other periods
    (``Q1``, ``H2 2025``) as written."""
    items = tuple(values.items())
    return tuple(sorted(items, key=lambda kv: int(kv[0]))) if all(
        k.isdigit() for k in values) else items


def _node_at(entry: Entry[Any], path: tuple[Any, ...]) -> Any:
    node = entry.node
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _note_path(entry: Entry[Any], path: tuple[Any, ...], i: int) -> tuple[Any, ...]:
    """Where the ``i``-th note of the ``notes`` at ``path`` is written: an index into
    a list of notes, or the ``notes`` value itself when it is one note."""
    return (*path, i) if isinstance(_node_at(entry, path), list) else path


def _text_path(entry: Entry[Any], path: tuple[Any, ...]) -> tuple[Any, ...]:
    node = _node_at(entry, path)
    return (*path, "text") if isinstance(node, dict) and "text" in node else path


def _field(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int)) or "text"


def _short(text: str, size: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1] + "…"


def author_date(sources: Sequence[ed.Source]) -> tuple[ed.Source, ...]:
    """``sources`` as an author-date references list: by author, then year (then as
    declared), each cited as "Author Year", with a letter after the year where one author
    has several sources of a year (2024a, 2024b)."""
    key = {id(s): (to_plain(s.author).casefold(), s.year or 0) for s in sources}
    ordered = sorted(sources, key=lambda s: key[id(s)])
    same: dict[tuple[str, int], list[ed.Source]] = {}
    for source in ordered:
        same.setdefault(key[id(source)], []).append(source)
    out = []
    for source in ordered:
        group = same[key[id(source)]]
        letter = _letters(group.index(source)) if len(group) > 1 else ""
        out.append(dataclasses.replace(
            source, cite=f"{to_plain(source.author)} {source.year or ''}{letter}".strip()))
    return tuple(out)


def _letters(n: int) -> str:
    """a, b ... z, aa, ab ...: the ``n``-th (from 0) of one author's sources of a year."""
    return (_letters(n // 26 - 1) if n >= 26 else "") + chr(ord("a") + n % 26)


def tailor(project: Project, audience: str, *, source_date_epoch: int | None = None
           ) -> ed.Tailored:
    """The Edition of ``audience`` (a profile name), with what was withheld and why."""
    if audience not in project.audiences:
        from .errors import ContentError

        raise ContentError([Diagnostic("templates/audiences", 0, 0, "error",
                                       f"no audience `{audience}`",
                                       did_you_mean(audience, project.audiences)
                                       or f"audiences: {', '.join(project.audiences)}")])
    return Tailor(project, audience).run(source_date_epoch)
