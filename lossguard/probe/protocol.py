"""The JSON the probe's child writes and the parent reads: one versioned, typed contract.

The harness (child, with TensorFlow) builds a ``HarnessResult``; ``translate.py`` (parent,
without TensorFlow) turns it into facts. Bump ``VERSION`` when a key changes meaning; the parent
refuses a result of another version instead of misreading it.
"""

from __future__ import annotations

from typing import Literal, TypedDict

VERSION = 2

Status = Literal["ok", "error", "no-fit", "timeout", "crashed"]


class LayerFact(TypedDict):
    kind: str
    units: int | None
    activation: str | None
    line: int | None


class HeadFact(TypedDict):
    name: str | None
    chain: list[LayerFact]
    output_min: float | None
    output_max: float | None


# "class" is a key of these (the Keras class name), so they use the functional syntax.
LossFact = TypedDict(
    "LossFact",
    {
        "name": str,
        "class": str | None,
        "from_logits": bool | None,
        "function": bool,
        "module": str,
        "multiple": bool,
    },
    total=False,
)
WrittenMetric = TypedDict(
    "WrittenMetric",
    {
        "written": str,
        "class": str | None,
        "name": str | None,
        "function": bool,
        "module": str,
        "threshold": float | None,
        "thresholds_default": bool,
        "from_logits": bool | None,
    },
    total=False,
)
ResolvedMetric = TypedDict("ResolvedMetric", {"name": str | None, "class": str, "function": str | None})


class LabelsFact(TypedDict):
    encoding: str
    width: int | None
    min: float | None
    max: float | None
    rank: int  # the batch's number of axes: 3 or more for masks of ids


class CallbackFact(TypedDict):
    kind: str
    monitor: str
    mode: str
    line: int | None


class HarnessResult(TypedDict, total=False):
    version: int
    status: Status
    error: str
    stage: str
    traceback: str
    method: str
    fit_line: int | None
    compile_line: int | None
    keras: str
    loss: LossFact | None
    losses: list[LossFact | None]
    losses_by_name: dict[str, LossFact | None]
    output_count: int
    trailing_op: str | None
    chain: list[LayerFact]
    heads: list[HeadFact] | None
    output_min: float | None
    output_max: float | None
    row_sum_error: float | None
    input_non_finite: bool
    labels: LabelsFact | None
    labels_synthetic: bool
    labels_classes_known: bool
    metrics_written: list[WrittenMetric] | None
    metrics_resolved: list[ResolvedMetric]
    has_validation: bool | None
    class_weight: bool  # fit() was given a class_weight mapping
    callbacks: list[CallbackFact]
    loss_value: float | str | None
    step_error: str
    device: str
    notes: list[str]
    synthetic: list[dict[str, object]]
    timing: dict[str, float]
