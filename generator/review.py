"""The release review sheet: what an audience's edition leaves out, and why.

It is written to ``OUT/_review/AUDIENCE.md``, outside the audience's own folder: it is
for the releasing officer, and it names what was withheld.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .edition import Tailored, banner_of, walk


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# What Markdown or HTML would read in a content author's text: a previewer of the sheet
# would otherwise render `<img src=…>` (and fetch it), links and emphasis in it.
_MARKUP = re.compile(r"([\\`*_\[\]<>!&~])")


def _content(text: str) -> str:
    """A content author's text in a table cell of the sheet, shown as written."""
    return _cell(_MARKUP.sub(r"\\\1", text))


def _code(text: str) -> str:
    """``text`` as a Markdown code span, shown as written whatever backticks it holds.

    CommonMark: the span's fence is a run of more backticks than the longest run inside,
    and a reader strips one space inside each end when both are there, so a space pads
    text that starts or ends with a backtick (or with spaces at both ends)."""
    text = text.replace("\n", " ")  # a code span is one line of a list item or table
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or (
        text[:1] == text[-1:] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _withdrawn_table(withdrawn: Sequence[tuple[str, str]]) -> list[str]:
    return (["| Output | Why |", "|---|---|"]
            + [f"| {_cell(_code(path))} | {_cell(why)} |" for path, why in sorted(withdrawn)])


def review_sheet(tailored: Tailored, withdrawn: Sequence[tuple[str, str]] = ()) -> str:
    """The audience's review sheet. ``withdrawn`` lists (output path, reason) of files an
    earlier build wrote for this audience that the build removed, because the profile no
    longer asks for them."""
    e = tailored.edition
    a = e.audience
    outputs = tailored.outputs()
    # The highest banner of the outputs built (each has the banner of what it prints).
    highest = max(outputs, key=lambda o: o.banner_mark.rank).banner if outputs else e.banner
    lines = [
        f"# Release review: {a.name}",
        "",
        "For the releasing officer. Not for distribution with the audience's documents.",
        "",
        "| | |",
        "|---|---|",
        f"| Document | {_content(e.title)} ({_content(e.reference)}, {e.date}) |",
        f"| Audience | {_content(a.title)} |",
        f"| Clearance | {a.clearance} |",
        f"| Country | {a.country or e.home_code + ' (home)'} |",
        f"| Language | {a.language} |",
        f"| Length | {a.length} |",
        f"| Formats | {', '.join(a.formats)} |",
        f"| Banner | {_cell(highest)} (highest of the outputs) |",
        f"| Items received | {tailored.received} |",
        f"| Items withheld | {len(tailored.withheld)} |",
        "",
    ]
    # Per output: each prints only some parts (a summary brief no partner table, a deck
    # no section bodies), so each has the banner of what it prints.
    lines += ["## Banner per output", "",
              "| Output | Banner | Set by | Items printed |", "|---|---|---|---|"]
    for output in outputs:
        banner, _, top = banner_of(output)
        setter = "the document itself (nothing marked higher)" if not top.path else \
            f"{top.kind}: {_content(top.label)}"
        printed = sum(1 for item in walk(output) if item.path)
        lines.append(f"| {output.output} | {_cell(banner)} | {setter} | "
                     f"{printed} of {tailored.received} |")
    lines.append("")
    if tailored.withheld:
        reasons = Counter(w.reason.split(":")[0].split(",")[0] for w in tailored.withheld)
        lines += ["## Withheld", ""]
        lines += [f"- {count} × {reason}" for reason, count in sorted(reasons.items())]
        lines += ["", "| What | Item | Where | Why |", "|---|---|---|---|"]
        lines += [f"| {w.kind} | {_content(w.label)} | {_cell(_code(w.where))} | "
                  f"{_cell(w.reason)} |"
                  for w in tailored.withheld]
    else:
        lines += ["Nothing was withheld: this audience receives every item."]
    if withdrawn:
        lines += ["", "## Withdrawn outputs", "",
                  "Written by an earlier build and removed from the output folder: the "
                  "profile no longer asks for them.", "", *_withdrawn_table(withdrawn)]
    if tailored.warnings:
        # a list item, not a table cell: a `|` needs no escape (it would show as `\|`)
        lines += ["", "## Warnings", ""] + [f"- {_code(d.format())}" for d in tailored.warnings]
    return "\n".join(lines) + "\n"


def withdrawn_sheet(withdrawn: Sequence[tuple[str, str]]) -> str:
    """``_review/withdrawn.md``: outputs removed because their audience no longer exists."""
    lines = ["# Withdrawn outputs", "",
             "For the releasing officer. Files an earlier build wrote for audiences that no "
             "longer have a profile; the build removed them from the output folder.", ""]
    return "\n".join(lines + _withdrawn_table(withdrawn)) + "\n"
