"""LG014 and the static half of LG030: a built-in loss given an output or labels outside what
its contract (``keras/loss_contracts.py``) accepts. Every verdict needs the loss, the head and
(for LG030) the labels' values to be known; anything unknown stays silent."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import LabelEncoding, TrainingSetup
from lossguard.findings import Finding
from lossguard.keras.loss_contracts import LossContract
from lossguard.rules import words as w
from lossguard.rules.label_values import (
    LabelValues,
    label_values,
    loss_contract,
    one_column_under_categorical_ce,
    output_range,
    outside_01,
)
from lossguard.rules.registry import TRAINING_CALL, Needs, at, finding, rule
from lossguard.rules.runtime import runtime_label_range

_CROSS_ENTROPIES = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}
_FLATTENED_MAP = (
    "a relu map flattened into KL divergence: the loss went below 0 and the rows summed to "
    "32–115; the target's peak was found on 0.12–0.19 of the samples against 0.95 with the "
    "softmax after the Flatten, Keras 3 and tf_keras"
)
_PRODUCES = {"real": "any real value", "non_negative": "values ≥ 0 with no upper bound"}


# ----- LG014: the output ---------------------------------------------------------------------


@rule("LG014", Needs(words=(w.CONTRACT_OUTPUT_LOSS,)))
def loss_output_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, contract = setup.head, setup.loss, loss_contract(setup)
    if head is None or loss is None or contract is None or contract.name in _CROSS_ENTROPIES:
        return  # the cross-entropies have their own rules (LG001–LG008)
    produced = output_range(head, across_shapes=True)
    units = head.output_units
    softmax = _softmax_fix(head.reshaped)
    problem = fix = None
    if contract.output == "distribution" and units == 1:
        problem = (
            f"{loss.name} compares distributions over the classes, but the output has one unit: "
            "a distribution over one class holds no information, so training runs without an "
            "error and learns nothing (measured: KL divergence on one sigmoid unit, accuracy "
            "0.18 against 1.00 with softmax over the classes)"
        )
        fix = "give the output one unit per class with activation='softmax' (and one-hot labels)"
    elif (
        contract.output == "distribution" and produced == "probabilities" and contract.name == "kl_divergence"
    ):
        problem = (
            f"{loss.name} reads each output row as a distribution, but sigmoid rows do not sum to 1 "
            "and KL divergence does not renormalise them (measured: predict() rows summed to "
            "3.4–5.0; in Keras 3 accuracy fell to 0.46 against 1.00 with softmax)"
        )
        fix = softmax
    elif contract.output in ("distribution", "probabilities", "overlap") and produced in _PRODUCES:
        wanted = "probabilities" if contract.output != "distribution" else "rows of probabilities"
        activation = "softmax" if contract.output == "distribution" else "sigmoid"
        flattened_map = head.reshaped and contract.output == "distribution"
        add = softmax if flattened_map else f"add activation='{activation}' to the output layer"
        measured = (
            _FLATTENED_MAP
            if flattened_map
            else "Dice on a linear output, accuracy 0.88 against 1.00 with sigmoid"
        )
        problem = (
            f"{loss.name} expects {wanted}, but the output gives {_PRODUCES[produced]}: Keras clips "
            "the outputs into [0, 1] (or reads them as they are), so values outside it get no "
            f"useful gradient and the model learns worse (measured: {measured})"
        )
        option = f"pass from_logits=True to {contract.name}, or " if contract.has_from_logits else ""
        fix = f"{option}{add}"
    elif contract.output == "rate" and produced == "real":
        problem = (
            f"{loss.name} takes the logarithm of the output, but a linear output goes negative: the "
            "loss turns NaN and the weights with it (measured: NaN from the first epoch)"
        )
        fix = "use activation='softplus' (or 'exponential') on the output to predict a positive rate"
    elif contract.output == "cosine" and units == 1:
        problem = (
            f"{loss.name} compares directions over the last axis, but the output has one unit: the "
            "cosine of two numbers is only ±1, so the loss sees their signs and nothing else "
            "(measured: accuracy 0.23 against 1.00)"
        )
        fix = "use a loss that compares values (mean_squared_error), or an output of several units"
    elif contract.output == "logits" and produced == "non_negative":
        problem = (
            f"{loss.name} with from_logits=True reads the output as logits, but a "
            f"{head.activation_name} output cannot go below 0: half of every logit's range is "
            "missing, so the probabilities it stands for never fall below 0.5"
        )
        fix = "remove the activation from the output layer (linear logits)"
    if problem is None:
        return
    yield finding(
        "LG014",
        (f"output {head.describe()} at ", at(head.location), f", loss {loss.name}: {problem}"),
        loss.location,
        fix=fix,
        related=[(head.location, "output layer")],
    )


def _softmax_fix(reshaped: bool) -> str:
    """Where the softmax goes: on the output layer, or, when a Flatten/Reshape follows it, as a
    layer of its own after that (a softmax on the layer would span its channels, not the
    flattened axis the loss reads)."""
    if reshaped:
        return "add keras.layers.Activation('softmax') as the last layer, after the Flatten/Reshape"
    return "use activation='softmax' on the output"


# ----- LG030 (static): the labels ------------------------------------------------------------


def label_domain_problem(setup: TrainingSetup) -> tuple[str, str] | None:
    """What of the loss's label contract the labels break, and the fix: None when they fit or
    anything is unknown."""
    contract, labels = loss_contract(setup), setup.labels
    if contract is None or labels is None or setup.reconstructs_inputs:
        return None
    values = label_values(labels)
    if values is None or one_column_under_categorical_ce(setup):
        return None  # (one column under categorical cross-entropy: LG010's shape error)
    head = setup.head
    name = contract.name
    if values.kind == "discrete" and values.low == 0 and values.high is not None and 0 < values.high < 1:
        return _scaled_down(name, contract, values)
    if contract.labels == "zero_one" and outside_01(values):
        if values.kind == "class_ids" and name == "binary_crossentropy":
            return None  # LG010 names class ids into binary cross-entropy
        return (
            f"{name} reads the labels as probabilities in [0, 1], but they are {values.described}: "
            "the loss goes negative and training diverges without an error (measured: 0/255 "
            "masks with binary cross-entropy, accuracy 0.57 against 1.00 with 0/1 masks)",
            "scale the labels into [0, 1] (masks / 255, (y + 1) / 2), or use a regression loss "
            "for real targets",
        )
    if contract.labels == "distribution" and not contract.sparse:
        produced = output_range(head) if head is not None else None
        return _not_distribution(name, values, produced)
    if contract.labels == "signs" and _not_signs(values):
        return (
            f"{name} expects −1/+1 labels (0/1 are mapped to −1/+1), but they are "
            f"{values.described}: the margin is computed against the wrong targets and the "
            "model learns the wrong boundary without an error (measured: hinge on class ids "
            "0–4, accuracy 0.19 against 1.00; on real targets, MAE 20 against 2.9 with "
            "mean_squared_error)",
            "pass −1/+1 (or 0/1) labels, or use a regression loss for real targets",
        )
    units = head.output_units if head is not None else None
    if contract.labels == "one_hot" and values.kind in ("class_ids", "bits") and units == 1:
        return (
            f"{name} compares the output row with a one-hot row, but the labels are one column of "
            f"{values.described} on one output unit: the margin between the true class and the "
            "others has nothing to compare, and the model learns next to nothing (measured: "
            "accuracy 0.31–0.45 against 1.00 with one-hot rows on one unit per class)",
            "one-hot encode the labels (keras.utils.to_categorical) and give the output one unit per class",
        )
    if contract.labels == "one_hot" and values.kind in ("real", "distribution", "discrete"):
        if values.kind == "discrete" and values.low == 0 and values.high == 1:
            return None
        return (
            f"{name} expects one-hot 0/1 rows, but the labels are {values.described}: its margin "
            "between the true class and the best other one is computed against the wrong "
            "targets (measured: ±1 rows, accuracy 0.56 against 1.00 with one-hot rows)",
            "pass one-hot 0/1 rows (keras.utils.to_categorical)",
        )
    if contract.labels == "non_negative" and values.low is not None and values.low < 0:
        measured = (
            "Poisson on standardised targets, the loss fell below zero (−5.9) and the MAE was 0.56 "
            "against 0.09 with mean_squared_error"
            if name == "poisson"
            else "MSLE on standardised targets, MAE 0.50 against 0.09 with mean_squared_error"
        )
        return (
            f"{name} takes the logarithm of the targets (they must be ≥ 0), but the labels are "
            f"{values.described}: negative targets give NaN or a clipped, meaningless loss "
            f"(measured: {measured})",
            "use mean_squared_error for targets of both signs, or shift the targets to ≥ 0",
        )
    if contract.labels == "non_zero" and values.has_zero:
        return (
            f"{name} divides by each target, but the labels are {values.described}, so some are 0: "
            "their error is divided by ε (1e-7), the loss reaches millions and the model learns to "
            "predict 0 (measured: MAPE on 0/1 targets, loss 7·10⁶ and accuracy 0.48 against 1.00 "
            "with mean_absolute_error)",
            "use mean_absolute_error or mean_squared_error for targets that can be 0",
        )
    return None


def _scaled_down(name: str, contract: LossContract, values: LabelValues) -> tuple[str, str]:
    """Class ids or 0/1 labels divided like the images (``y / 255``)."""
    if contract.labels == "class_ids":
        effect = (
            "the sparse loss casts them back to integers, so every label becomes class 0 and the "
            "model learns to answer 0 (measured: accuracy 0.21 on five classes against 1.00)"
        )
    else:
        effect = "the model learns to output values near 0 where the labels meant 1"
    return (
        f"the labels were divided down to {values.described} (as the images are scaled): {effect}",
        "scale only the inputs: leave the labels as class ids (or 0/1 values)",
    )


def _not_signs(values: LabelValues) -> bool:
    if values.kind in ("real", "distribution"):
        return True
    if values.kind == "class_ids":
        return values.high is not None and values.high > 1
    if values.kind == "discrete":
        return not ({values.low, values.high} <= {-1.0, 0.0, 1.0})
    return False


def _not_distribution(name: str, values: LabelValues, produced: str | None) -> tuple[str, str] | None:
    if values.kind in ("one_hot", "distribution", "class_ids", "bits"):
        return None  # class ids and single 0/1 columns: LG010 / LG011 say what is wrong
    if values.kind == "multi_hot":
        if name == "categorical_crossentropy" and produced in ("distribution", "probabilities"):
            return None  # LG009 (softmax) / LG002 (sigmoid) name it
        detail = "multi-hot rows, which do not sum to 1"
    elif not outside_01(values):
        return None  # soft targets in [0, 1] (or random dummy data): the loss still trains sensibly
    else:
        detail = values.described
    return (
        f"{name} compares each label row with the output as distributions (rows of "
        f"probabilities that sum to 1), but the labels are {detail}: the loss is no longer a "
        "divergence, can go negative, and the model learns the wrong targets without an error "
        "(measured: KL divergence on multi-hot rows, per-label accuracy 0.34 against 0.99 with "
        "sigmoid and binary cross-entropy)",
        "pass one-hot or probability rows; for several labels per row use sigmoid with binary_crossentropy",
    )


def labels_break_loss(setup: TrainingSetup) -> bool:
    """LG030 speaks on this setup: the labels' values break the loss's contract."""
    return label_domain_problem(setup) is not None or any(True for _ in runtime_label_range(setup))


@rule("LG030", Needs(anchors=(TRAINING_CALL,), words=(w.CONTRACT_LOSS, w.LABEL_VALUES)))
def labels_out_of_range(setup: TrainingSetup) -> Iterator[Finding]:
    found = list(runtime_label_range(setup))
    if found:
        yield from found
        return
    labels, loss = setup.labels, setup.loss
    if (
        labels is None
        or loss is None
        or (labels.encoding is LabelEncoding.UNKNOWN and labels.min_value is None)
    ):
        return
    problem = label_domain_problem(setup)
    if problem is None:
        return
    text, fix = problem
    yield finding(
        "LG030",
        (f"labels from {labels.origin} (", at(labels.location), f"), loss {loss.name}: {text}"),
        labels.location,
        fix=fix,
        related=[(loss.location, loss.name)],
    )
