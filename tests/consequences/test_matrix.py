"""The compatibility matrix (``matrix.json``) still holds: a deterministic sample of its loss
rows — loud errors, warnings, right, wrong and debatable runs, in both Keras flavours — is
measured again with real Keras and must reach the recorded outcome and verdict; metric rows
are measured again at each of their points (trained, untrained, hard, other training orders).

Regenerate the whole table with ``python -m tests.consequences.matrix --write`` (about 25
minutes of one CPU core).
"""

from __future__ import annotations

import json
import os
from functools import cache

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.consequences,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]
# The matrix is numpy arrays: without the probe extra this module is skipped, not an error.
pytest.importorskip("numpy", reason="the consequence matrix needs numpy and Keras (the probe extra)")

from tests.consequences.matrix import FLAVOURS, TABLE, remeasure, robust_sample  # noqa: E402


@cache
def sample() -> list[dict]:
    return robust_sample(json.loads(TABLE.read_text()))


def test_the_sample_spreads_over_the_outcomes() -> None:
    assert len(sample()) == 12
    assert {row["verdict"] for row in sample()} == {"fails loudly", "warns", "right", "wrong", "debatable"}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_recorded_outcomes_still_hold(flavour: str) -> None:
    recorded = [row for row in sample() if row["flavour"] == flavour]
    fresh = {(r["loss"], r["head"], r["labels"]): r for r in remeasure(flavour, recorded)}
    for row in recorded:
        now = fresh[(row["loss"], row["head"], row["labels"])]
        where = f"{row['loss']} on {row['head']} with {row['labels']}"
        assert now["outcome"] == row["outcome"], f"{where}: {now.get('message')}"
        assert now["verdict"] == row["verdict"], f"{where}: {now.get('reasons')}"
        if row["outcome"] == "silent":
            assert now["negative"] == row["negative"] and now["finite"] == row["finite"], where


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_copy_trains_as_the_model_alone(flavour: str) -> None:
    """The sweep trains one copy of the tiny model per loss side by side (block weights, one
    fit): each copy's loss curve and outputs are those of the plain Sequential model trained
    alone from the same weights on the same batches."""
    import numpy as np

    from tests.consequences import matrix

    keras = matrix.load(flavour)
    head, d = matrix.HEAD["softmax5"], matrix.data("onehot")
    losses = [matrix.LOSS["categorical_crossentropy"], matrix.LOSS["mean_squared_error"]]
    side_by_side = matrix.train_copies(keras, head, losses, d, shuffle=False)
    for loss in losses:
        alone = matrix._build(keras, head)
        alone.compile(optimizer=keras.optimizers.Adam(matrix.LEARNING_RATE), loss=loss.expr.strip('"'))
        history = alone.fit(d.x, d.y, epochs=matrix.EPOCHS, batch_size=matrix.BATCH, verbose=0, shuffle=False)
        copy = side_by_side[loss.name]
        assert copy["losses"] == pytest.approx(history.history["loss"], rel=1e-3)
        assert np.allclose(copy["outputs"], np.asarray(alone(d.x)), atol=1e-3)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_metric_rows_still_hold_at_both_points(flavour: str) -> None:
    """Metric rows are measured on the trained model and before training: categorical accuracy
    over one sigmoid unit is right on the fitted model by chance (a constant 1.0) and wrong
    before training; binary accuracy is right at both points."""
    from tests.consequences import matrix

    wanted = ['"categorical_accuracy"', '"binary_accuracy"']
    part = matrix.sweep(
        flavour, losses=["binary_crossentropy"], heads=["sigmoid1"], encodings=["binary"], metrics=wanted
    )
    fresh = {row["metric"]: row for row in part["metrics"]}
    table = json.loads(TABLE.read_text())
    for row in table["metrics"]:
        mine = row["flavour"] == flavour and (row["head"], row["labels"]) == ("sigmoid1", "binary")
        if mine and row["metric"] in wanted:
            now = fresh[row["metric"]]
            assert (now["verdict"], now.get("reported_untrained")) == (
                row["verdict"],
                row.get("reported_untrained"),
            ), row["metric"]
    constant = fresh['"categorical_accuracy"']
    assert constant["verdict"] == "misreports" and constant.get("misreports_only_untrained")
    assert constant["reported"] == constant["reported_untrained"] == 1.0
    assert fresh['"binary_accuracy"']["verdict"] == "right"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_metric_rows_hold_at_the_hard_point(flavour: str) -> None:
    """Precision() over a softmax's units at 0.5 reads the true value on well-separated clusters,
    where every prediction is right, and overstates it on overlapping ones (the third point);
    the arg-max accuracy is right at all three."""
    from tests.consequences import matrix

    wanted = ["Precision()", '"accuracy"']
    part = matrix.sweep(
        flavour,
        heads=["softmax5"],
        encodings=["onehot"],
        metrics=wanted,
        loss_rows=False,
    )
    fresh = {row["metric"]: row for row in part["metrics"]}
    table = json.loads(TABLE.read_text())
    for row in table["metrics"]:
        mine = row["flavour"] == flavour and (row["head"], row["labels"]) == ("softmax5", "onehot")
        if mine and row["metric"] in wanted:
            now = fresh[row["metric"]]
            assert (now["verdict"], now.get("reported_hard")) == (row["verdict"], row.get("reported_hard"))
    pooled = fresh["Precision()"]
    assert pooled["reported_hard"] > pooled["true_hard"] + 0.04  # overstated in both flavours
    assert pooled["verdict"] == "misreports"
    if flavour == "keras":  # by 0.07 at the first training order
        assert pooled.get("misreports_only_hard")
    else:  # by 0.04 there, inside the tolerance; by 0.06 with the head trained in another order
        assert not pooled.get("misreports_only_hard") and pooled.get("misreports_only_hard_order3")
    assert fresh['"accuracy"']["verdict"] == "right"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_metric_rows_hold_at_other_training_orders(flavour: str) -> None:
    """A metric right at the first training order is measured again with the head trained in
    other orders: F1Score() on soft labels of a linear head misses the true value by 0.064
    (Keras 3) at the first order; in tf_keras it is inside the tolerance there (0.043) and off
    by 0.085 at the second."""
    from tests.consequences import matrix

    part = matrix.sweep(
        flavour, heads=["linear5"], encodings=["distribution"], metrics=["F1Score()"], loss_rows=False
    )
    soft = part["metrics"][0]
    recorded = next(
        row
        for row in json.loads(TABLE.read_text())["metrics"]
        if row["flavour"] == flavour
        and (row["metric"], row["head"], row["labels"]) == ("F1Score()", "linear5", "distribution")
    )
    assert (soft["verdict"], soft.get("reported_order1")) == (
        recorded["verdict"],
        recorded.get("reported_order1"),
    )
    assert soft["verdict"] == "misreports"
    if flavour == "tf_keras":
        assert abs(soft["difference"]) <= matrix.METRIC_TOLERANCE and soft.get("misreports_only_order1")
    else:
        assert abs(soft["difference"]) > matrix.METRIC_TOLERANCE and "reported_order1" not in soft
