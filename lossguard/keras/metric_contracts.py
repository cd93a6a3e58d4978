"""What each built-in metric expects of the labels it is given: the table LG025 reads.

Read from the metric classes of Keras 3 (``keras/src/metrics/``) and tf_keras, and measured metric
by metric against five output heads and nine label encodings by the sweep in
``tests/consequences/matrix.py`` (table: ``tests/consequences/matrix.json``).

``labels``:
  ``zero_one`` — 0/1 values, compared with thresholded predictions or cast to booleans
  (binary accuracy, precision, recall, AUC, F-scores, BinaryIoU);
  ``one_hot`` — rows whose arg-max is the class (categorical and top-k accuracy, one-hot IoU);
  ``class_ids`` — one class id 0…C-1 per sample (the sparse accuracies, MeanIoU and IoU).
``per_class``: reads one output unit per class (an arg-max or a top-k over the last axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricLabels = Literal["zero_one", "one_hot", "class_ids"]


@dataclass(frozen=True)
class MetricContract:
    labels: MetricLabels
    per_class: bool = False
    # How a 0/1 metric reads a label: "equal" (compared with the 0/1 prediction: binary
    # accuracy), "bool" (cast to a boolean, so 255 is a positive but so is −1: precision, recall,
    # AUC), "arithmetic" (multiplied with the predictions: the F-scores), "threshold" (thresholded
    # like the predictions: BinaryIoU, which reads ±1 and 0/255 labels right).
    reads: str = "equal"


def metric_key(written: str) -> str:
    """``'binary_accuracy'``, ``BinaryAccuracy()`` and ``keras.metrics.BinaryAccuracy`` → one key."""
    return written.split("(")[0].split(".")[-1].strip("'\" ").replace("_", "").lower()


_ONE_HOT = MetricContract("one_hot", per_class=True)
_IDS = MetricContract("class_ids", per_class=True)
METRIC_CONTRACTS: dict[str, MetricContract] = {
    metric_key(name): contract
    for names, contract in (
        (("binary_accuracy",), MetricContract("zero_one", reads="equal")),
        (
            ("Precision", "Recall", "AUC", "PrecisionAtRecall", "RecallAtPrecision",
             "SensitivityAtSpecificity", "SpecificityAtSensitivity", "TruePositives",
             "TrueNegatives", "FalsePositives", "FalseNegatives"),
            MetricContract("zero_one", reads="bool"),
        ),
        (("F1Score", "FBetaScore"), MetricContract("zero_one", reads="arithmetic")),
        (("BinaryIoU",), MetricContract("zero_one", reads="threshold")),
        (
            ("categorical_accuracy", "top_k_categorical_accuracy", "TopKCategoricalAccuracy",
             "OneHotMeanIoU", "OneHotIoU"),
            _ONE_HOT,
        ),
        (
            ("sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
             "SparseTopKCategoricalAccuracy", "MeanIoU", "IoU"),
            _IDS,
        ),
    )
    for name in names
}  # fmt: skip


__all__ = ["METRIC_CONTRACTS", "MetricContract", "metric_key"]
