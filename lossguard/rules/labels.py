"""LG010–LG011: the labels do not fit the output layer or the loss."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import Activation, LabelEncoding, LossKind, TrainingSetup
from lossguard.findings import Finding, Part
from lossguard.keras import eras as era
from lossguard.keras.loss_contracts import builtin_loss
from lossguard.keras.semantics import eras_of, only_installed
from lossguard.keras.vocabulary import loss_key
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.label_values import binary_ce_checks_shapes, one_column_under_categorical_ce
from lossguard.rules.registry import COMPILE_CALL, TRAINING_CALL, Needs, at, finding, rule, safe_fix


def _labels_text(setup: TrainingSetup) -> tuple[Part, ...]:
    labels = setup.labels
    assert labels is not None
    return (f"{labels.origin} (", at(labels.location), ")")


_ELEMENTWISE = (LossKind.BINARY_CE, LossKind.CATEGORICAL_CE, LossKind.AUTO_CE, LossKind.REGRESSION)


@rule("LG010", Needs(anchors=(TRAINING_CALL,), words=(w.LABELS,)))
def units_label_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is None or labels is None or head.units is None:
        return
    units = head.units
    problem = None
    fix = None
    consequence = ""
    broadcast = _broadcast(setup)
    if broadcast is not None:
        problem, fix = broadcast
        consequence = (
            f"{loss.name if loss else 'The loss'} compares labels and outputs element by element, so "
            "Keras broadcasts one across the other without an error and the model learns the wrong "
            "targets (measured: mse with one column of class ids on five softmax units: accuracy "
            "0.17–0.25 against 1.00 with one-hot labels)"
        )
        refused = _target_check_refuses(setup)
        if refused == "every era":
            consequence = _REFUSED
        elif refused == "some eras":
            consequence = f"{_REFUSED}; later versions: {consequence[0].lower()}{consequence[1:]}"
    elif one_column_under_categorical_ce(setup):
        problem = (
            f"the labels are one column but {loss.name if loss else 'the loss'} needs one per unit ({units})"
        )
        consequence = "Training stops at the first step with a shape error"
        fix = (
            "for one real target per sample use Dense(1) with a regression loss (mean_squared_error)"
            if labels.encoding is LabelEncoding.CONTINUOUS
            else "one-hot encode class ids (keras.utils.to_categorical) or use "
            "loss='sparse_categorical_crossentropy' on ids from 0"
        )
    elif labels.encoding in (LabelEncoding.ONE_HOT, LabelEncoding.MULTI_HOT, LabelEncoding.UNKNOWN):
        width = labels.width
        # Only a loss that compares labels and outputs element by element fails on a width
        # mismatch: CTC takes (batch, max_length) labels by design, a custom loss is unknown.
        elementwise = loss is not None and loss.kind in _ELEMENTWISE and "ctc" not in loss.name.lower()
        if width is not None and width != units and units > 1 and width > 1 and elementwise:
            problem = f"the labels have {width} columns but the output has {units} units"
            consequence = "Training stops at the first step with a shape error"
            fix = f"make the output layer Dense({width}, …) or encode the labels with {units} classes"
    elif labels.encoding is LabelEncoding.INTEGER:
        classes = labels.num_classes
        classifying = loss is not None and loss.kind in (LossKind.SPARSE_CATEGORICAL_CE, LossKind.AUTO_CE)
        if classifying and classes is not None and classes > 2 and units < classes:
            problem = (
                f"the labels take {classes} integer values but the output has only {units} "
                f"unit{'s' if units != 1 else ''}"
            )
            consequence = (
                f"Labels ≥ {units} stop training at the first step with an InvalidArgumentError on "
                "CPU; on GPU the loss can turn NaN instead"
            )
            fix = f"use Dense({classes}, activation='softmax') with sparse_categorical_crossentropy"
        elif (
            loss is not None
            and loss.kind is LossKind.BINARY_CE
            and units == 1
            and classes is not None
            and classes > 2
        ):
            problem = (
                f"the labels take {classes} integer values but binary_crossentropy on one output "
                "expects 0/1 labels"
            )
            consequence = (
                "Training runs without an error while the loss falls below zero without end "
                "(measured: -7 to -400 in six epochs) and the model learns nothing"
            )
            fix = f"use Dense({classes}, activation='softmax') with sparse_categorical_crossentropy"
    elif labels.encoding is LabelEncoding.BINARY and units >= 2 and (labels.width or 1) == 1:
        # Only a binary or categorical cross-entropy makes this a question of classes: 0/1
        # labels with 2 softmax units and a sparse loss are right, and mse on 0/1 targets
        # (a toy, a test) broadcasts the column over both units by design. Both cross-entropies
        # check the shapes (binary: except tf.keras 2.x on a linear or relu output).
        if loss is None or loss.kind not in (LossKind.BINARY_CE, LossKind.CATEGORICAL_CE):
            return
        if loss.kind is LossKind.BINARY_CE and not binary_ce_checks_shapes(setup):
            return
        problem = f"the labels are a single 0/1 column but the output has {units} units"
        consequence = "Training stops at the first step with a shape error"
        fix = (
            "use Dense(1, activation='sigmoid') with binary_crossentropy, or "
            "class_mode='categorical' / label_mode='categorical' for two one-hot columns"
            if units == 2
            else "use Dense(1, activation='sigmoid') with binary_crossentropy for one 0/1 label"
        )
    if problem is None:
        return
    yield finding(
        "LG010",
        (
            f"{problem}: output {head.describe()} at ",
            at(head.location),
            ", labels from ",
            _labels_text(setup),
            f". {consequence}",
        ),
        head.location,
        fix=fix,
        related=[(labels.location, "labels")],
    )


# Losses Keras computes element by element without checking shapes: a label column and an output
# of several units (or the reverse) are broadcast silently. The cross-entropies raise instead.
_BROADCASTING = frozenset(
    loss_key(name)
    for name in (
        "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "kld",
        "kullback_leibler_divergence", "poisson", "cosine_similarity", "dice", "tversky",
        "categorical_focal_crossentropy",
    )
)  # fmt: skip


# Multi-backend Keras 2.0–2.3 checks the target's shape against the output's for these losses
# before training (``training_utils.check_loss_and_target_compatibility``, read in 2.2.4 and
# 2.3.1); tf.keras 2.2+ and Keras 3 broadcast.
_REFUSED = "Keras 2.0–2.3 refuses it before training (a ValueError: the target's shape is not the output's)"


def _target_check_refuses(setup: TrainingSetup) -> str | None:
    """Whether multi-backend Keras 2.0–2.3's target check refuses this broadcast: in "every
    era" the script may run on, in "some eras", or None."""
    if setup.loss is None or builtin_loss(setup.loss.name) != "mean_squared_error":
        return None
    eras = eras_of(setup.keras)
    checked = eras & {era.KERAS20, era.KERAS23}
    if not checked:  # where only the installed Keras says which, a script may be from 2018
        return "some eras" if only_installed(setup.keras) else None
    return "every era" if checked == eras else "some eras"


def _broadcasting(loss_name: str, kind: LossKind) -> bool:
    if kind is LossKind.REGRESSION:
        return True
    return kind is LossKind.OTHER and loss_key(loss_name) in _BROADCASTING


def _broadcast(setup: TrainingSetup) -> tuple[str, str] | None:
    """One label column on a head of several units, or several columns on one unit, under a
    loss that broadcasts (mse, hinge, KL divergence …): silent, unlike the cross-entropies."""
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is None or labels is None or loss is None or loss.wrapper is not None:
        return None
    if setup.reconstructs_inputs or labels.constant or not _broadcasting(loss.name, loss.kind):
        return None  # a constant target broadcasts harmlessly (an optimizer demo, a GAN's ones)
    if _one_hot_loss(loss.name) and labels.encoding is LabelEncoding.INTEGER:
        return None  # LG011 says it: that loss reads one-hot rows
    units = head.output_units
    if units is None:
        return None
    single = labels.encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY) or (
        labels.encoding in (LabelEncoding.CONTINUOUS, LabelEncoding.UNKNOWN) and labels.width == 1
    )
    if single and units > 1 and labels.width in (None, 1):
        return (
            f"the labels are one column ({labels.origin}) but the output has {units} units",
            f"use Dense(1, …) for one target per sample, or encode the labels with {units} columns",
        )
    many = labels.width is not None and labels.width > 1
    if many and units == 1 and labels.encoding is not LabelEncoding.INTEGER:
        return (
            f"the labels have {labels.width} columns but the output has 1 unit",
            f"use Dense({labels.width}, …) to predict every column",
        )
    return None


# Losses that read one-hot (or distribution) rows: fed class ids, they broadcast silently.
_ONE_HOT_LOSSES = frozenset(
    loss_key(name)
    for name in ("kld", "kl_divergence", "kullback_leibler_divergence", "categorical_hinge",
                 "categorical_focal_crossentropy")
)  # fmt: skip


def _one_hot_loss(name: str) -> bool:
    return loss_key(name) in _ONE_HOT_LOSSES


@rule("LG011", Needs(anchors=(TRAINING_CALL,), words=(w.LABELS, COMPILE_CALL)))
def label_encoding_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    head, labels, loss = setup.head, setup.labels, setup.loss
    if labels is None:
        return
    units = head.units if head is not None else None
    if (
        loss is not None
        and loss.kind is LossKind.SPARSE_CATEGORICAL_CE
        and labels.encoding
        in (
            LabelEncoding.ONE_HOT,
            LabelEncoding.MULTI_HOT,
        )
    ):
        yield finding(
            "LG011",
            (
                f"{loss.name} (",
                at(loss.location),
                f") expects integer class labels, but the labels are {labels.encoding.value} (",
                _labels_text(setup),
                "). Training stops at the first step with a shape error",
            ),
            loss.location,
            fix="use loss='categorical_crossentropy' for one-hot labels, or pass the integer labels",
            related=[(labels.location, f"{labels.encoding.value} labels")],
            autofix=safe_fix("use categorical_crossentropy", fixes.switch_loss(loss, LossKind.CATEGORICAL_CE))
            if labels.encoding is LabelEncoding.ONE_HOT
            else None,
        )
        return
    if (
        loss is not None
        and loss.kind is LossKind.CATEGORICAL_CE
        and labels.encoding is LabelEncoding.INTEGER
        and (units is None or units > 1)
    ):
        yield finding(
            "LG011",
            (
                f"{loss.name} (",
                at(loss.location),
                ") expects one-hot labels, but the labels are integer class indices (",
                _labels_text(setup),
                "). Training stops at the first step with a shape error",
            ),
            loss.location,
            fix=(
                "use loss='sparse_categorical_crossentropy', or one-hot encode the labels with "
                "keras.utils.to_categorical(y, num_classes)"
            ),
            related=[(labels.location, "integer labels")],
            autofix=safe_fix(
                "use sparse_categorical_crossentropy", fixes.switch_loss(loss, LossKind.SPARSE_CATEGORICAL_CE)
            ),
        )
        return
    if (
        loss is not None
        and _one_hot_loss(loss.name)
        and labels.encoding is LabelEncoding.INTEGER
        and labels.width in (None, 1)
        and (units is None or units > 1)
    ):
        yield finding(
            "LG011",
            (
                f"{loss.name} (",
                at(loss.location),
                ") compares each output with its own label column, but the labels are integer class "
                "indices (",
                _labels_text(setup),
                "). A single column of ids broadcasts across the outputs: training runs without an "
                "error and learns next to nothing (measured: 0.29–0.35 accuracy against 1.00 with "
                "one-hot labels)",
            ),
            loss.location,
            fix="one-hot encode the labels: keras.utils.to_categorical(y, num_classes)",
            related=[(labels.location, "integer labels")],
        )
        return
    if (
        head is not None
        and units == 1
        and head.activation is Activation.SIGMOID
        and labels.encoding is LabelEncoding.ONE_HOT
        and (labels.width is None or labels.width >= 2)
    ):
        yield finding(
            "LG011",
            (
                f"the output {head.describe()} at ",
                at(head.location),
                " predicts one probability, but the labels are one-hot (",
                _labels_text(setup),
                "). Training stops at the first step with a shape error",
            ),
            head.location,
            fix=(
                "pass the 0/1 labels without to_categorical (class_mode='binary'), or use "
                "Dense(2, activation='softmax') with categorical_crossentropy"
            ),
            related=[(labels.location, "one-hot labels")],
        )
