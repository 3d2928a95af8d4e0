"""A monthly report as an Excel workbook (openpyxl): the headline figures, then one sheet per breakdown.

Headers are in the reader's language; values stay numbers (rates formatted as percentages), so the
service department can chart and sum them further; a figure with nothing to count is "—", as on the page.
"""
from __future__ import annotations

from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from app.services.reports import Report
from app.web import report_text
from app.web.report_text import Column

FORMATS = {"rate": "0.0%", "score": "0.00", "days": "0.0", "count": "0"}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF6")


def workbook_bytes(report: Report) -> bytes:
    book = Workbook()
    _headline(book.active, report)
    for breakdown, title in report_text.BREAKDOWNS:
        _breakdown(book.create_sheet(str(title)[:31]), report, breakdown)
    if "satisfaction_survey" in report.row.figures:
        _survey(book.create_sheet(_("Satisfaction survey")[:31]), report)
    _no_formulas(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _headline(sheet: Worksheet, report: Report) -> None:
    row = report.row
    sheet.title = _("Figures")
    state = _("Published") if row.state == "published" else _("Draft")
    for label, value in ((_("Month"), row.month), (_("Period"), f"{row.period_from} – {row.period_to}"),
                         (_("State"), state), (_("Reviewer"), report.reviewer_name or ""),
                         (_("Comment"), row.comment or "")):
        sheet.append([label, value])
    sheet.append([])
    sheet.append([_("Figure"), _("Value")])
    _style_header(sheet, sheet.max_row)
    for column in report_text.HEADLINE:
        sheet.append([str(column.label), None])
        _put(sheet.cell(sheet.max_row, 2), column, column.value(row.figures))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 28


def _breakdown(sheet: Worksheet, report: Report, breakdown: str) -> None:
    columns = report_text.columns_of(breakdown)
    sheet.append([str(report_text.BREAKDOWN_KEYS[breakdown]), *(str(column.label) for column in columns)])
    _style_header(sheet, 1)
    for label, entry in report_text.rows_of(report.row.figures, breakdown, report.engineer_names):
        sheet.append([label])
        for offset, column in enumerate(columns, start=2):
            _put(sheet.cell(sheet.max_row, offset), column, column.value(entry))
    sheet.column_dimensions["A"].width = 26
    for offset in range(2, len(columns) + 2):
        sheet.column_dimensions[sheet.cell(1, offset).column_letter].width = 16
    sheet.freeze_panes = "B2"


def _survey(sheet: Worksheet, report: Report) -> None:
    """The month's questionnaire answers and improvement actions (Flow 5), one figure per row."""
    sheet.append([_("Figure"), _("Value")])
    _style_header(sheet, 1)
    for column in report_text.SURVEY_COLUMNS:
        sheet.append([str(column.label), None])
        _put(sheet.cell(sheet.max_row, 2), column, column.value(report.row.figures))
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 16


def _put(cell: Any, column: Column, value: Any) -> None:
    if value is None:
        cell.value = report_text.NONE
        cell.alignment = Alignment(horizontal="right")
        return
    cell.value = value
    cell.number_format = FORMATS[column.kind]


def _no_formulas(book: Workbook) -> None:
    """Text that starts with "=" (a comment, a name) stays text: openpyxl would write it as a formula that
    Excel runs when the file is opened."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def _style_header(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
