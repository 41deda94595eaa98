"""Hand-built Editions for renderer tests (no loading, no tailoring involved)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from generator.edition import (
    AudienceView,
    Benefit,
    BodyPart,
    Chart,
    Collaboration,
    Edition,
    Item,
    Mark,
    Metric,
    Partner,
    Section,
    Series,
    Theme,
)
from generator.i18n import catalog

LEVELS = ("PUBLIC", "RESTRICTED", "CONFIDENTIAL", "SECRET")
P = Mark("PUBLIC", 0, "(P)")
R = Mark("RESTRICTED", 1, "(R)")
C = Mark("CONFIDENTIAL", 2, "(C)")


def sample_edition(content_root: Path | str = "/nonexistent", *, language: str = "en",
                   length: str = "full", **overrides: Any) -> Edition:
    """A small but complete Edition: every part a renderer draws is present."""
    audience = AudienceView(
        name="minister", title="Minister of Defence", clearance="CONFIDENTIAL", country=None,
        country_name="The Republic", language=language, length=length,  # type: ignore[arg-type]
        formats=("pdf", "pptx", "html"), portion_marks=True, theme=Theme(),
        variables=(("office", "Private Office"),),
    )
    partners = (
        Partner("NRV", "Federation of Norvia", "state", P, "North", 2011),
        Partner("ALT", "Altmark Alliance", "alliance", P, "Regional", 2015),
    )
    collab = Collaboration(
        id="joint-border-patrols", title="Joint border patrols", kind="border-security",
        partners=("NRV",), status="active", mark=R, since=2019, tags=("border",),
        summary="Coordinated patrols along the **northern** border.",
        benefits=(
            Benefit("security", "Response times down by a third.", R),
            Benefit("diplomatic", "A standing channel with Norvia's interior ministry.", P),
        ),
        metrics=(Metric("Joint patrols", "patrols", (("2022", 40.0), ("2023", 55.0),
                                                     ("2024", 72.0)), R),),
        notes="Stress the *reduction* in incidents.",
        sources=("Border agency annual report 2025",),
    )
    section = Section(
        id="01-context", title="Strategic context", mark=P, length="summary",
        key_points=(Item("Regional threats cross borders; responses must too.", P),
                    Item("Partners carry a growing share of the burden.", R)),
        body=(BodyPart("The region has seen **three** major incidents.\n\n"
                       "| Year | Incidents |\n|---|---|\n| 2024 | 3 |\n"),
              BodyPart("Only for cleared readers.", C)),
        notes="Open with the map.",
    )
    chart = Chart(
        id="exercises", title="Joint exercises per year", type="bar",
        categories=("2022", "2023", "2024"),
        series=(Series("NRV", (4.0, 6.0, 9.0)), Series("ALT", (2.0, 3.0, 5.0))), mark=P,
        description="Exercises with Norvia and the Altmark Alliance, 2022-2024.",
        unit="exercises",
    )
    edition = Edition(
        audience=audience, title="Benefits of cross-border defence collaboration",
        subtitle="Annual review 2026", issuer="Directorate of International Defence Cooperation",
        reference="DIDC/2026/014", date="2026-11-27", home_code="HOM", home_name="The Republic",
        banner="CONFIDENTIAL", banner_mark=C,
        summary="Collaboration with partners **strengthens** our security.",
        key_messages=(Item("Shared training has cut response times.", P),
                      Item("Intelligence sharing prevented two attacks.", C)),
        recommendations=(Item("Renew the border agreement.", R),),
        contact="Desk officer, DIDC — +00 0000 0000",
        handling=catalog(language)["default_handling"],
        sections=(section,), partners=partners, collaborations=(collab,), charts=(chart,),
        labels=tuple(sorted(catalog(language).items())), levels=LEVELS,
        content_root=str(content_root),
    )
    return dataclasses.replace(edition, **overrides)
