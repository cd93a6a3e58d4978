"""LG030–LG032: what only a real batch shows (facts from the runtime probe)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from lossguard.facts import Activation, LabelEncoding, LabelSpec, LossKind, Source, TrainingSetup
from lossguard.findings import Finding
from lossguard.rules.registry import Needs, finding, rule

RUNTIME = Needs(runtime_only=True)
_TOLERANCE = 1e-4


def runtime_label_range(setup: TrainingSetup) -> Iterator[Finding]:
    """LG030 on the values the labels take (seen by the probe, or bounds the code shows):
    class ids beyond the units, binary cross-entropy labels outside [0, 1]. The rule itself is
    in domains.py, which also reads the other losses' label contracts."""
    labels, loss, head = setup.labels, setup.loss, setup.head
    if labels is None or loss is None or labels.max_value is None or labels.min_value is None:
        return
    low, high = labels.min_value, labels.max_value
    units = head.units if head else None
    synthetic = " (on the probe's synthetic batch)" if labels.synthetic else ""
    ignored = "ignore_class" in loss.name  # ignore_class=255: the void label is skipped
    if loss.kind is LossKind.SPARSE_CATEGORICAL_CE and units is not None and units > 1 and not ignored:
        if high >= units or low < 0:
            yield finding(
                "LG030",
                f"{_kind_of(labels)} range from {low:g} to {high:g}{synthetic}, but the output has "
                f"{units} units (valid labels are 0…{units - 1}): the CPU raises an opaque "
                "InvalidArgumentError, the GPU silently returns NaN",
                labels.location,
                fix=_ids_fix(low, high, units),
                related=[(head.location if head else None, "output layer")],
            )
    elif loss.kind is LossKind.BINARY_CE and (low < -_TOLERANCE or high > 1 + _TOLERANCE):
        seen = "" if labels.source is not Source.STATIC else f" ({labels.origin})"
        yield finding(
            "LG030",
            f"binary cross-entropy labels range from {_bound(low)} to {_bound(high)}{seen}{synthetic}: "
            "they must lie in [0, 1], otherwise the loss goes negative and training diverges "
            "(measured: labels 0–2 drove it to −61 in six epochs)",
            labels.location,
            fix="pass 0/1 labels (e.g. y = (y > 0).astype('float32')), or a regression loss for real targets",
            related=[(loss.location, "binary cross-entropy")],
        )


def _ids_fix(low: float, high: float, units: int) -> str:
    """The likeliest repair: ids counted from 1, a void value, or a head too narrow."""
    if not (math.isfinite(low) and math.isfinite(high) and low.is_integer() and high.is_integer()):
        return f"map the labels to class ids 0…{units - 1}, or use a regression loss on real targets"
    if low >= 1 and high - low < units:
        return f"the ids start at {low:g}: subtract {low:g} from the labels so that they run 0…{high - low:g}"
    if high == _VOID and low >= 0:
        return (
            "255 marks void (unlabelled) pixels: pass "
            "loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=255), or map 255 to a class"
        )
    return f"use Dense({int(high) + 1}, …) or re-map the labels to 0…{units - 1}"


_VOID = 255.0  # the "ignore" label of segmentation masks (Pascal VOC, Cityscapes)


def _kind_of(labels: LabelSpec) -> str:
    if labels.encoding is LabelEncoding.CONTINUOUS:
        return f"the labels are real values, not class ids ({labels.origin}): they"
    if labels.source is Source.STATIC:
        return f"integer labels from {labels.origin}"
    return "integer labels"


def _bound(value: float) -> str:
    return ("-∞" if value < 0 else "+∞") if math.isinf(value) else f"{value:g}"


@rule("LG031", RUNTIME)
def non_finite_loss(setup: TrainingSetup) -> Iterator[Finding]:
    observation = setup.observation
    if observation is None:
        return
    if observation.input_non_finite and setup.fit is not None:
        yield finding(
            "LG031",
            f"the data given to {setup.fit.method}() contains NaN or inf: every batch that holds such "
            "a value gives a NaN loss, and the first NaN step turns all the weights NaN",
            setup.fit.location,
            fix="find them with np.isnan(x).any(axis=1); drop or impute those rows (or scale the "
            "features so nothing overflows) before training",
        )
        return
    if observation.loss_value is None or math.isfinite(observation.loss_value):
        return
    batch = "a synthetic" if observation.synthetic_batch else "the first real"
    location = setup.loss.location if setup.loss else setup.fit.location if setup.fit else None
    if location is None:
        return
    yield finding(
        "LG031",
        f"the loss on {batch} batch is {observation.loss_value} before any training: the "
        "weights will turn NaN at the first step",
        location,
        fix="check the labels' range, the inputs for NaN/inf, and log() of zero in custom losses",
    )


@rule("LG032", RUNTIME)
def output_not_probability(setup: TrainingSetup) -> Iterator[Finding]:
    observation, loss, head = setup.observation, setup.loss, setup.head
    if observation is None or loss is None or observation.output_min is None:
        return
    if loss.from_logits is not False or not (loss.kind.is_crossentropy or loss.kind is LossKind.AUTO_CE):
        return
    if head is not None and head.activation is not Activation.UNKNOWN:
        return  # the head is known: LG002 / LG005 / LG006 name the cause
    low, high = observation.output_min, observation.output_max or 0.0
    problem = None
    if low < -_TOLERANCE or high > 1 + _TOLERANCE:
        problem = f"the model's outputs range from {low:.3g} to {high:.3g}"
    elif (
        loss.kind is LossKind.CATEGORICAL_CE
        and setup.labels is not None
        and setup.labels.encoding is LabelEncoding.ONE_HOT
        and (observation.output_row_sum_max_error or 0.0) > 1e-2
    ):
        problem = (
            "the model's output rows do not sum to 1 (off by up to "
            f"{observation.output_row_sum_max_error:.3g})"
        )
    if problem is None:
        return
    batch = "the probe's synthetic batch" if observation.synthetic_batch else "a real batch"
    yield finding(
        "LG032",
        f"{problem} on {batch}, but {loss.name} expects probabilities. Keras reads them as "
        "probabilities anyway (clipped into [0, 1]), so the loss is computed on the wrong numbers",
        loss.location,
        fix="end the model with a softmax/sigmoid activation, or use from_logits=True",
    )
