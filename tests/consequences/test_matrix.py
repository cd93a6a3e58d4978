"""The compatibility matrix (``matrix.json``) still holds: a deterministic sample of its loss
rows — loud errors, warnings, right, wrong and debatable runs, in both Keras flavours — is
measured again with real Keras and must reach the recorded outcome and verdict.

Regenerate the whole table with ``python -m tests.consequences.matrix --write`` (about 25
minutes of one CPU core).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.consequences.matrix import FLAVOURS, TABLE, remeasure, robust_sample

pytestmark = [
    pytest.mark.slow,
    pytest.mark.consequences,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]

SAMPLE = robust_sample(json.loads(TABLE.read_text()))


def test_the_sample_spreads_over_the_outcomes() -> None:
    assert len(SAMPLE) == 12
    assert {row["verdict"] for row in SAMPLE} == {"fails loudly", "warns", "right", "wrong", "debatable"}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_recorded_outcomes_still_hold(flavour: str) -> None:
    recorded = [row for row in SAMPLE if row["flavour"] == flavour]
    fresh = {(r["loss"], r["head"], r["labels"]): r for r in remeasure(flavour, recorded)}
    for row in recorded:
        now = fresh[(row["loss"], row["head"], row["labels"])]
        where = f"{row['loss']} on {row['head']} with {row['labels']}"
        assert now["outcome"] == row["outcome"], f"{where}: {now.get('message')}"
        assert now["verdict"] == row["verdict"], f"{where}: {now.get('reasons')}"
        if row["outcome"] == "silent":
            assert now["negative"] == row["negative"] and now["finite"] == row["finite"], where
