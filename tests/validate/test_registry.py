"""The published-figures registry: the shipped file, and bad files refused line by line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from missilewatch.ledger.rules import COUNTING_RULES
from missilewatch.validate import RegistryError, load_registry

GOOD_FIGURE = """
[selections.drones]
description = "attack drones"
classes = ["attack-uav"]

[[figure]]
id = "x-2026-02-drones"
publisher = "AFP"
published = 2026-03-01
address = "https://example.org/news/article-1"
title = "A title"
statement = "5,059 drones"
value = 5059
select = "drones"
start = 2026-02-01
end = 2026-02-28
rule = "afp"
tolerance = 0.01
tolerance_reason = "why"
"""


def test_shipped_registry_has_at_least_25_defined_figures() -> None:
    figures = load_registry()
    assert len(figures) >= 25
    assert len({f.id for f in figures}) == len(figures)
    for figure in figures:
        assert figure.rule in COUNTING_RULES
        assert figure.classes or figure.families
        assert figure.start <= figure.end <= figure.published
        assert figure.tolerance_reason
        # an article, not the outlet's front page
        assert urlparse(figure.address).path.strip("/"), figure.address


def test_shipped_registry_names_several_publishers_and_rules() -> None:
    figures = load_registry()
    assert {"AFP", "ABC News"} <= {f.publisher for f in figures}
    assert {"afp", "all-rows"} <= {f.rule for f in figures}


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "figures.toml"
    path.write_text(GOOD_FIGURE, encoding="utf-8")
    (figure,) = load_registry(path)
    assert figure.classes == ("attack-uav",)
    assert figure.selection == "drones"
    assert figure.allowed_difference() == pytest.approx(50.59)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('rule = "afp"', 'rule = "every-row"'), "'rule'"),
        (('select = "drones"', 'select = "bombs"'), "'select'"),
        (('select = "drones"', 'families = ["Shaheed"]'), "'families'"),
        (("end = 2026-02-28", "end = 2026-01-28"), "'end'"),
        (
            ('address = "https://example.org/news/article-1"', 'address = "https://example.org"'),
            "'address'",
        ),
        (("value = 5059", "value = -3"), "'value'"),
        (('tolerance_reason = "why"', 'tolerance_reason = "why"\ncolour = "red"'), "'colour'"),
    ],
)
def test_a_bad_field_is_named_with_file_and_figure(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    path = tmp_path / "figures.toml"
    path.write_text(GOOD_FIGURE.replace(*change), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    (line,) = caught.value.problems
    assert str(path) in line
    assert "'x-2026-02-drones'" in line
    assert field in line


def test_not_toml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "figures.toml"
    path.write_text("[[figure]\nid =", encoding="utf-8")
    with pytest.raises(Exception, match="not valid TOML") as caught:
        load_registry(path)
    assert "\n" not in str(caught.value)
