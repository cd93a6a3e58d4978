"""What values a setup's labels hold and what its output can produce, in the words of the loss
contracts (``keras/loss_contracts.py``). Unknown stays None: the rules say nothing then."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lossguard.facts import Activation, LabelEncoding, LabelSpec, LossKind, OutputHead, TrainingSetup
from lossguard.keras import eras as era
from lossguard.keras.loss_contracts import LossContract, contract_for
from lossguard.keras.semantics import eras_of


@dataclass(frozen=True)
class LabelValues:
    kind: str  # one_hot, class_ids, multi_hot, bits, real, distribution, discrete
    low: float | None
    high: float | None
    has_zero: bool  # a zero is certainly among the values
    described: str  # "0/255 values", "real values in [0, 50]", …
    columns: int | None  # the last axis (1: one column or a vector)


def number_text(value: float | None) -> str:
    """A bound as messages write it: 3, 0.5, -∞, +∞ (? when unknown)."""
    if value is None:
        return "?"
    if math.isinf(value):
        return "-∞" if value < 0 else "+∞"
    return f"{value:g}"


def label_values(labels: LabelSpec) -> LabelValues | None:
    if labels.constant or labels.synthetic:
        return None
    encoding, low, high = labels.encoding, labels.min_value, labels.max_value
    columns = labels.width
    if encoding is LabelEncoding.ONE_HOT:
        return LabelValues("one_hot", 0.0, 1.0, True, "one-hot rows", columns)
    if encoding is LabelEncoding.MULTI_HOT:
        return LabelValues("multi_hot", 0.0, 1.0, True, "multi-hot rows", columns)
    if encoding is LabelEncoding.BINARY:
        return LabelValues("bits", 0.0, 1.0, True, "0/1 labels", columns or 1)
    if encoding is LabelEncoding.INTEGER:
        top = None if labels.num_classes is None else float(labels.num_classes - 1)
        named = f"class ids 0…{number_text(top)}" if top is not None else "class ids"
        return LabelValues("class_ids", 0.0, top, True, named, columns or 1)
    if low is None or high is None:
        return None
    if encoding is LabelEncoding.CONTINUOUS:
        if labels.distribution:
            return LabelValues("distribution", 0.0, 1.0, False, "rows of probabilities", columns)
        span = (
            "of both signs"
            if math.isinf(low) and math.isinf(high)
            else f"in [{number_text(low)}, {number_text(high)}]"
        )
        return LabelValues("real", low, high, False, f"real values {span}", columns)
    if encoding is LabelEncoding.UNKNOWN and math.isfinite(low) and math.isfinite(high):
        # discrete values whose ends are written (np.where(…, -1, 1), masks * 255): both occur
        named = f"values from {number_text(low)} to {number_text(round(high, 4))}"
        return LabelValues("discrete", low, high, 0.0 in (low, high), named, columns)
    return None


def output_range(head: OutputHead, across_shapes: bool = False) -> str | None:
    """What the output produces: distribution (softmax over several units), probabilities
    (sigmoid), real (linear), non_negative (relu and kin); None when unknown or another shape.

    ``across_shapes``: a Flatten/Reshape after an element-wise activation keeps its range (a
    sigmoid map flattened is still probabilities); a softmax reshaped no longer sums to 1 over
    the new last axis, so it stays unknown."""
    if head.after or (head.reshaped and not across_shapes):
        return None
    if head.reshaped and head.activation is Activation.SOFTMAX:
        return None
    if head.activation is Activation.SOFTMAX:
        return "distribution" if head.units != 1 else None
    if head.activation is Activation.SIGMOID:
        return "probabilities"
    if head.activation is Activation.LINEAR:
        return "real"
    if head.activation is Activation.OTHER and (head.activation_name or "").lower() in _NON_NEGATIVE:
        return "non_negative"
    return None


_NON_NEGATIVE = {"relu", "relu6", "softplus", "exponential"}


def loss_contract(setup: TrainingSetup) -> LossContract | None:
    """The contract of the setup's built-in loss; None for a custom or wrapped loss, or one whose
    ``from_logits`` is not known."""
    loss = setup.loss
    if loss is None or loss.wrapper is not None:
        return None
    return contract_for(loss.name, loss.from_logits)


def outside_01(values: LabelValues) -> bool:
    """Label values that leave [0, 1] (a rounding's worth of slack)."""
    low, high = values.low, values.high
    return low is not None and high is not None and (low < -1e-6 or high > 1 + 1e-6)


_SHAPE_CHECKED = ("binary_crossentropy", "binary_focal_crossentropy")


def binary_ce_checks_shapes(setup: TrainingSetup) -> bool:
    """Whether binary cross-entropy surely refuses labels whose columns differ from the units,
    in every era the script may run on. Keras 3 checks the shapes for any output (measured in
    the matrix: a ValueError at the first step), multi-backend Keras 2.0–2.2 and TensorFlow 1's
    tf.keras turn the output into logits for TensorFlow's checked op; tf.keras 2.x does so only
    for a sigmoid or softmax output, and computes it from probabilities, broadcasting, on any
    other (measured in tf_keras: linear and relu outputs train)."""
    loss, head = setup.loss, setup.head
    contract = contract_for(loss.name, loss.from_logits) if loss is not None else None
    if contract is None or contract.name not in _SHAPE_CHECKED or head is None:
        return False
    if head.activation in (Activation.SIGMOID, Activation.SOFTMAX) and not head.after:
        return True
    return not eras_of(setup.keras) & _PROBABILITY_PATH


# tf.keras 2.x, and multi-backend Keras 2.3, which hands the loss to it
_PROBABILITY_PATH = frozenset({era.TF20, era.TF22, era.KERAS23})


def one_column_under_categorical_ce(setup: TrainingSetup) -> bool:
    """Labels of one known column (a vector or ``(n, 1)``) whose encoding is not known (whole
    numbers, real values) under categorical cross-entropy on several units: every Keras refuses
    the shapes (matrix: a ValueError at the first step in Keras 3 and tf_keras for class ids,
    0/1, ±1, 0/255 and real columns on five units; multi-backend Keras 2.0–2.3 raises in
    ``check_loss_and_target_compatibility`` on a one-column target). Class ids and 0/1 labels
    whose encoding is known are LG011's and LG010's own cases."""
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is None or labels is None or loss is None or loss.wrapper is not None:
        return False
    if loss.kind is not LossKind.CATEGORICAL_CE or labels.width != 1 or labels.distribution:
        return False
    return labels.encoding in (LabelEncoding.UNKNOWN, LabelEncoding.CONTINUOUS) and (head.units or 0) > 1
