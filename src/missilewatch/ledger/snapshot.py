"""The snapshot shipped in the package: normalized reports of one release.

``data/reports.parquet`` holds the per-report records that :mod:`missilewatch.ledger.parse`
derives from the 2026-04-05 release of the public dataset "Massive Missile Attacks on
Ukraine" (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine), which
digitizes the reports of the Ukrainian Air Force. ``scripts/make_snapshot.py``
regenerates it. The release name, the source file hash and the credit are stored in the
parquet metadata and in ``data/snapshot.toml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from missilewatch.errors import InputError
from missilewatch.ledger.parse import ParsedRelease
from missilewatch.paths import package_data

SNAPSHOT_FILE = "reports.parquet"
METADATA_KEY = b"missilewatch.snapshot"
CREDIT = (
    "Ukrainian Air Force reports, digitized in the public dataset 'Massive Missile Attacks "
    "on Ukraine' by Petro Ivaniuk (Kaggle: piterfm/massive-missile-attacks-on-ukraine)"
)


@dataclass(frozen=True)
class SnapshotInfo:
    """Where the shipped snapshot came from."""

    release: str
    file_hash: str
    rows: int
    credit: str


def snapshot_path() -> Path:
    return package_data("ledger", "data", SNAPSHOT_FILE)


def write_snapshot(release: ParsedRelease, target: Path) -> SnapshotInfo:
    """Write a release's normalized reports as the compact snapshot file."""
    info = SnapshotInfo(
        release=release.name,
        file_hash=release.file_hash,
        rows=release.reports.num_rows,
        credit=CREDIT,
    )
    metadata = {
        METADATA_KEY: json.dumps(
            {
                "release": info.release,
                "file_hash_sha256": info.file_hash,
                "rows": info.rows,
                "credit": info.credit,
            }
        ).encode("utf-8")
    }
    table = release.reports.replace_schema_metadata(metadata)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target, compression="zstd", compression_level=19)
    return info


@lru_cache(maxsize=2)
def _load(path: str, mtime_ns: int) -> tuple[pa.Table, SnapshotInfo]:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise InputError(f"{path}: cannot read the shipped snapshot ({error})") from None
    raw_meta = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw_meta is None:
        raise InputError(f"{path}: the snapshot has no release metadata")
    meta = json.loads(raw_meta)
    info = SnapshotInfo(
        release=str(meta["release"]),
        file_hash=str(meta["file_hash_sha256"]),
        rows=int(meta["rows"]),
        credit=str(meta["credit"]),
    )
    return table.replace_schema_metadata(None), info


def load_snapshot(path: Path | None = None) -> tuple[pa.Table, SnapshotInfo]:
    """The shipped normalized reports and their provenance."""
    target = path or snapshot_path()
    if not target.is_file():
        raise InputError(f"{target}: the shipped snapshot is missing; run scripts/make_snapshot.py")
    return _load(str(target), target.stat().st_mtime_ns)
