"""The organisation file a programme file may name: everyone's manager, enrolled or not.

A CSV with the columns `email,manager_email` (others ignored), read by the participants file's
rules: comma, semicolon or tab, UTF-8 with or without a BOM, every mistake a `Problem` at
FILE:LINE, and no message quoting a cell. With it the reporting-line rule sees the whole
management chain, through managers who are not in the programme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.csv_rows import CSV_HINT, column_name, csv_rows
from domain.file_problems import Problem, Report, decode
from domain.org_chart import reporting_cycles
from domain.participants_file import looks_like_email
from domain.programme import Participant

_COLUMNS = ("email", "manager_email")
_ALIASES = {"e_mail": "email", "manager_e_mail": "manager_email", "manager": "manager_email"}


@dataclass(frozen=True)
class OrgRow:
    """One person of the organisation file, e-mails in lower case; no manager at the top."""

    line: int
    email: str
    manager: str | None


def parse_organisation(name: str, data: bytes, problems: list[Problem]) -> tuple[OrgRow, ...]:
    """The rows of an organisation file's bytes; `name` is what problems call the file.

    Problems are added to `problems`; a row with a mistake is left out.
    """
    report = Report(name, problems)
    text = decode(data, report, CSV_HINT)
    rows = csv_rows(text, report) if text is not None else None
    if not rows:
        if rows is not None:
            report.add(
                1,
                "header",
                "the file is empty; the first line must be a header with "
                "email and manager_email columns",
            )
        return ()
    header_line, header = rows[0]
    columns = _columns(header, header_line, report)
    if columns is None:
        return ()
    found: list[OrgRow] = []
    first_line: dict[str, int] = {}
    for line, cells in rows[1:]:
        row = _row(line, cells, columns, len(header), report)
        key = cells[columns["email"]].strip().lower() if columns["email"] < len(cells) else ""
        if key in first_line:
            report.add(line, "email", f"duplicate e-mail (first on line {first_line[key]})")
            continue
        if key:
            first_line[key] = line
        if row is not None:
            found.append(row)
    return tuple(found)


def _columns(header: list[str], line: int, report: Report) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = column_name(cell, _ALIASES)
        if name not in _COLUMNS:
            continue  # names, titles, sites: none of the programme's business
        if name in columns:
            report.add(
                line, name, f"column appears twice (columns {columns[name] + 1} and {index + 1})"
            )
            continue
        columns[name] = index
    missing = [name for name in _COLUMNS if name not in columns]
    for name in missing:
        report.add(
            line,
            name,
            f"missing column {name}: the first line must be a header with email and "
            "manager_email columns",
        )
    return None if missing else columns


def _row(
    line: int, cells: list[str], columns: dict[str, int], width: int, report: Report
) -> OrgRow | None:
    if any(cell.strip() for cell in cells[width:]):
        report.add(
            line,
            "row",
            f"{len(cells)} values for {width} columns; a value containing "
            "the delimiter must be in double quotes",
        )
        return None
    email, manager = (
        cells[columns[name]].strip() if columns[name] < len(cells) else "" for name in _COLUMNS
    )
    ok = True
    if not looks_like_email(email):
        report.add(line, "email", "malformed e-mail address" if email else "missing")
        ok = False
    if manager and not looks_like_email(manager):
        report.add(line, "manager_email", "malformed e-mail address")
        ok = False
    return OrgRow(line, email.lower(), manager.lower() or None) if ok else None


def organisation_managers(
    rows: Sequence[OrgRow], participants: Sequence[Participant], report: Report
) -> dict[str, str]:
    """E-mail -> manager's e-mail from the organisation file, checked against the participants.

    A participant's manager must be the same in both files wherever both say; a cycle through
    a row of the organisation file is reported at that row (a cycle within the participants file
    is reported there).
    """
    from_participants = {
        p.email.lower(): p.manager_email.lower() for p in participants if p.manager_email
    }
    managers: dict[str, str] = {}
    line_of: dict[str, int] = {}
    for row in rows:
        if row.manager is None:
            continue
        said = from_participants.get(row.email)
        if said is not None and said != row.manager:
            report.add(
                row.line,
                "manager_email",
                "differs from this person's manager_email in the participants file",
            )
            continue
        managers[row.email] = row.manager
        line_of[row.email] = row.line
    for cycle in reporting_cycles({**managers, **from_participants}):
        ours = sorted(line_of[p] for p in cycle if p in line_of and p not in from_participants)
        if not ours:
            continue
        lines = ", ".join(str(line) for line in ours)
        report.add(
            ours[0],
            "organisation",
            f"reporting-line cycle: someone is, through {len(cycle)} manager(s), their own "
            f"manager (rows of this file in the cycle: lines {lines})",
        )
    return managers
