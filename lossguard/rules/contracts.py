"""LG009, LG013, LG025, LG043: the contracts of losses and metrics beyond the cross-entropy heads.

Each rule reads what a built-in loss or metric expects of the output (probabilities, logits,
real values; their range) and of the labels (one-hot, class ids, multi-hot, real values; their
domain) against what the setup gives it, and stays silent on anything unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from lossguard.facts import Activation, LabelEncoding, LossKind, MetricSpec, TrainingSetup
from lossguard.findings import Edit, EditKind, Finding, Severity
from lossguard.keras.loss_contracts import contract_for
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.domains import labels_break_loss
from lossguard.rules.label_values import label_values, number_text, one_column_under_categorical_ce
from lossguard.rules.metric_labels import metric_label_problem
from lossguard.rules.registry import TRAINING_CALL, Needs, at, finding, metric_fix, rule, safe_fix, unsafe_fix


def _head(setup: TrainingSetup) -> str:
    assert setup.head is not None
    return setup.head.describe()


def _described(low: float | None, high: float | None) -> str:
    if low is not None and high is not None and math.isinf(low) and math.isinf(high):
        return "targets of any sign"
    return f"targets in [{number_text(low)}, {number_text(high)}]"


# ----- LG009 ---------------------------------------------------------------------------------


@rule("LG009", Needs(anchors=(TRAINING_CALL,), words=(w.SOFTMAX_HEAD, w.MULTI_HOT_LABELS)))
def softmax_on_multi_label(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, labels = setup.head, setup.loss, setup.labels
    if head is None or loss is None or labels is None or head.activation is not Activation.SOFTMAX:
        return
    if labels.encoding is not LabelEncoding.MULTI_HOT or head.units == 1:
        return
    if loss.kind not in (LossKind.CATEGORICAL_CE, LossKind.AUTO_CE):
        return  # binary cross-entropy on softmax is LG001
    units = head.units if head.units is not None else "its"
    yield finding(
        "LG009",
        (
            f"softmax output ({_head(setup)} at ",
            at(head.location),
            f") makes its {units} outputs share one unit of probability, but the labels are "
            f"multi-hot ({labels.origin}, ",
            at(labels.location),
            f"): several can be true in one row. {loss.name} can only spread the probability "
            "over them, so the model learns a worse one-of-n answer while its loss rises "
            "(measured: per-label accuracy 0.78 against 0.99 with sigmoid units and binary "
            "cross-entropy)",
        ),
        loss.location,
        fix=(
            "use activation='sigmoid' on the output with loss='binary_crossentropy' "
            "(and keras.metrics.BinaryAccuracy() or AUC(multi_label=True))"
        ),
        related=[(head.location, "softmax output layer"), (labels.location, "multi-hot labels")],
        autofix=unsafe_fix(
            "use a sigmoid output with binary_crossentropy",
            fixes.string(head.activation_location, "sigmoid"),
            fixes.switch_loss(loss, LossKind.BINARY_CE),
        ),
    )


# ----- LG013 ---------------------------------------------------------------------------------

# The values each output activation can produce.
_HEAD_RANGE = {
    "sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "relu": (0.0, math.inf),
    "relu6": (0.0, 6.0),
    "softplus": (0.0, math.inf),
    "exponential": (0.0, math.inf),
}


@rule("LG013", Needs(anchors=(TRAINING_CALL,), words=(w.REGRESSION_LOSS, w.LABEL_VALUES)))
def head_range_misses_targets(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, labels = setup.head, setup.loss, setup.labels
    if head is None or loss is None or labels is None or loss.wrapper is not None:
        return
    contract = contract_for(loss.name, loss.from_logits)
    if contract is None or contract.output not in ("real", "positive", "rate") or setup.reconstructs_inputs:
        return
    values = label_values(labels)
    if values is None or values.low is None or values.high is None:
        return
    name = head.activation.value if head.activation.is_probability else (head.activation_name or "")
    bounds = _HEAD_RANGE.get(name.lower())
    if bounds is None:
        return
    low, high = bounds
    above = values.high > high + 1e-6
    below = values.low < low - 1e-6
    if not above and not below:
        return
    if above:
        miss = f"never exceeds {high:g}, but the targets reach {number_text(values.high)}"
        effect = (
            "every target above it is predicted at the ceiling: the error cannot fall below the "
            "distance to it (measured: a sigmoid on targets around 50 keeps an MAE of 56, a "
            "linear output reaches 8)"
        )
    else:
        reach = "take negative values" if math.isinf(values.low) else f"go down to {number_text(values.low)}"
        miss = f"never goes below {low:g}, but the targets {reach}"
        effect = (
            "every target below it is predicted at that floor, and a relu unit that falls there "
            "gets no gradient: part of the regression is never learned"
        )
    yield finding(
        "LG013",
        (
            f"the {name} output ({_head(setup)} at ",
            at(head.location),
            f") {miss} ({_described(values.low, values.high)} from {labels.origin}, ",
            at(labels.location),
            f"), trained with {loss.name}. {effect[:1].upper()}{effect[1:]}",
        ),
        head.location,
        severity=Severity.ERROR,
        fix="use a linear output (no activation), or scale the targets into the output's range",
        related=[(labels.location, "targets"), (loss.location, "regression loss")],
    )


# ----- LG025 ---------------------------------------------------------------------------------


def _classifier(setup: TrainingSetup) -> bool:
    loss = setup.loss
    return loss is not None and (loss.kind.is_crossentropy or loss.kind is LossKind.AUTO_CE)


def _multi_label(setup: TrainingSetup) -> bool:
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is None or loss is None or head.activation is not Activation.SIGMOID or (head.units or 0) < 2:
        return False
    if loss.kind is not LossKind.BINARY_CE or setup.reconstructs_inputs:
        return False
    if labels is None:
        return True
    return labels.encoding in (LabelEncoding.MULTI_HOT, LabelEncoding.UNKNOWN) and not labels.one_hot_for(
        head.units
    )


def _accuracy_class(setup: TrainingSetup) -> str | None:
    """The accuracy class that fits the head and labels, when they leave one."""
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is not None and head.output_units == 1:
        return "BinaryAccuracy"
    encoding = labels.encoding if labels is not None else None
    if setup.sparse_loss or encoding is LabelEncoding.INTEGER:
        return "SparseCategoricalAccuracy"
    if (loss is not None and loss.kind is LossKind.CATEGORICAL_CE) or encoding is LabelEncoding.ONE_HOT:
        return "CategoricalAccuracy"
    return None


@rule("LG025", Needs(words=(w.METRIC_CLASSES + "|" + w.THRESHOLD_METRIC + "|" + w.COUNT_METRIC,)))
def metric_input_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    head, metrics = setup.head, setup.metrics
    if head is None or not metrics:
        return
    for metric in metrics:
        yield from _exact_accuracy(setup, metric)
        yield from _iou_on_probabilities(setup, metric)
        yield from _f1_without_threshold(setup, metric)
        yield from _recall_over_classes(setup, metric)
        yield from _metric_labels(setup, metric)


def _metric_labels(setup: TrainingSetup, metric: MetricSpec) -> Iterator[Finding]:
    problem = metric_label_problem(setup, metric)
    if problem is None:
        return
    text, fix, by_values = problem
    if by_values and labels_break_loss(setup):
        return  # the label values break the loss's contract too: LG030 names the one cause
    if one_column_under_categorical_ce(setup):
        return  # training stops at the first step (LG010): the metric never reports
    related = [(setup.head.location if setup.head else None, "output layer")]
    if setup.labels is not None:
        related.append((setup.labels.location, "labels"))
    yield finding("LG025", text, metric.location, fix=fix, related=related)


def _exact_accuracy(setup: TrainingSetup, metric: MetricSpec) -> Iterator[Finding]:
    if metric.cls != "Accuracy" or setup.head is None or setup.reconstructs_inputs:
        return
    classifier = _classifier(setup)
    if not classifier and (setup.head.activation is Activation.UNKNOWN or setup.head.after):
        return  # an output we cannot read may round its values
    gives = (
        "gives probabilities, which are never exactly 0 or 1"
        if setup.head.activation.is_probability
        else "gives real values, which are never exactly equal to the labels"
    )
    wanted = _accuracy_class(setup) if classifier else None
    fix = (
        f"use keras.metrics.{wanted}()" if wanted else "use 'accuracy' (or the accuracy class of your labels)"
    )
    edit = Edit(metric.location, wanted, EditKind.RENAME, old="Accuracy") if wanted else None
    yield finding(
        "LG025",
        (
            f"{metric.written} counts predictions exactly equal to their labels, but the "
            f"{setup.head.describe()} output (",
            at(setup.head.location),
            f") {gives}: it reports 0.000 whatever the model learns (measured in Keras 3 and tf_keras)",
        ),
        metric.location,
        fix=fix,
        related=[(setup.head.location, "output layer")],
        autofix=metric_fix(metric, safe_fix(f"use {wanted}", edit)) if wanted else None,
    )


def _iou_on_probabilities(setup: TrainingSetup, metric: MetricSpec) -> Iterator[Finding]:
    head = setup.head
    assert head is not None
    if metric.cls not in ("MeanIoU", "IoU") or metric.option("sparse_y_pred", True) is not True:
        return
    if "sparse_y_pred" in metric.given and "sparse_y_pred" not in dict(metric.options):
        return  # given, but not as a literal
    if head.after or head.reshaped or setup.reconstructs_inputs:
        return  # a layer after the output may round or arg-max the values
    per_class = head.activation is Activation.SOFTMAX or (
        head.activation in (Activation.SIGMOID, Activation.LINEAR) and (head.units or 0) > 1
    )
    one_unit = head.output_units == 1 and head.activation in (Activation.SIGMOID, Activation.LINEAR)
    if per_class:
        gives = (
            f") gives {'a score' if head.activation is Activation.LINEAR else 'a probability'} per class: "
            "the IoU is computed on the wrong numbers — a constant "
            "1/C with one-hot masks, an error with integer masks (measured, Keras 3.15)"
        )
        fix = (
            "use keras.metrics.OneHotMeanIoU(num_classes) for one-hot masks, or "
            "MeanIoU(num_classes, sparse_y_pred=False) for integer masks"
        )
    elif one_unit:
        values = "a probability" if head.activation is Activation.SIGMOID else "a real value"
        gives = (
            f") gives {values}, which the metric truncates to an integer: every prediction "
            "below 1 becomes class 0 (measured: MeanIoU 0.24 for a model right on every sample, "
            "where BinaryIoU reports 1.00, in Keras 3 and tf_keras)"
        )
        fix = "use keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.5) for one unit"
    else:
        return
    yield finding(
        "LG025",
        (
            f"{metric.written} reads the predictions as class ids (sparse_y_pred=True by default), "
            f"but the {head.describe()} output (",
            at(head.location),
            gives,
        ),
        metric.location,
        fix=fix,
        related=[(head.location, "output layer")],
    )


def _f1_without_threshold(setup: TrainingSetup, metric: MetricSpec) -> Iterator[Finding]:
    if metric.cls not in ("F1Score", "FBetaScore") or setup.head is None:
        return
    if "threshold" in metric.given and metric.option("threshold", "?") is not None:
        return  # a threshold given (or not as a literal)
    one_unit = setup.head.output_units == 1 and not setup.reconstructs_inputs
    broadcast = False
    if one_unit:
        problem = (
            f"marks the largest output of each row as predicted, but the {setup.head.describe()} output (",
            ") has one unit: every sample is predicted positive and the score is the F-score of "
            "that constant guess (measured: F1 0.88 reported for a model that is always right)",
        )
    elif _multi_label(setup) or (
        setup.labels is not None
        and setup.labels.encoding is LabelEncoding.MULTI_HOT
        and not setup.reconstructs_inputs
    ):
        problem = (
            f"counts only the largest output of each row as predicted, but the multi-label "
            f"{setup.head.describe()} output (",
            ") can have several labels true at once: it reports a lower F1 than the model's "
            "(measured: 0.67 where thresholding at 0.5 gives 0.90)",
        )
    elif (column := _one_label_column(setup)) is not None:
        broadcast = True
        problem = (
            f"marks the largest of the {setup.head.output_units} outputs of each row as predicted, but the "
            f"{setup.head.describe()} output (",
            f") is given one label column ({column}): Keras 3 broadcasts it over the units (tf_keras "
            "raises a shape error), so "
            "every row has the same label on every unit and the score compares the wrong numbers "
            "(measured: macro F1 0.33 reported for a model right on every unit, Keras 3)",
        )
    else:
        return
    fixable = (
        not broadcast and "threshold" not in metric.given and setup.head.activation is Activation.SIGMOID
    )
    fix = "give a threshold: F1Score(threshold=0.5)" + (" (0.0 on logits)" if one_unit else "")
    if broadcast:
        fix = (
            "give the output one unit (Dense(1, activation='sigmoid')) and F1Score(threshold=0.5), "
            "or one-hot encode the labels"
        )
    yield finding(
        "LG025",
        (f"{metric.written} has no threshold, so it {problem[0]}", at(setup.head.location), problem[1]),
        metric.location,
        fix=fix,
        related=[(setup.head.location, "output layer")],
        autofix=metric_fix(
            metric, safe_fix("threshold=0.5", fixes.keyword(metric.location, "threshold", "0.5"))
        )
        if fixable
        else None,
    )


def _recall_over_classes(setup: TrainingSetup, metric: MetricSpec) -> Iterator[Finding]:
    """Recall() or Precision() on a single-label softmax: each unit thresholded at 0.5, the
    classes pooled."""
    head, labels = setup.head, setup.labels
    if metric.cls not in _POOLED or head is None or head.after or head.reshaped or setup.reconstructs_inputs:
        return
    if metric.given & {"class_id", "top_k", "thresholds"}:
        return  # a class, the arg-max or a threshold chosen (or not as a literal)
    units = head.output_units or 0
    if head.activation is not Activation.SOFTMAX or units < 2:
        return
    if labels is not None and labels.encoding is LabelEncoding.MULTI_HOT:
        return  # softmax on several labels per row: LG009's finding
    values = label_values(labels) if labels is not None else None
    if setup.sparse_loss or (values is not None and values.columns == 1):
        return  # class ids, not rows: Recall() stops at a shape error (the labels' finding)
    name = metric.cls or "Recall"
    if units == 2:
        # the labels must be known one-hot rows (a 0/1 column would be a shape error; rows of
        # another width than the two units too, so an unknown width is two where it trains)
        if values is None or values.kind != "one_hot" or values.columns not in (2, None):
            return
        text = _POOLED_TWO.format(metric=name.lower())
        fix = f"use keras.metrics.{name}(class_id=1) for the class of the second column"
    else:
        text = _POOLED[name]
        fix = (
            f"use keras.metrics.{name}(top_k=1) to count the arg-max (per class: {name}(class_id=i, top_k=1))"
        )
    yield finding(
        "LG025",
        (
            f"{metric.written} thresholds each of the {units} softmax units (",
            at(head.location),
            f") at 0.5 and pools the classes: {text}",
        ),
        metric.location,
        fix=fix,
        related=[(head.location, "softmax output")],
    )


# On two units exactly one exceeds 0.5 in every row (tests/consequences: LG025/pooled-two-softmax).
_POOLED_TWO = (
    "exactly one of two softmax units exceeds 0.5 in every row, so it counts every sample once and "
    "reports the accuracy, not the {metric} of either class (measured: Precision() and Recall() "
    "both 0.91, the accuracy, where the rarer class's precision was 0.87 and its recall 0.71, "
    "Keras 3; 0.90 against 0.87 and 0.66 in tf_keras)"
)

# What each pooled metric then reports (tests/consequences: LG025/recall-softmax, precision-softmax).
_POOLED = {
    "Recall": "a sample counts as found only when its class gets more than half the probability, so "
    "right but unsure predictions are missed and it reports less than the model gets right "
    "(measured: 0.38 where 0.53 of the samples are right, ten overlapping classes, Keras 3; 0.41 "
    "against 0.56 in tf_keras)",
    "Precision": "only predictions whose class gets more than half the probability count, so the "
    "unsure ones, where most mistakes are, are left out and it reports more than the model gets "
    "right (measured: 0.72 where 0.53 of the samples are right, ten overlapping classes, Keras 3; "
    "0.71 against 0.56 in tf_keras)",
}


def _one_label_column(setup: TrainingSetup) -> str | None:
    """The labels' origin when they are one column of 0/1 values (or ids) for an output of
    several units: a per-unit metric then reads the column broadcast over the units."""
    head, labels = setup.head, setup.labels
    if head is None or labels is None or (head.output_units or 0) < 2 or setup.reconstructs_inputs:
        return None
    values = label_values(labels)
    if values is None or values.columns != 1:
        return None
    if values.kind != "bits" and not (
        values.kind == "class_ids" and values.high is not None and values.high <= 1
    ):
        return None  # other ids are read wrong before any broadcast (metric_labels)
    return labels.origin


# ----- LG043 ---------------------------------------------------------------------------------


@rule("LG043", Needs(anchors=(TRAINING_CALL,), words=(w.CLASS_WEIGHT,)))
def class_weight_misuse(setup: TrainingSetup) -> Iterator[Finding]:
    fit, labels = setup.fit, setup.labels
    if fit is None or fit.class_weight is None or labels is None:
        return
    if labels.encoding is LabelEncoding.MULTI_HOT:
        problem = (
            f"class_weight on multi-hot targets ({labels.origin}): Keras weighs each sample by the "
            "class of its arg-max column only, so every other true label of the row gets that "
            "label's weight, not its own (measured: one label weighted 50 dropped the per-label "
            "accuracy from 0.97 to 0.79)"
        )
        fix = "weigh the positives per label in the loss instead (e.g. a weighted binary cross-entropy)"
    elif labels.encoding is LabelEncoding.CONTINUOUS:
        problem = (
            f"class_weight on real-valued targets ({labels.origin}): a regression has no classes; "
            "Keras rounds each target to an integer and looks it up as a class"
        )
        fix = "remove class_weight (use sample_weight= to weigh samples of a regression)"
    elif _sparse_maps(setup):
        problem = (
            f"class_weight on class ids of {labels.rank} axes ({labels.origin}), one id per pixel "
            "or step: Keras 3 raises TypeError when fit() starts; tf_keras reads the arg-max over "
            "each mask's last axis (a position, not a class) as the class, which stops at an "
            "InvalidArgumentError where it exceeds the classes and weighs the wrong pixels where it "
            "does not (measured on 32×32 masks of four classes: TypeError in Keras 3, "
            "InvalidArgumentError in tf_keras)"
        )
        fix = (
            "pass the weights per pixel instead: fit(…, sample_weight=weights[labels]) with "
            "weights = np.array([w0, w1, …]) (both Keras take a sample_weight shaped like the labels)"
        )
    else:
        return
    yield finding(
        "LG043",
        (f"{fit.method}() at ", at(fit.location), f" passes {problem}"),
        fit.class_weight,
        fix=fix,
        related=[(labels.location, "labels")],
    )


def _sparse_maps(setup: TrainingSetup) -> bool:
    """Class ids per pixel or step of three or more axes (segmentation masks under a sparse
    loss): neither Keras turns class_weight into weights for them."""
    labels = setup.labels
    if labels is None or labels.rank is None or labels.rank < 3 or labels.synthetic:
        return False
    return setup.sparse_loss
