"""The distribution register: which bytes each recipient's copy held, build after build.

``OUT/_review/AUDIENCE-register.csv`` is append-only: a build adds a row for each copy it
issues for the first time (``issued``), each copy whose bytes changed (``reissued``) and
each copy it withdraws (``withdrawn``); a copy written again with the same bytes adds
nothing. The build writes the register in its journaled commit, and never removes it,
whatever happens to the audience or its copies. Its time column is the build's
``SOURCE_DATE_EPOCH`` when set, else the briefing's date: never the clock, so that a
rebuild of the same sources writes the same register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .copies import Made

COLUMNS = ("copy", "recipient", "organisation", "email", "file", "sha256", "signer",
           "time", "event")
SUFFIX = "-register.csv"


def register_name(audience: str) -> str:
    return f"{audience}{SUFFIX}"


def is_register(name: str) -> bool:
    """Whether a file name in ``_review`` is a register (``AUDIENCE-register.csv``)."""
    return name.endswith(SUFFIX) and len(name) > len(SUFFIX) and not name.startswith(".")


def timestamp(source_date_epoch: int | None, briefing_date: str) -> str:
    """The register's time: ``SOURCE_DATE_EPOCH`` in UTC, else the briefing's date."""
    if source_date_epoch is not None:
        moment = dt.datetime.fromtimestamp(source_date_epoch, dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return briefing_date


def read_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of a register (a file that is not one gives none: it is kept, and
    appended to)."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        return [row for row in reader if row.get("file")]
    except (UnicodeDecodeError, csv.Error):
        return []


def append(previous: bytes | None, made: Sequence[Made], withdrawn: Iterable[str],
           when: str, contents: dict[str, str] | None = None) -> bytes | None:
    """The register after this build: ``previous`` (the file as it is, or None) with a
    row for each copy of ``made`` whose bytes the register does not already hold as the
    file's latest, and for each path of ``withdrawn``; None when nothing is added.
    ``contents`` (each path's SHA-256 before signing, in the last build) tells a
    reissued copy from one only signed again."""
    rows = read_rows(previous) if previous else []
    latest: dict[str, dict[str, str]] = {}
    for row in rows:
        latest[row["file"]] = row
    added: list[dict[str, str]] = []
    for one in sorted(made, key=lambda m: (m.copy.number, m.path)):
        last = latest.get(one.path)
        live = last is not None and last.get("event") != "withdrawn"
        if live and last is not None and last.get("sha256") == one.sha256:
            continue  # the same bytes
        person = one.copy.recipient
        # New bytes with the content of the last build (compared without signatures):
        # only the signature changed (signed again, or no longer signed).
        same = live and (contents or {}).get(one.path) == one.content
        event = "resigned" if same else "reissued" if live else "issued"
        added.append({"copy": str(one.copy.number), "recipient": person.name,
                      "organisation": person.organisation, "email": person.email or "",
                      "file": one.path, "sha256": one.sha256, "signer": one.signer,
                      "time": when, "event": event})
    for path in sorted(withdrawn):
        last = latest.get(path)
        if last is None or last.get("event") == "withdrawn":
            continue
        added.append({**last, "sha256": "", "signer": "", "time": when,
                      "event": "withdrawn"})
    if not added:
        return None
    out = io.StringIO()
    if previous:
        text = previous.decode("utf-8", "replace")
        out.write(text if text.endswith("\n") or not text else text + "\n")
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    if not previous:
        writer.writeheader()
    writer.writerows(added)
    return out.getvalue().encode("utf-8")


def markdown(audience: str, data: bytes) -> str:
    """The register as a section of the audience's review sheet."""
    rows = read_rows(data)
    lines = ["", "## Distribution register", "",
             f"Every numbered copy issued, reissued or withdrawn, as recorded in "
             f"`_review/{register_name(audience)}` (append-only; SHA-256 of each file).",
             "", "| Copy | Recipient | File | SHA-256 | Signer | Time | Event |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        who = f"{row.get('recipient', '')}, {row.get('organisation', '')}"
        lines.append(f"| {row.get('copy', '')} | {_cell(who)} | `{_cell(row['file'])}` | "
                     f"{_cell(row.get('sha256', ''))} | {_cell(row.get('signer', ''))} | "
                     f"{_cell(row.get('time', ''))} | {_cell(row.get('event', ''))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def current(out: Path, audience: str) -> bytes | None:
    """The register in the output folder, if there is one."""
    path = out / "_review" / register_name(audience)
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None
