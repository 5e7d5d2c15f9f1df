"""Posteriors on disk, keyed by what they were fitted from.

The key hashes the data fingerprint (the ledger the fit read), the estimates hash (the
records it was fitted to), the model's version and the fit settings, so any change to
one of them is a cache miss and a stale posterior is never served. Entries are one
``.npz`` file (arrays) with a ``.json`` beside it (what the key was made of, and any
small metadata); both are written to a temporary name and renamed, so a crash never
leaves half an entry. The default place is ``<data dir>/posteriors`` next to the DuckDB
store (``MISSILEWATCH_HOME`` moves both).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def cache_key(
    *,
    data_fingerprint: str,
    estimates_hash: str,
    model_version: str,
    settings: Mapping[str, object] | None = None,
) -> str:
    """A short hex key for one fit."""
    payload = json.dumps(
        {
            "data": data_fingerprint,
            "estimates": estimates_hash,
            "model": model_version,
            "settings": dict(settings or {}),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class PosteriorCache:
    """A folder of cached posteriors. ``PosteriorCache.default()`` is the user's one."""

    root: Path

    @classmethod
    def default(cls, kind: str = "posteriors") -> PosteriorCache:
        from missilewatch.paths import data_dir

        return cls(data_dir() / kind)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.npz", self.root / f"{key}.json"

    def load(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """(arrays, metadata) of an entry, or None if absent or unreadable."""
        arrays_path, meta_path = self._paths(key)
        if not arrays_path.is_file() or not meta_path.is_file():
            return None
        try:
            with np.load(arrays_path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A damaged entry is a miss: the fit is redone and the entry rewritten.
            return None
        return arrays, metadata

    def save(self, key: str, arrays: Mapping[str, np.ndarray], metadata: Mapping[str, Any]) -> Path:
        """Write an entry atomically; returns the arrays' path."""
        self.root.mkdir(parents=True, exist_ok=True)
        arrays_path, meta_path = self._paths(key)
        suffix = f".{os.getpid()}.tmp"
        arrays_tmp = arrays_path.with_name(arrays_path.name + suffix)
        meta_tmp = meta_path.with_name(meta_path.name + suffix)
        with open(arrays_tmp, "wb") as handle:
            np.savez(handle, **{name: np.asarray(value) for name, value in arrays.items()})  # type: ignore[arg-type]
        meta_tmp.write_text(json.dumps(dict(metadata), default=str, indent=1), encoding="utf-8")
        os.replace(arrays_tmp, arrays_path)
        os.replace(meta_tmp, meta_path)
        return arrays_path

    def clear(self) -> int:
        """Remove every entry; returns how many files were removed."""
        removed = 0
        if self.root.is_dir():
            for path in self.root.iterdir():
                if path.suffix in {".npz", ".json"}:
                    path.unlink()
                    removed += 1
        return removed
