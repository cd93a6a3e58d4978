"""The names lossguard expects Keras to log a metric class under (``vocabulary.metric_name``,
read by LG022's monitor check) against the names real Keras gives each built-in metric class
built with its defaults, in both flavours: a wrong name there is a false "never logged"."""

from __future__ import annotations

import importlib
import inspect
import os
import re

import pytest

from lossguard.keras.vocabulary import metric_name

pytestmark = [
    pytest.mark.slow,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]
pytest.importorskip("tensorflow", reason="needs Keras (the probe extra)")

_BASES = {"Metric", "Mean", "Sum", "MeanMetricWrapper", "Reduce", "MeanTensor"}
# Arguments without a default, per class family (the names do not depend on them).
_REQUIRED = ({"num_classes": 2}, {"num_classes": 2, "target_class_ids": [0]}, {"recall": 0.5},
             {"precision": 0.5}, {"specificity": 0.5}, {"sensitivity": 0.5})  # fmt: skip


def _built(cls: type) -> object | None:
    for arguments in ({}, *_REQUIRED):
        try:
            return cls(**arguments)
        except TypeError:
            continue
    return None


@pytest.mark.parametrize("flavour", ["keras", "tf_keras"])
def test_every_metric_class_is_logged_under_the_expected_name(flavour: str) -> None:
    keras = pytest.importorskip(flavour)
    importlib.import_module(f"{flavour}.metrics")
    made_before = [keras.metrics.AUC(), keras.metrics.Precision()]  # as earlier tests do: auc_1 next
    assert made_before
    checked, wrong = 0, []
    for name, cls in inspect.getmembers(keras.metrics, inspect.isclass):
        if name in _BASES:
            continue
        built = _built(cls)
        expected = metric_name(name)
        if built is None or expected is None:
            continue  # needs other arguments, or named differently per flavour (then unknown)
        checked += 1
        # Keras numbers a second metric of a name made in the same process (auc_7): the suite
        # built many before this test
        logged = re.sub(r"_\d+$", "", built.name)  # type: ignore[attr-defined]
        if logged != expected:
            wrong.append((name, logged, expected))
    assert checked > 30
    assert wrong == []
