"""The label half of LG025: a built-in metric given labels (or an output) it cannot read — ±1 or
0/255 labels into a 0/1 metric, one label column into an arg-max metric, several columns into a
class-id metric, an arg-max over a single unit. Silent on anything unknown."""

from __future__ import annotations

from lossguard.facts import Activation, LabelEncoding, MetricKind, MetricSpec, TrainingSetup
from lossguard.keras.loss_contracts import contract_for
from lossguard.keras.metric_contracts import METRIC_CONTRACTS, MetricContract, metric_key
from lossguard.keras.semantics import binary_accuracy_may_round, loss_identity, resolve_bare_accuracy
from lossguard.rules.label_values import LabelValues, binary_ce_checks_shapes, label_values

# What the sweep measured for each kind of mistake (Keras 3.15, 256 samples, five epochs).
_MEASURED = {
    "zero_one": "measured: binary accuracy 0.52 and AUC 0.00 on ±1 labels a model fits perfectly",
    "class_ids": "measured: binary accuracy 0.32 where the rounded predictions are 0.79 right",
    "wide": "measured: binary accuracy 0.80 on one unit and five one-hot columns, where 0.20 of "
    "the samples are right",
    "shared_column": "measured: accuracy 0.00–0.31 where thresholding the units gives 0.54–1.00, "
    "Keras 3 and tf_keras",
    "one_unit": "measured: categorical accuracy 1.00 on one unit whatever the model does",
    "one_column": "measured: one-hot MeanIoU 0.07 on a 0/1 column the model fits perfectly",
    "multi_hot": "measured: categorical accuracy 0.41 where the per-label accuracy is 0.69",
    "rows": "measured: MeanIoU 0.00–0.11 against 0.99 for a model that fits the labels",
    "ids_outside": "measured: sparse categorical accuracy 0.13 on 0/255 labels where 0.53 of the "
    "samples are right, Keras 3 and tf_keras",
    "soft": "measured: F1Score() 0.62 where the F1 of the arg-max classes is 0.93, a softmax trained "
    "with KL divergence on probability rows, Keras 3 and tf_keras",
    "ids_on_units": "measured: AUC, Precision and Recall on four softmax units and (n,) or (n, 1) "
    "ids raise an error at the first step (InvalidArgumentError or ValueError) in Keras 3 and tf_keras",
}


def contract_of(
    metric: MetricSpec, key: str, units: int | None = None, setup: TrainingSetup | None = None
) -> MetricContract | None:
    if metric.kind is MetricKind.ACCURACY and units == 1:
        key = "binaryaccuracy"  # a bare 'accuracy' on one unit is binary accuracy in every Keras
    elif metric.kind is MetricKind.ACCURACY and setup is not None:
        built = _built_accuracy(setup)
        if built is None:
            return None
        key = built
    contract = METRIC_CONTRACTS.get(key)
    if contract is None:
        return None
    if key in ("meaniou", "iou") and metric.option("sparse_y_true", True) is not True:
        return None  # one-hot labels declared (or not as a literal)
    return contract


def _built_accuracy(setup: TrainingSetup) -> str | None:
    """The accuracy a bare 'accuracy' on several units becomes in every Keras the file may run
    on, as a metric key, where the label shapes leave no doubt: categorical accuracy on rows as
    wide as a non-sigmoid output (LG020 speaks for sigmoid ones), sparse categorical accuracy on
    one label column."""
    head, loss, labels = setup.head, setup.loss, setup.labels
    if head is None or labels is None or (head.output_units or 0) < 2:
        return None
    values = label_values(labels)
    if values is None or values.columns is None:
        return None
    kind = resolve_bare_accuracy(
        setup.keras,
        loss_identity(loss) if loss is not None else None,
        head.output_units,
        labels.encoding if values.columns > 1 else LabelEncoding.INTEGER,  # one column: by shape
    )
    if kind is MetricKind.CATEGORICAL_ACCURACY and values.columns == head.output_units:
        return None if head.activation is Activation.SIGMOID else "categoricalaccuracy"
    if kind is MetricKind.SPARSE_CATEGORICAL_ACCURACY and values.columns == 1:
        return "sparsecategoricalaccuracy"
    return None


def _units_share_a_column(setup: TrainingSetup, values: LabelValues) -> bool:
    """One 0/1 label column on several units under a loss of each unit on its own (binary
    cross-entropy, MSE…): Keras broadcasts the column onto every unit, which all learn it."""
    head, loss = setup.head, setup.loss
    if head is None or loss is None or (head.output_units or 0) < 2:
        return False
    if values.kind != "bits" or values.columns != 1:
        return False
    contract = contract_for(loss.name, loss.from_logits)
    if contract is None or binary_ce_checks_shapes(setup):
        return False  # Keras checks the shapes there: a loud error at the first step (LG010)
    # a loss of each unit on its own (not a distribution over the units, not a global overlap)
    per_unit = ("zero_one", "real", "non_zero", "non_negative", "signs")
    return contract.labels in per_unit and contract.output != "overlap"


def _named(metric: MetricSpec, units: int | None) -> str:
    if metric.kind is MetricKind.ACCURACY and units == 1:
        return f"{metric.written} (binary accuracy on one output unit)"
    return metric.written


def _misread_as_zero_one(contract: MetricContract, key: str, values: LabelValues) -> bool:
    """Labels a 0/1 metric reads wrong, by how it reads them: soft labels (never equal to a 0/1
    prediction, true whenever non-zero), −1 labels (true when cast to a boolean, negative in a
    product), values above 1 (never equal to 1, inflating a product)."""
    if contract.reads == "threshold" or values.kind not in ("real", "distribution", "discrete", "class_ids"):
        return False
    negative = values.low is not None and values.low < 0
    above = values.high is not None and values.high > 1
    if values.kind == "class_ids":
        return above  # ids 2…C-1: never equal to a 0/1 prediction, true when cast, counted as 2…
    # soft rows (probabilities per class); real values in [0, 1] are as often random dummy
    # labels of a test or a timing script, which nobody reads a metric of
    soft = values.kind == "distribution"
    if contract.reads == "bool":
        # 255 is a positive as it should be; −1 is one too (precision hides it only on a model
        # that predicts every negative right: measured wrong before training)
        return soft or negative
    if contract.reads == "equal":
        # a 255 never equals a 0/1 prediction (real targets above 1 are LG021's regression case)
        return soft or negative or (above and values.kind != "real")
    return soft or negative or above  # arithmetic: every value counts as itself


def _rounding_may_match(setup: TrainingSetup, contract: MetricContract, values: LabelValues) -> bool:
    """Binary accuracy (``equal``) on whole-number labels outside 0/1 (ids, ±1, 0/255, counts)
    of an output not squashed into [0, 1], where Keras may round the outputs rather than
    threshold them: a rounded output can equal such a label, so the 0/1 reading is not known."""
    head = setup.head
    if contract.reads != "equal" or values.kind not in ("discrete", "class_ids") or head is None:
        return False
    if head.activation in (Activation.SIGMOID, Activation.SOFTMAX):
        return False  # rounded or thresholded, a probability gives 0 or 1
    return binary_accuracy_may_round(setup.keras)


def _ids_on_units(metric: MetricSpec, key: str, units: int | None, labels: str) -> tuple[str, str, bool]:
    """A confusion-matrix metric given class ids for several units: a shape error."""
    return (
        f"{metric.written} compares each of the {units} output units with a label of its own, but "
        f"the labels are {labels}: the shapes do not match and training stops at the first step "
        f"({_MEASURED['ids_on_units']})",
        _per_class_fix(metric, key),
        False,
    )


def _per_class_fix(metric: MetricSpec, key: str) -> str:
    """How to score the classes with this metric on one-hot labels (AUC and the counts have no
    class_id)."""
    if key == "auc":
        return (
            "pass one-hot labels (categorical_crossentropy): AUC() then pools the classes one-vs-rest, "
            "AUC(multi_label=True) averages them; or use 'sparse_categorical_accuracy' on the ids"
        )
    if key in _CLASS_ID_METRICS:
        return (
            f"pass one-hot labels (categorical_crossentropy) and {metric.cls or metric.written.split('(')[0]}"
            "(class_id=i) per class, or use 'sparse_categorical_accuracy' on the ids"
        )
    return "pass one-hot labels (categorical_crossentropy), or use 'sparse_categorical_accuracy' on the ids"


_CLASS_ID_METRICS = (
    "precision",
    "recall",
    "precisionatrecall",
    "recallatprecision",
    "sensitivityatspecificity",
    "specificityatsensitivity",
)


def metric_label_problem(setup: TrainingSetup, metric: MetricSpec) -> tuple[str, str, bool] | None:
    """What of the metric's contract the labels (or the output's width) break, the fix, and
    whether it is the label values (not the shapes) that break it."""
    head, labels = setup.head, setup.labels
    if head is None or setup.reconstructs_inputs:
        return None
    units = head.output_units
    key = metric_key(metric.cls or metric.written)
    contract = contract_of(metric, key, units, setup)
    if contract is None:
        return None
    values = label_values(labels) if labels is not None else None
    reads_class_ids = key in ("meaniou", "iou") and metric.option("sparse_y_pred", True) is not False
    if (
        values is not None
        and contract.per_class
        and not reads_class_ids
        and _units_share_a_column(setup, values)
    ):
        return (
            f"{_named(metric, units)} takes the arg-max of the {units} outputs, but the loss "
            f"({setup.loss.name if setup.loss else '?'}) broadcasts one column of "
            f"{values.described} over them, so every unit is trained on the same 0/1 target and no "
            f"unit stands for a class: the arg-max picks among units that mean the same and the "
            f"number says nothing about the model "
            f"({_MEASURED['shared_column']})",
            "give the output one unit (Dense(1, activation='sigmoid')) for one 0/1 label, and "
            "binary_accuracy",
            False,
        )
    wide_labels = values is not None and values.kind == "one_hot" and (values.columns or 0) > 1
    if contract.per_class and units == 1 and not reads_class_ids and not wide_labels:
        # (one-hot rows on one unit: LG010 names that shape, the metric only follows it)
        return (
            f"{metric.written} takes the arg-max (or top k) over one output unit per class, but the "
            "output has one unit: the arg-max of one number is always class 0, so the metric "
            f"reports a constant whatever the model learns ({_MEASURED['one_unit']})",
            "use binary_accuracy (BinaryAccuracy) for one sigmoid unit, or give the output one "
            "unit per class",
            contract.labels == "class_ids",  # ids against 0/255-like labels: LG030 names it
        )
    if contract.reads == "bool" and (units or 0) > 1 and setup.sparse_loss and values is None:
        # the loss takes one class id per sample (per pixel, per step): no unit axis to match
        return _ids_on_units(metric, key, units, "class ids (what sparse_categorical_crossentropy takes)")
    if values is None:
        return None
    if (
        contract.labels == "zero_one"
        and contract.reads == "equal"
        and units == 1
        and values.kind == "one_hot"  # (on multi-hot rows it is their per-label accuracy)
        and (values.columns or 0) > 1
        and not binary_ce_checks_shapes(setup)
    ):
        return (
            f"{_named(metric, units)} compares the one output unit with each of the "
            f"{values.columns} label columns ({values.described}; Keras broadcasts it): the 0s of "
            "every row count as right, so it reports a high number whatever the model does "
            f"({_MEASURED['wide']})",
            "give the output one unit per label column, or pass one 0/1 label per sample",
            False,
        )
    if _rounding_may_match(setup, contract, values):
        return None  # binary accuracy that rounds an unbounded output can equal whole-number labels
    if contract.labels == "zero_one" and _misread_as_zero_one(contract, key, values):
        if values.kind == "class_ids":
            if metric.kind is MetricKind.BINARY_ACCURACY and (units or 0) > 1:
                return None  # binary accuracy on a multi-class head: LG021's finding
            if head.activation is Activation.SIGMOID and units == 1:
                return None  # a sigmoid cannot reach the ids either (LG013); 0.5 is its rounding
            if contract.reads == "bool" and (units or 0) > 1 and values.columns == 1:
                return _ids_on_units(metric, key, units, f"one column of {values.described}")
            return (
                f"{_named(metric, units)} reads the labels as 0/1 (thresholded or cast to booleans), but "
                f"they are {values.described}: every id above 1 is counted as the positive class (or "
                f"never matches a 0/1 prediction), so it reports a number that says nothing about "
                f"the classes ({_MEASURED['class_ids']})",
                "give the output one unit per class (softmax) and use 'sparse_categorical_accuracy', "
                "or a per-class metric on one-hot labels",
                True,
            )
        if contract.reads == "arithmetic" and values.kind == "distribution":
            return (
                f"{metric.written} multiplies the labels with its 0/1 predictions, but they are "
                f"{values.described}: each hit counts only as its label's probability, so it reports a "
                f"'soft' score, not the F-score of the classes ({_MEASURED['soft']})",
                "score the classes on one-hot labels of the arg-max "
                "(keras.utils.to_categorical(y.argmax(axis=-1))), e.g. in a callback",
                True,
            )
        return (
            f"{_named(metric, units)} reads the labels as 0/1 (thresholded or cast to booleans), but they "
            f"are {values.described}: it counts the wrong samples as positive and reports a "
            f"number that says nothing about the model ({_MEASURED['zero_one']})",
            "compute the metric on 0/1 labels (y > 0 for ±1 labels, masks / 255 for 0/255 masks)",
            True,
        )
    if contract.labels == "one_hot" and units is not None and units > 1:
        # class ids into categorical or top-k accuracy: LG021's finding
        ids = values.kind == "class_ids" and metric.kind not in (
            MetricKind.CATEGORICAL_ACCURACY,
            MetricKind.TOP_K,
        )
        if (ids or values.kind in ("bits", "discrete", "real")) and values.columns == 1:
            return (
                f"{metric.written} compares the arg-max of each label row with the arg-max of the "
                f"{units} outputs, but the labels are one column of {values.described}: its arg-max "
                f"is always 0 ({_MEASURED['one_column']})",
                "one-hot encode the labels, or use the sparse form of the metric on class ids",
                False,
            )
        if values.kind == "multi_hot":
            return (
                f"{metric.written} compares one arg-max per row, but the labels are multi-hot: the "
                "arg-max of a row with several 1s is only its first true label "
                f"({_MEASURED['multi_hot']})",
                "use keras.metrics.BinaryAccuracy() or AUC(multi_label=True) for multi-label rows",
                False,
            )
    if contract.labels == "class_ids":
        several = values.columns is not None and values.columns > 1
        if several and values.kind in ("multi_hot", "distribution", "real", "discrete"):
            return (
                f"{metric.written} reads one class id per sample, but the labels are rows of "
                f"{values.columns} columns ({values.described}): it compares the wrong numbers "
                f"({_MEASURED['rows']})",
                "pass class ids (np.argmax(y, axis=-1)), or use the one-hot form of the metric",
                False,
            )
        outside = values.kind in ("discrete", "real") and (
            (values.low is not None and values.low < 0) or values.kind == "real"
        )
        if outside or (values.kind == "discrete" and units is not None and (values.high or 0) >= units):
            return (
                f"{metric.written} reads class ids 0…C-1, but the labels are {values.described}: "
                "they are not class ids, so it counts the wrong classes "
                f"({_MEASURED['rows' if key.endswith('iou') else 'ids_outside']})",
                "pass class ids 0…C-1 (or map the labels to them)",
                True,
            )
    return None
