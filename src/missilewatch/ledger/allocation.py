"""Allocation of reports that name several weapon families to those families.

Rule (documented in docs/ledger.md):

* each reported model string maps to families with exact fractional weights summing to 1
  (the taxonomy; "A and B and C" gives each component 1/3, split further by the
  component's own weights);
* when a multi-family row's ``launched_details`` lists launches per component model and
  those add up to the row's ``launched``, the weights come from those counts instead;
* each count (launched, destroyed, not_reach_goal) is split separately by the
  largest-remainder method in exact integer arithmetic: every family gets the floor of
  its exact share, and the units left over go to the largest remainders; ties go to the
  family with the larger weight, then to the alphabetically first family name.

So every allocated count is a non-negative integer and a row's allocated counts add up
exactly to its reported counts.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from missilewatch.errors import MissilewatchWarning, UnknownNameError
from missilewatch.ledger.parse import COUNT_COLUMNS
from missilewatch.ledger.taxonomy import Taxonomy

#: Separator of family names in the "as reported" family label.
FAMILY_JOINER = " + "
MIXED_CLASS = "mixed"


def ordered_families(weights: Mapping[str, Fraction]) -> list[str]:
    """Families in tie-break order: larger weight first, then name."""
    return sorted(weights, key=lambda family: (-weights[family], family))


def largest_remainder(totals: np.ndarray, weights: Sequence[Fraction]) -> np.ndarray:
    """Split each total into integer parts proportional to ``weights``, exactly.

    ``totals``: shape (n,), non-negative integers. ``weights``: k positive fractions
    summing to 1, already in tie-break order (earlier wins a tie). Returns an int64
    array of shape (n, k) whose rows sum to ``totals``.
    """
    totals = np.asarray(totals, dtype=np.int64)
    if len(weights) == 0:
        raise ValueError("at least one weight is needed")
    if any(w <= 0 for w in weights) or sum(weights, Fraction(0)) != 1:
        raise ValueError("weights must be positive and sum to exactly 1")
    if np.any(totals < 0):
        raise ValueError("totals must be non-negative")
    k = len(weights)
    if k == 1:
        return totals.reshape(-1, 1).copy()
    denominator = math.lcm(*(w.denominator for w in weights))
    numerators = np.array([w.numerator * (denominator // w.denominator) for w in weights])
    products = totals[:, None] * numerators[None, :]
    floors = products // denominator
    remainders = products % denominator
    deficit = totals - floors.sum(axis=1)
    # Sort key: larger remainder first, then earlier position (the tie-break order).
    key = remainders * k + (k - 1 - np.arange(k))[None, :]
    order = np.argsort(-key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :].repeat(len(totals), axis=0), axis=1)
    result: np.ndarray = floors + (rank < deficit[:, None])
    return result.astype(np.int64)


def _details_weights(taxonomy: Taxonomy, details: str, launched: int) -> dict[str, Fraction] | None:
    """Family weights from a ``launched_details`` text such as "{'Kalibr': 3, ...}"."""
    if not details or launched <= 0:
        return None
    try:
        parsed = ast.literal_eval(details)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(parsed, dict) or not parsed:
        return None
    combined: dict[str, Fraction] = {}
    total = 0
    for model, count in parsed.items():
        if not isinstance(model, str) or isinstance(count, bool):
            return None
        if not isinstance(count, int | float) or count != count or count < 0:
            return None
        if count != int(count):
            return None
        fractions = taxonomy.model_fractions(model)
        if fractions is None:
            return None
        total += int(count)
        for family, weight in fractions.items():
            combined[family] = combined.get(family, Fraction(0)) + weight * int(count)
    if total != launched:
        return None
    return {family: weight / total for family, weight in combined.items() if weight > 0}


def model_weights(
    taxonomy: Taxonomy, models: Sequence[str], *, allow_unknown: bool, quiet: bool = False
) -> dict[str, dict[str, Fraction]]:
    """Family fractions for each distinct model; unknown models raise or become families.

    ``quiet`` skips the warning (for models already stored with ``--allow-unknown``).
    """
    resolved: dict[str, dict[str, Fraction]] = {}
    unknown: list[str] = []
    for model in models:
        fractions = taxonomy.model_fractions(model)
        if fractions is None:
            unknown.append(model)
            fractions = {model: Fraction(1)}
        resolved[model] = fractions
    if unknown and not quiet:
        names = ", ".join(repr(m) for m in sorted(unknown))
        if not allow_unknown:
            raise UnknownNameError(
                f"weapon model(s) not in the taxonomy: {names}; map them in a taxonomy file "
                "([[family]] aliases or [[model]] entries, see docs/ledger.md) passed with "
                "--taxonomy FILE, or pass --allow-unknown to store them as class 'unknown'"
            )
        warnings.warn(
            f"weapon model(s) not in the taxonomy stored as class 'unknown': {names}",
            MissilewatchWarning,
            stacklevel=3,
        )
    return resolved


def model_family_table(
    taxonomy: Taxonomy, weights: Mapping[str, Mapping[str, Fraction]]
) -> pa.Table:
    """One row per (model, family): weight, weapon class, and the as-reported labels."""
    rows: dict[str, list[object]] = {
        "model": [],
        "family": [],
        "weapon_class": [],
        "weight": [],
        "family_label": [],
        "class_label": [],
    }
    for model, fractions in weights.items():
        families = ordered_families(fractions)
        classes = {taxonomy.family_class(f) for f in families}
        label = FAMILY_JOINER.join(families)
        class_label = classes.pop() if len(classes) == 1 else MIXED_CLASS
        for family in families:
            rows["model"].append(model)
            rows["family"].append(family)
            rows["weapon_class"].append(taxonomy.family_class(family))
            rows["weight"].append(float(fractions[family]))
            rows["family_label"].append(label)
            rows["class_label"].append(class_label)
    return pa.table(
        {
            "model": pa.array(rows["model"], pa.string()),
            "family": pa.array(rows["family"], pa.string()),
            "weapon_class": pa.array(rows["weapon_class"], pa.string()),
            "weight": pa.array(rows["weight"], pa.float64()),
            "family_label": pa.array(rows["family_label"], pa.string()),
            "class_label": pa.array(rows["class_label"], pa.string()),
        }
    )


def allocate(
    reports: pa.Table, taxonomy: Taxonomy, *, allow_unknown: bool = False
) -> tuple[pa.Table, pa.Table]:
    """Allocated counts per (report, family), and the model -> family table used.

    ``reports`` needs ``report_id``, ``date``, ``model``, the three counts and
    ``launched_details`` (raw text). Returns ``(allocations, model_families)``;
    allocations has columns report_id, date, family, weapon_class, launched,
    destroyed, not_reach_goal (int64).
    """
    encoded = pc.dictionary_encode(reports.column("model")).combine_chunks()
    models = [str(m) for m in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    weights = model_weights(taxonomy, models, allow_unknown=allow_unknown)
    # Withheld counts are NULL: split as 0 and set back to NULL on every share, so that
    # no sum counts a placeholder.
    withheld = {
        c: pc.is_null(reports.column(c)).to_numpy(zero_copy_only=False).astype(bool)
        for c in COUNT_COLUMNS
    }
    counts = {
        c: pc.fill_null(reports.column(c), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        for c in COUNT_COLUMNS
    }

    single = np.array([len(weights[m]) == 1 for m in models], dtype=bool)
    single_family = [next(iter(weights[m])) for m in models]
    row_single = single[codes] if len(models) else np.zeros(0, dtype=bool)

    pieces_rows: list[np.ndarray] = [np.nonzero(row_single)[0]]
    pieces_family: list[np.ndarray] = [np.asarray(codes[row_single])]
    family_names: list[str] = list(single_family)  # family code i < len(models): model i
    pieces_counts: dict[str, list[np.ndarray]] = {c: [counts[c][row_single]] for c in COUNT_COLUMNS}
    # True on the first share of each weapon class within a report, so that reports can
    # be counted per class without a DISTINCT over report ids.
    pieces_class_first: list[np.ndarray] = [np.ones(int(row_single.sum()), dtype=bool)]
    family_code: dict[str, int] = {}

    def code_of(family: str) -> int:
        if family not in family_code:
            family_code[family] = len(family_names)
            family_names.append(family)
        return family_code[family]

    details_array: pa.Array | None = None
    if "launched_details" in reports.column_names:
        details_array = reports.column("launched_details").combine_chunks()
    elif "raw" in reports.column_names:
        details_array = reports.column("raw").combine_chunks().field("launched_details")
    for model_code, model in enumerate(models):
        if single[model_code]:
            continue
        rows = np.nonzero(codes == model_code)[0]
        default = weights[model]
        # Rows whose launched_details give their own weights, grouped by those weights
        # (parsed once per distinct text and count).
        by_weights: dict[tuple[tuple[str, Fraction], ...], list[int]] = {}
        parsed: dict[tuple[str, int], dict[str, Fraction] | None] = {}
        if details_array is not None:
            row_details = details_array.take(pa.array(rows)).to_pylist()
            for row, details in zip(rows, row_details, strict=True):
                if not details:
                    continue
                memo_key = (str(details), int(counts["launched"][row]))
                if memo_key not in parsed:
                    parsed[memo_key] = _details_weights(taxonomy, *memo_key)
                found = parsed[memo_key]
                if found is not None:
                    by_weights.setdefault(tuple(sorted(found.items())), []).append(int(row))
        overridden = {row for group in by_weights.values() for row in group}
        plain = np.array([r for r in rows if int(r) not in overridden], dtype=np.int64)
        groups: list[tuple[np.ndarray, dict[str, Fraction]]] = [(plain, default)]
        groups += [
            (np.array(group, dtype=np.int64), dict(key)) for key, group in by_weights.items()
        ]
        for group_rows, group_weights in groups:
            if len(group_rows) == 0:
                continue
            families = ordered_families(group_weights)
            fractions = [group_weights[f] for f in families]
            codes_here = np.array([code_of(f) for f in families], dtype=np.int64)
            pieces_rows.append(np.repeat(group_rows, len(families)))
            pieces_family.append(np.tile(codes_here, len(group_rows)))
            classes = [taxonomy.family_class(f) for f in families]
            first_of_class = np.array(
                [classes.index(c) == position for position, c in enumerate(classes)]
            )
            pieces_class_first.append(np.tile(first_of_class, len(group_rows)))
            for column in COUNT_COLUMNS:
                split = largest_remainder(counts[column][group_rows], fractions)
                pieces_counts[column].append(split.reshape(-1))

    row_index = np.concatenate(pieces_rows)
    family_index = np.concatenate(pieces_family)
    order = np.argsort(row_index, kind="stable")
    row_index = row_index[order]
    family_index = family_index[order]
    family_dictionary = pa.array(family_names, pa.string())
    class_dictionary = pa.array([taxonomy.family_class(f) for f in family_names], pa.string())
    indices = pa.array(family_index.astype(np.int32))
    allocations = pa.table(
        {
            "report_id": reports.column("report_id").take(pa.array(row_index)),
            "date": reports.column("date").take(pa.array(row_index)),
            "family": pa.DictionaryArray.from_arrays(indices, family_dictionary).cast(pa.string()),
            "weapon_class": pa.DictionaryArray.from_arrays(indices, class_dictionary).cast(
                pa.string()
            ),
            **{
                c: pa.array(
                    np.concatenate(pieces_counts[c])[order].astype(np.int64),
                    mask=withheld[c][row_index],
                )
                for c in COUNT_COLUMNS
            },
            "class_first": pa.array(np.concatenate(pieces_class_first)[order]),
        }
    )
    return allocations, model_family_table(taxonomy, weights)
