"""Small briefing projects written on the fly, for loader, tailor and build tests."""

from __future__ import annotations

from pathlib import Path

BRIEFING = """\
title: Benefits of cross-border defence collaboration
subtitle: Annual review 2026
issuer: Directorate of International Defence Cooperation
reference: DIDC/2026/014
date: 2026-11-27
home: {code: HOM, name: The Republic}
default_language: en
classification: {levels: [PUBLIC, RESTRICTED, CONFIDENTIAL, SECRET], default: PUBLIC}
summary: Collaboration pays.
key_messages:
  - Shared training has cut response times.
  - text: Intelligence sharing stopped two plots.
    marking: SECRET
recommendations:
  - Renew the border agreement.
contact: Desk officer
charts:
  - id: exercises
    title: Joint exercises per year
    type: bar
    data: data/exercises.csv
    series: [NRV, ALT]
    marking: PUBLIC
"""

PARTNERS = """\
- code: NRV
  name: Federation of Norvia
  kind: state
  region: North
  since: 2011
- code: ALT
  name: Altmark Alliance
  kind: alliance
- code: QAM
  name: {en: Emirate of Qamar, ar: إمارة قمر}
  kind: state
"""

PATROLS = """\
id: joint-border-patrols
title: Joint border patrols
kind: border-security
partners: [NRV]
status: active
since: 2019
tags: [border, north]
marking: RESTRICTED
releasable_to: [NRV]
summary: Coordinated patrols.
benefits:
  - category: security
    text: Response times down.
    marking: CONFIDENTIAL
metrics:
  - label: Joint patrols
    unit: patrols
    values: {2022: 40, 2023: 55, 2024: 72}
notes: Speaker notes
sources: [Border agency report]
"""

SECTION = """\
---
title: Strategic context
marking: PUBLIC
length: summary
key_points:
  - Regional threats cross borders.
notes: Open with the map.
---
Body para.

::: marking=CONFIDENTIAL releasable_to=NRV
Cleared para.
:::

More.
"""

CSV = "year,NRV,ALT\n2022,1,2\n2023,3,4\n"

MINISTER = "title: Minister\nclearance: SECRET\nlength: full\n"
NORVIA = "title: Norvian delegation\nclearance: RESTRICTED\ncountry: NRV\nlength: standard\n"


def write_project(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """A valid project at ``root``; ``files`` adds, replaces (or with None removes) files."""
    base: dict[str, str | bytes | None] = {
        "content/briefing.yaml": BRIEFING,
        "content/partners.yaml": PARTNERS,
        "content/collaborations/patrols.yaml": PATROLS,
        "content/sections/01-context.md": SECTION,
        "content/data/exercises.csv": CSV,
        "templates/audiences/minister.yaml": MINISTER,
        "templates/audiences/norvia.yaml": NORVIA,
    }
    base.update(files or {})
    for rel, text in base.items():
        path = root / rel
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root
