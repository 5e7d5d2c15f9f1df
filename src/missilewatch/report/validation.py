"""The report's "How well it does" section: each validation section in words, then its
table (published figures with their articles linked, the forecast skill by class)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from missilewatch.validate.report import Section, ValidationReport


def _published_html(table: pd.DataFrame) -> str:
    rows = []
    for row in table.itertuples(index=False):
        within = "yes" if row.within_tolerance else "<strong>no</strong>"
        note = f'<br><span class="note">{html.escape(str(row.note))}</span>' if row.note else ""
        rows.append(
            "<tr>"
            f'<td><a href="{html.escape(str(row.address))}" rel="noreferrer">'
            f"{html.escape(str(row.publisher))}</a>, {row.published}</td>"
            f"<td>{html.escape(str(row.what))} {row.measure}, {row.start} to {row.end}"
            f" <code>{row.rule}</code>{note}</td>"
            f'<td class="num">{row.tool_value:,}</td>'
            f'<td class="num">{row.published_value:,.0f}</td>'
            f'<td class="num">{row.difference_pct:+.1f}%</td>'
            f"<td>{within}</td>"
            "</tr>"
        )
    head = (
        "<thead><tr><th>published by</th><th>figure (counting rule)</th><th>tool</th>"
        "<th>published</th><th>difference</th><th>within tolerance</th></tr></thead>"
    )
    return f'<table class="validation">{head}<tbody>{"".join(rows)}</tbody></table>'


def _table_html(section: Section) -> str:
    table = section.screen_table()
    return str(
        table.to_html(
            index=False, classes="validation", border=0, float_format=lambda v: f"{v:.2f}"
        )
    )


def validation_sections(report: ValidationReport) -> list[dict[str, Any]]:
    """Title, summary, availability and table HTML of each section, for the template."""
    sections = []
    for section in report.sections:
        if not len(section.table):
            table_html = ""
        elif section.name == "published":
            table_html = _published_html(section.table)
        else:
            table_html = _table_html(section)
        sections.append(
            {
                "name": section.name,
                "title": section.title,
                "summary": section.summary,
                "available": section.available,
                "table_html": table_html,
            }
        )
    return sections
