"""``validate``: how well the tool does, section by section, in plain words first.

Sections:

* ``published``: the ledger against figures others published (:mod:`.published`);
* ``forecast``: the strike forecast's out-of-sample skill (:mod:`.forecast`);
* ``stock-loo``: the Russian stock disclosures left out one at a time (from the
  Bayesian stock reconstruction, when the installed version has it);
* ``interceptor-hindcast``: the interceptor reconstruction against what followed (when
  the installed version has it).

A section whose analysis is not in this version says so instead of showing numbers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from missilewatch.validate.published import published_check, published_summary


@dataclass(frozen=True)
class Section:
    """One part of the validation: a sentence, then its table."""

    name: str
    title: str
    summary: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    available: bool = True
    #: Columns shown on an 80-column terminal (all columns go to files and json/csv),
    #: with their short on-screen labels.
    screen_columns: dict[str, str] = field(default_factory=dict)

    def screen_table(self) -> pd.DataFrame:
        """The table as an 80-column terminal shows it: chosen columns, short labels."""
        if not self.screen_columns:
            return self.table
        chosen = [c for c in self.screen_columns if c in self.table.columns]
        table = self.table[chosen].rename(columns=self.screen_columns)
        for column in table.columns:
            if table[column].dtype == bool:
                table[column] = table[column].map({True: "yes", False: "NO"})
        return table


@dataclass(frozen=True)
class ValidationReport:
    sections: list[Section]

    def section(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        raise KeyError(name)

    @property
    def published_misses(self) -> int:
        """Published figures outside their tolerance."""
        table = self.section("published").table
        return int((~table["within_tolerance"]).sum()) if len(table) else 0

    def to_dict(self) -> dict[str, Any]:
        import json

        return {
            section.name: {
                "title": section.title,
                "summary": section.summary,
                "available": section.available,
                "rows": json.loads(section.table.to_json(orient="records", date_format="iso"))
                if len(section.table)
                else [],
            }
            for section in self.sections
        }


PUBLISHED_SCREEN_COLUMNS = {
    "id": "figure",
    "rule": "rule",
    "tool_value": "tool",
    "published_value": "published",
    "difference_pct": "diff %",
    "within_tolerance": "within",
}


def _published_section(db: Path | None, registry: Path | None) -> Section:
    table = published_check(db, registry=registry)
    return Section(
        name="published",
        title="The ledger against published figures",
        summary=published_summary(table),
        table=table,
        screen_columns=PUBLISHED_SCREEN_COLUMNS,
    )


def _forecast_section(db: Path | None, quick: bool) -> Section:
    from missilewatch.validate.forecast import forecast_section

    return forecast_section(db, quick=quick)


#: Optional sections built by other parts of the tool: (name, title, "module:function").
#: Each function takes ``db`` and ``quick`` and returns (summary, table).
OPTIONAL_SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "stock-loo",
        "Russian stock disclosures, each left out and predicted from the rest",
        "missilewatch.model.stock_validation:leave_one_out_table",
    ),
    (
        "interceptor-hindcast",
        "Interceptor stocks against what followed",
        "missilewatch.defense.hindcast:hindcast_table",
    ),
)


def _optional_function(target: str) -> Callable[..., tuple[str, pd.DataFrame]] | None:
    module_name, attribute = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            return None
        raise
    function = getattr(module, attribute, None)
    return function if callable(function) else None


def _optional_section(name: str, title: str, target: str, db: Path | None, quick: bool) -> Section:
    function = _optional_function(target)
    if function is None:
        return Section(
            name=name,
            title=title,
            summary="Not available in this version: the analysis behind this section is not "
            "part of the installed missilewatch.",
            available=False,
        )
    summary, table = function(db=db, quick=quick)
    return Section(name=name, title=title, summary=summary, table=table)


def validate(
    db: Path | None = None, *, quick: bool = False, registry: Path | None = None
) -> ValidationReport:
    """Every validation section. ``quick``: published figures and a short backtest."""
    sections = [_published_section(db, registry), _forecast_section(db, quick)]
    sections += [
        _optional_section(name, title, target, db, quick)
        for name, title, target in OPTIONAL_SECTIONS
    ]
    return ValidationReport(sections)
