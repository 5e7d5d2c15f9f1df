"""The sweep command: results and sensitivity as files, local and Dask workers, one-line
errors with exit code 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from tests.sweep.conftest import write_sweep

from missilewatch.cli import main
from missilewatch.sweep import point_seeds, sensitivity


def _missilewatch(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process (worker pools and Dask clients need one)."""
    environment = {**os.environ, "MISSILEWATCH_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", "from missilewatch.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def _in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The command's entry point run here: (exit code, standard output, standard error)."""
    monkeypatch.setattr(sys, "argv", ["missilewatch", *args])
    # main() installs its one-line warning printer; the fixture puts the old one back.
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


@pytest.mark.slow
def test_results_as_csv_here_and_on_two_workers(
    tiny_sweep: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, here, errors = _in_process(monkeypatch, capsys, "sweep", str(tiny_sweep), "-f", "csv")
    assert code == 0, errors
    frame = _csv(here)
    assert frame["point"].tolist() == [0, 1]
    assert frame["escalation.salvo_size_factor"].tolist() == [0.8, 1.2]
    assert set(frame["metric"]) == {"depletion_month"}
    code, pooled, errors = _in_process(
        monkeypatch, capsys, "sweep", str(tiny_sweep), "--workers", "2", "-f", "csv"
    )
    assert code == 0, errors
    assert pooled == here


def test_sensitivity_table_with_the_results_kept_in_a_file(
    tiny_sweep: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = tmp_path / "results.parquet"
    code, out, errors = _in_process(
        monkeypatch, capsys, "sweep", str(tiny_sweep), "--sensitivity", "--seed", "5",
        "--results", str(kept), "-f", "csv",
    )  # fmt: skip
    assert code == 0, errors
    table = _csv(out)
    assert table["parameter"].tolist() == ["escalation.salvo_size_factor"]
    assert table["points"].tolist() == [2]
    assert table["statistic"].tolist() == ["p50"]
    # The kept results give the same sensitivity later, parameters named from the file.
    frame = pd.read_parquet(kept)
    assert frame["seed"].tolist() == point_seeds(5, 2)
    again = sensitivity(frame, parameters=["escalation.salvo_size_factor"])
    assert again["spearman"].tolist() == pytest.approx(table["spearman"].tolist(), nan_ok=True)


def test_the_progress_bar_counts_points_on_standard_error(
    tiny_sweep: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, errors = _in_process(
        monkeypatch, capsys, "sweep", str(tiny_sweep), "--progress", "-f", "csv"
    )
    assert code == 0, errors
    assert len(_csv(out)) == 2
    assert "Traceback" not in errors


def test_results_as_json_with_months_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """
[run]
paths = 20
[[parameter]]
name = "escalation.salvo_size_factor"
values = [1.0]
[[output]]
metric = "depletion_month"
[[output]]
metric = "p_depletion_before"
month = 6
"""
    path = write_sweep(tmp_path, body)
    code, out, errors = _in_process(monkeypatch, capsys, "sweep", str(path), "-f", "json")
    assert code == 0, errors
    records = json.loads(out)
    assert [record["month"] for record in records] == [None, "2026-10"]
    probability = records[1]
    assert probability["unit"] == "probability" and 0 <= probability["p50"] <= 1


@pytest.mark.slow
def test_results_on_a_dask_scheduler(
    tiny_sweep: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="distributed")
        # Threads in this process behind a TCP scheduler another process can reach.
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            # The command's client sends the points to this cluster's worker.
            on_dask = _missilewatch(
                "sweep", str(tiny_sweep), "--dask-scheduler", cluster.scheduler_address,
                "--format", "csv", home=isolated_home,
            )  # fmt: skip
    assert on_dask.returncode == 0, on_dask.stderr
    code, here, errors = _in_process(monkeypatch, capsys, "sweep", str(tiny_sweep), "-f", "csv")
    assert code == 0, errors
    assert on_dask.stdout == here


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--paths", "0"], ["paths", "between 1 and"]),
        (["--paths", "-3"], ["paths", "(got -3)"]),
        (["--seed", "-1"], ["seed", ">= 0"]),
        (["--workers", "0"], ["--workers", "at least 1"]),
        (["--workers", "2", "--dask-scheduler", "tcp://127.0.0.1:9"], ["choose one"]),
        (["--until", "2020-01"], ["until", "before the forecast start"]),
        (["--sensitivity", "--statistic", "p42"], ["--statistic", "p50"]),
    ],
)
def test_absurd_options_exit_2_with_one_line(
    tiny_sweep: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    words: list[str],
) -> None:
    code, _, errors = _in_process(monkeypatch, capsys, "sweep", str(tiny_sweep), *arguments)
    assert code == 2
    lines = [line for line in errors.splitlines() if line.strip()]
    assert len(lines) == 1, errors
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], lines[0]


def test_a_bad_sweep_file_exits_2_naming_file_and_field(
    tmp_path: Path, isolated_home: Path
) -> None:
    path = write_sweep(
        tmp_path,
        '[[parameter]]\nname = "production.factor"\nvalues = [0.5, -1]\n'
        '[[output]]\nmetric = "depletion_month"\n',
        name="bad.toml",
    )
    # In its own process: what a user sees, with nothing but the one line.
    result = _missilewatch("sweep", str(path), home=isolated_home)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(path) in lines[0] and "parameter 1 (production.factor): values" in lines[0]


def test_an_unreachable_dask_scheduler_is_one_line() -> None:
    pytest.importorskip("distributed")
    from missilewatch.cli.sweep import _dask_executor
    from missilewatch.errors import MissilewatchError

    # Port 9 (discard) has no scheduler; a short timeout keeps the test quick.
    with (
        pytest.raises(
            MissilewatchError, match=r"^--dask-scheduler: cannot connect to tcp://"
        ) as error,
        _dask_executor("tcp://127.0.0.1:9", timeout="1s"),
    ):
        pass
    assert "\n" not in str(error.value)
