"""`update`: from local folders, CSV pairs and zips; a failed download changes nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from tests.ledger.helpers import run_cli, store_contents

from missilewatch.errors import NetworkError
from missilewatch.ledger import ingest, releases, update
from missilewatch.ledger.releases import UPSTREAM_ENV


def _zip_release(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("missile_attacks_daily.csv", "missiles_and_uavs.csv"):
            archive.write(folder / name, arcname=f"data/{name}")
    return target


def test_update_from_zip_folder_and_csv_pair(
    tmp_path: Path, release_old: Path, release_new: Path
) -> None:
    db = tmp_path / "s.duckdb"
    first = update(db, from_paths=[_zip_release(release_old, tmp_path / "old.zip")])
    assert (first.release, first.added) == ("2026-02-08", 3378)
    pair = [release_new / "missile_attacks_daily.csv", release_new / "missiles_and_uavs.csv"]
    second = update(db, from_paths=pair)
    assert (second.added, second.revised, second.vanished) == (207, 3, 0)
    # The zip of the same files hashes the same bytes: nothing changes.
    again = update(db, from_paths=[_zip_release(release_new, tmp_path / "new.zip")])
    assert not again.changed
    assert list(releases(db)["name"]) == ["2026-02-08", "2026-04-05"]


def test_update_downloads_from_a_file_url(
    tmp_path: Path, release_new: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _zip_release(release_new, tmp_path / "upstream.zip")
    monkeypatch.setenv(UPSTREAM_ENV, archive.as_uri())
    result = update(tmp_path / "s.duckdb")
    assert (result.release, result.added) == ("2026-04-05", 3585)


def test_no_network_is_one_clear_line_and_no_change(tmp_path: Path, release_old: Path) -> None:
    db = tmp_path / "s.duckdb"
    ingest(release_old, db)
    before = store_contents(db)
    unreachable = "http://127.0.0.1:9/release.zip"  # nothing listens on the discard port
    with pytest.raises(NetworkError, match=r"cannot download the release.*not changed"):
        update(db, url=unreachable)
    assert store_contents(db) == before
    code, _out, err = run_cli(["update", "--url", unreachable, "--db", str(db)])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "cannot download" in err
    assert store_contents(db) == before
