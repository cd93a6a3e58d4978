"""Proof that the loss/head fixes make models Keras trains: the probe runs each fixed script
(tests/data/fixes/*.fixed.py) with real TensorFlow — Keras 3 and tf_keras — and must see a
finite loss on a real batch, no error, and the metric the fix asked for."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from lossguard.probe.runner import observe
from lossguard.reading.sources import read_source
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]

FIXES = ROOT / "tests" / "data" / "fixes"
# Fixes that touch the head, the loss or a metric; the metric names Keras must have built.
TRAINED = {
    "lg001_softmax_bce": None,
    "lg002_one_sigmoid_cce": None,
    "lg003_single_unit_softmax": None,
    "lg005_logits_without_from_logits": None,
    "lg011_sparse_loss_one_hot": None,
    "lg020_multilabel_accuracy": "binary_accuracy",
    "lg021_categorical_accuracy_indices": "sparse_categorical_accuracy",
    "lg024_threshold_on_logits": None,
}


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
@pytest.mark.parametrize("stem", sorted(TRAINED))
def test_fixed_script_trains_with_a_finite_loss(stem, legacy, monkeypatch) -> None:
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1" if legacy else "0")
    path = FIXES / f"{stem}.fixed.py"
    observed = observe(read_source(str(path), Path(path).read_bytes()), timeout=120, device="cpu")
    assert observed.facts is not None, observed.diagnostics
    assert not [d for d in observed.diagnostics if d.code == "LG901"], observed.diagnostics
    (setup,) = observed.facts.setups
    observation = setup.observation
    assert observation is not None and observation.loss_error is None
    assert observation.loss_value is not None and math.isfinite(observation.loss_value)
    wanted = TRAINED[stem]
    if wanted is not None:
        assert setup.metrics is not None
        resolved = {(m.resolved or "").lower() for m in setup.metrics}
        assert wanted.replace("_", "") in {r.replace("_", "") for r in resolved}, resolved
