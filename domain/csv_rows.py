"""The rows of a CSV file exported from a spreadsheet, shared by the files a programme file names.

Comma, semicolon (French Excel) or tab separated, whichever the header uses most; empty rows
(";;;;") skipped; every row with the physical line it starts on, for FILE:LINE problems.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from domain.file_problems import Report

CSV_HINT = "; save it from your spreadsheet as 'CSV UTF-8'"


def csv_rows(text: str, report: Report) -> list[tuple[int, list[str]]] | None:
    """The non-blank rows with the line each starts on; None after reporting unreadable CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            # Spreadsheets export empty rows as ";;;;", not as empty lines.
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        report.add(line, "file", f"cannot be read as CSV: {exc}")
        return None
    return rows


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (French Excel) or tab: whichever the header line uses most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=header.count)


def column_name(cell: str, aliases: Mapping[str, str]) -> str:
    """A header cell as a column name: case, spaces and dashes do not matter."""
    name = re.sub(r"[\s-]+", "_", cell.strip().lower())
    return aliases.get(name, name)
