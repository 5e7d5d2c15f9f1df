"""Regenerate the snapshot shipped in the package from a raw release folder.

    python scripts/make_snapshot.py ../shared/data/ua-air-force/2026-04-05

writes ``src/missilewatch/ledger/data/reports.parquet`` (normalized per-report records
with every source column) and ``snapshot.toml`` (release, source file hash, credit).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from missilewatch.ledger.parse import read_release
from missilewatch.ledger.snapshot import snapshot_path, write_snapshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path, help="release folder (or its daily CSV)")
    parser.add_argument("--output", type=Path, default=snapshot_path(), help="parquet file")
    args = parser.parse_args(argv)
    release = read_release(args.release)
    info = write_snapshot(release, args.output)
    meta = args.output.with_name("snapshot.toml")
    meta.write_text(
        "# Provenance of reports.parquet (written by scripts/make_snapshot.py).\n"
        f'release = "{info.release}"\n'
        f'source_file = "{release.daily_path.name}"\n'
        f'source_sha256 = "{info.file_hash}"\n'
        "# sha256 over missile_attacks_daily.csv, a NUL byte, then missiles_and_uavs.csv\n"
        f"rows = {info.rows}\n"
        f'credit = "{info.credit}"\n',
        encoding="utf-8",
    )
    size = args.output.stat().st_size
    print(f"{args.output}: {info.rows} reports of release {info.release}, {size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
