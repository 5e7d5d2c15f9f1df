"""The raid, defense and intercepts commands, and their one-line errors."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.ledger.helpers import run_cli


def test_raid_command_writes_leakers_as_csv() -> None:
    code, out, err = run_cli(
        [
            "raid",
            "--raid",
            "Iskander-M=40,Kinzhal=10",
            "--paths",
            "5000",
            "--seed",
            "1",
            "--format",
            "csv",
            "--no-progress",
        ]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame["threat"]) == ["Iskander-M", "Kinzhal", "all"]
    assert list(frame["launched"]) == [40, 10, 50]
    assert (frame["mean"] <= frame["launched"]).all()


def test_raid_command_is_deterministic_and_writes_saturation(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.csv", "b.csv"):
        target = tmp_path / name
        code, _, err = run_cli(
            [
                "raid",
                "--raid",
                "Iskander-M=20",
                "--paths",
                "2000",
                "--seed",
                "7",
                "--show",
                "saturation",
                "-f",
                "csv",
                "-o",
                str(target),
                "--no-progress",
            ]
        )
        assert code == 0, err
        outputs.append(target.read_text())
    assert outputs[0] == outputs[1]
    curve = pd.read_csv(io.StringIO(outputs[0]))
    assert {"scale", "missiles", "leakers_mean", "ballistic_leak_share"} <= set(curve.columns)


def test_intercepts_command_by_quarter() -> None:
    code, out, err = run_cli(
        ["intercepts", "--family", "Iskander-M", "--family", "Kinzhal", "-f", "csv"]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame["family"]) == {"Iskander-M", "Kinzhal"}
    assert "2025Q3" in set(frame["period"])


def test_intercepts_outcomes_command() -> None:
    code, out, err = run_cli(["intercepts", "--outcomes", "Iskander-M", "-f", "csv"])
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out)).set_index("outcome")
    assert frame.loc["none", "observed"] > frame.loc["all", "observed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["raid", "--raid", "Tomahawk=4"], "unknown threat 'Tomahawk' (known:"),
        (["raid", "--raid", "Iskander-M"], "not NAME=COUNT"),
        (["raid", "--raid", "Iskander-M=0"], "no missiles"),
        (["raid", "--raid", "Iskander-M=-2"], "not a whole number"),
        (["raid", "--raid", "Iskander-M=4", "--stock", "PAC-3 MSE=-5"], "must be a number >= 0"),
        (["raid", "--raid", "Iskander-M=4", "--stock", "Patriot=5"], "unknown interceptor"),
        (["intercepts", "--family", "Iskandr"], "unknown family 'Iskandr'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, _out, err = run_cli([*args, "--paths", "10"] if args[0] == "raid" else args)
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert message in lines[0]


def test_probability_above_one_in_a_user_file_is_refused(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        """
[[estimate]]
id = "pac-3-mse-pk-ballistic"
quantity = "kill_probability"
subject = "PAC-3 MSE vs ballistic"
bound = "approx"
value = 1.4
unit = "probability"
as_of = "2026-01-01"
assumption = true
""",
        encoding="utf-8",
    )
    code, _, err = run_cli(
        ["raid", "--raid", "Iskander-M=4", "--paths", "10", "--estimates", str(user)]
    )
    assert code == 2
    assert "pac-3-mse-pk-ballistic" in err and "cannot exceed 1" in err


def test_user_file_changes_the_defense(tmp_path: Path) -> None:
    """A user's record replaces the shipped one with the same id."""
    user = tmp_path / "mine.toml"
    user.write_text(
        """
[[estimate]]
id = "pac-3-mse-stock-ukraine"
quantity = "interceptor_stock"
subject = "PAC-3 MSE"
bound = "approx"
value = 500
unit = "interceptors"
as_of = "2026-04-01"
assumption = true
""",
        encoding="utf-8",
    )
    code, out, err = run_cli(
        [
            "raid",
            "--raid",
            "Iskander-M=10",
            "--paths",
            "500",
            "--show",
            "interceptors",
            "-f",
            "csv",
            "--estimates",
            str(user),
            "--no-progress",
        ]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out)).set_index("interceptor")
    assert frame.loc["PAC-3 MSE", "stock_mean"] == 500


def test_defense_command_writes_the_depletion_distribution() -> None:
    code, out, err = run_cli(
        [
            "defense",
            "--until",
            "2026-12",
            "--paths",
            "200",
            "--seed",
            "2",
            "--show",
            "depletion",
            "--stock",
            "assumed",
            "-f",
            "csv",
            "--no-progress",
        ]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert frame["category"].iloc[-1] == "not before 2026-12"
    assert frame["paths"].sum() == 200
    assert frame["cumulative_probability"].iloc[-1] == pytest.approx(1.0)


def test_defense_command_rejects_unknown_extra_interceptor() -> None:
    code, _out, err = run_cli(
        [
            "defense",
            "--until",
            "2026-12",
            "--paths",
            "10",
            "--stock",
            "assumed",
            "--extra-interceptors",
            "THAAD=5",
        ]
    )
    assert code == 2
    assert "unknown interceptor 'THAAD'" in err and "PAC-3 MSE" in err


def test_direct_delivery_rate_replaces_output_times_share(tmp_path: Path) -> None:
    from missilewatch import estimates, ledger
    from missilewatch.defense import calibration
    from missilewatch.views import defense as api

    user = tmp_path / "deliveries.toml"
    user.write_text(
        """
[[estimate]]
id = "my-pac-3-deliveries"
quantity = "interceptor_deliveries"
subject = "PAC-3 MSE"
bound = "approx"
value = 24
unit = "interceptors/month"
as_of = "2026-01-01"
assumption = true
""",
        encoding="utf-8",
    )
    setup, _ = api.load_setup(user)
    patriot = setup.defense.interceptors["PAC-3 MSE"]
    assert patriot.deliveries_per_month.central == 24
    assert "my-pac-3-deliveries" in setup.record_ids["PAC-3 MSE"]
    attacks = calibration.per_attack(ledger.attacks(allocated=True), by="family")
    shipped = api.build_defense(
        estimates.load(), attacks, as_of=date(2026, 4, 1), layers=api.load_layers()
    )
    assert shipped.defense.interceptors["PAC-3 MSE"].deliveries_per_month.central < 24

    # A count is a dated package: evidence for the reconstruction, not a monthly rate.
    counted = tmp_path / "count.toml"
    counted.write_text(user.read_text().replace("interceptors/month", "interceptors"))
    setup, _ = api.load_setup(counted)
    assert "my-pac-3-deliveries" not in setup.record_ids["PAC-3 MSE"]
    assert setup.defense.interceptors["PAC-3 MSE"].deliveries_per_month.central < 24
    from missilewatch.views import interceptors

    report, _ = interceptors.load_inputs(estimates=counted)
    assert "my-pac-3-deliveries" in {p.observation.record_id for p in report.inputs.packages}


@pytest.mark.parametrize("by", ["family", "class"])
def test_intercepts_table_fits_80_columns(by: str) -> None:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from missilewatch.cli import main; main()", "intercepts",
         "--by", by],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    assert "…" not in result.stdout  # names wrap at spaces, numbers never cut
    # Rate with its interval, as percentages, in one cell.
    assert any(re.search(r"\d+% \(\d+%-\d+%\)", line) for line in lines)
    if by == "family":
        assert "Kh-101/Kh-555" in result.stdout
