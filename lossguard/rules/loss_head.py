"""LG001–LG007: the output layer and the loss do not fit together."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import Activation, LabelEncoding, LossKind, TrainingSetup
from lossguard.findings import Autofix, Finding, Part, Severity
from lossguard.keras.semantics import tensorflow_compensates_from_logits
from lossguard.keras.vocabulary import NON_PROBABILITY_ACTIVATIONS
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.registry import MODEL_CALL, Needs, at, finding, rule, sentence, unsafe_fix


def _head_text(setup: TrainingSetup) -> tuple[Part, ...]:
    assert setup.head is not None
    name = f" '{setup.head.output_name}'" if setup.head.output_name else ""
    return (f"output{name} ({setup.head.describe()} at ", at(setup.head.location), ")")


def _loss_text(setup: TrainingSetup) -> tuple[Part, ...]:
    assert setup.loss is not None
    return (f"{setup.loss.name} (", at(setup.loss.location), ")")


_RECONSTRUCTION_FIX = "use activation='sigmoid' on the output layer for inputs scaled to [0, 1]"


@rule("LG001", Needs(words=(w.SOFTMAX_HEAD, w.BINARY_LOSS)))
def softmax_with_binary_crossentropy(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss = setup.head, setup.loss
    if head is None or loss is None:
        return
    if head.activation is not Activation.SOFTMAX or loss.kind is not LossKind.BINARY_CE:
        return
    if head.units == 1:
        return  # LG003 says what is wrong there
    if setup.reconstructs_inputs:
        yield finding(
            "LG001",
            (
                "softmax ",
                _head_text(setup),
                f" reconstructs the inputs ({setup.reconstruction}) and is trained with ",
                _loss_text(setup),
                ". Softmax makes the outputs sum to 1, so the model cannot reproduce an input "
                "whose values sum to anything else",
            ),
            loss.location,
            fix=_RECONSTRUCTION_FIX,
            related=[(head.location, "softmax output layer")],
            autofix=unsafe_fix("use activation='sigmoid'", fixes.string(head.activation_location, "sigmoid")),
        )
        return
    detail = (
        "binary cross-entropy scores each unit as its own yes/no question while softmax makes "
        "them compete: the model still learns, but less well, and its loss is not the "
        "categorical one"
    )
    if head.units == 2:
        detail = (
            "with two softmax units this equals categorical cross-entropy, but it says "
            "something else and a bare 'accuracy' may be resolved as binary accuracy"
        )
    elif head.units is None:
        detail = (
            "the number of units is not known here; with two it equals categorical "
            "cross-entropy under another name, with more it trains the wrong objective"
        )
    yield finding(
        "LG001",
        ("softmax ", _head_text(setup), " is trained with ", _loss_text(setup), f". {sentence(detail)}"),
        loss.location,
        fix=(
            "use loss='categorical_crossentropy' (one-hot labels) or "
            "'sparse_categorical_crossentropy' (integer labels); for two classes, "
            "Dense(1, activation='sigmoid') with 'binary_crossentropy'"
        ),
        related=[(head.location, "softmax output layer")],
        autofix=_loss_for_labels(setup),
    )


def _loss_for_labels(setup: TrainingSetup) -> Autofix | None:
    """The categorical loss that fits the labels, when their encoding is known."""
    assert setup.loss is not None
    encoding = setup.labels.encoding if setup.labels is not None else None
    kind = {
        LabelEncoding.ONE_HOT: LossKind.CATEGORICAL_CE,
        LabelEncoding.INTEGER: LossKind.SPARSE_CATEGORICAL_CE,
        LabelEncoding.BINARY: LossKind.SPARSE_CATEGORICAL_CE,
    }.get(encoding)  # type: ignore[arg-type]
    if kind is None:
        return None
    name = fixes.LOSS_NAMES[kind][0]
    return unsafe_fix(f"use {name} (the labels are {encoding})", fixes.switch_loss(setup.loss, kind))


@rule("LG002", Needs(words=(w.SIGMOID_HEAD, w.CATEGORICAL_LOSS)))
def sigmoid_with_categorical_crossentropy(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss = setup.head, setup.loss
    if head is None or loss is None or head.activation is not Activation.SIGMOID:
        return
    if loss.kind not in (LossKind.CATEGORICAL_CE, LossKind.SPARSE_CATEGORICAL_CE):
        return
    if head.units == 1 and loss.kind is LossKind.CATEGORICAL_CE:
        severity = Severity.ERROR
        consequence = (
            "Categorical cross-entropy divides the outputs by their sum, and one output divided "
            "by itself is 1: the loss is exactly 0 at every step and nothing is learned"
        )
    elif head.units == 1:
        severity = Severity.ERROR
        consequence = (
            "A sparse categorical loss needs one output per class: with one unit, label 1 is out "
            "of range and training stops at the first step (InvalidArgumentError on CPU; on GPU "
            "the loss can turn NaN instead)"
        )
    else:
        severity = Severity.WARNING
        consequence = (
            "Categorical cross-entropy divides the outputs by their sum, so the model still "
            "trains, but predict() returns independent sigmoid scores whose rows need not sum "
            "to 1: probabilities and thresholds read from them mean nothing"
        )
    autofix = None
    if head.units == 1:
        fix = "use loss='binary_crossentropy' with the Dense(1, activation='sigmoid') output"
        autofix = unsafe_fix("use binary_crossentropy", fixes.switch_loss(loss, LossKind.BINARY_CE))
    else:
        fix = (
            "use activation='softmax' for one label per sample, or keep sigmoid with "
            "loss='binary_crossentropy' for multi-label targets"
        )
        if loss.kind is LossKind.SPARSE_CATEGORICAL_CE:  # class ids: one label per sample
            fix = "use activation='softmax' on the output (the labels are one class id per sample)"
            autofix = unsafe_fix(
                "use activation='softmax'", fixes.string(head.activation_location, "softmax")
            )
    yield finding(
        "LG002",
        ("sigmoid ", _head_text(setup), " is trained with ", _loss_text(setup), f". {consequence}"),
        loss.location,
        severity=severity,
        fix=fix,
        related=[(head.location, "sigmoid output layer")],
        autofix=autofix,
    )


@rule("LG003", Needs(anchors=(MODEL_CALL,), words=(w.SOFTMAX_HEAD,)))
def single_unit_softmax(setup: TrainingSetup) -> Iterator[Finding]:
    head = setup.head
    if head is None or head.activation is not Activation.SOFTMAX or head.units != 1:
        return
    yield finding(
        "LG003",
        (
            _head_text(setup),
            " applies softmax to a single unit. Softmax over one value is always 1.0: predict() "
            "returns 1.0 for every input, so the model predicts the same class whatever it "
            "learned: accuracy stays at that class's share, whatever the loss shows",
        ),
        head.activation_location or head.location,
        fix=(
            "use Dense(1, activation='sigmoid') with loss='binary_crossentropy', or "
            "Dense(2, activation='softmax') with a categorical loss"
        ),
        related=[(setup.loss.location if setup.loss else None, "loss")],
        autofix=_single_unit_sigmoid(setup),
    )


def _single_unit_sigmoid(setup: TrainingSetup) -> Autofix | None:
    """Dense(1, softmax) → Dense(1, sigmoid), with binary cross-entropy when the loss was categorical."""
    head, loss = setup.head, setup.loss
    assert head is not None
    activation = fixes.string(head.activation_location, "sigmoid")
    if loss is None or loss.kind is LossKind.BINARY_CE:
        return unsafe_fix("use activation='sigmoid'", activation) if loss is not None else None
    if loss.kind in (LossKind.CATEGORICAL_CE, LossKind.SPARSE_CATEGORICAL_CE):
        return unsafe_fix(
            "use activation='sigmoid' with binary_crossentropy",
            activation,
            fixes.switch_loss(loss, LossKind.BINARY_CE),
        )
    return None


@rule("LG004", Needs(words=(w.FROM_LOGITS, w.PROBABILITY_HEAD)))
def from_logits_on_probabilities(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss = setup.head, setup.loss
    if head is None or loss is None or loss.from_logits is not True:
        return
    if not head.activation.is_probability or head.after:
        return
    backend = (
        "the TensorFlow backend warns and quietly uses the pre-activation values (training is "
        "unchanged); the JAX and PyTorch backends apply the loss to the probabilities as if "
        "they were logits, which flattens the gradients"
        if not tensorflow_compensates_from_logits(setup.keras)
        else "TensorFlow warns and uses the cached pre-activation values, other code paths "
        "(custom training loops, exported models) squash the probabilities a second time"
    )
    if loss.wrapper is not None and "_with_logits" in loss.name:
        backend = (
            "the TensorFlow function applies its own sigmoid/softmax to the probabilities (Keras "
            "cannot substitute the pre-activation values here), which flattens the gradients"
        )
    yield finding(
        "LG004",
        (
            _loss_text(setup),
            f" sets from_logits=True, but the {head.activation.value} ",
            _head_text(setup),
            f" already outputs probabilities. {sentence(backend)}",
        ),
        loss.location,
        fix=(
            f"remove activation='{head.activation.value}' from the output layer (keep "
            "from_logits=True), or drop from_logits=True"
        ),
        related=[(head.location, f"{head.activation.value} output layer")],
    )


@rule("LG005", Needs(words=(w.CROSSENTROPY_LOSS,)))
def missing_from_logits(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss = setup.head, setup.loss
    if head is None or loss is None or head.activation is not Activation.LINEAR:
        return
    if loss.kind not in (
        LossKind.BINARY_CE,
        LossKind.CATEGORICAL_CE,
        LossKind.SPARSE_CATEGORICAL_CE,
        LossKind.AUTO_CE,
    ):
        return
    if loss.from_logits is not False:
        return
    activation = "sigmoid" if loss.kind is LossKind.BINARY_CE else "softmax"
    cls = {
        LossKind.BINARY_CE: "BinaryCrossentropy",
        LossKind.CATEGORICAL_CE: "CategoricalCrossentropy",
        LossKind.SPARSE_CATEGORICAL_CE: "SparseCategoricalCrossentropy",
        LossKind.AUTO_CE: "CategoricalCrossentropy",
    }[loss.kind]
    if loss.kind is LossKind.BINARY_CE:
        severity = Severity.WARNING
        consequence = (
            "Keras clips the raw values into [0, 1] for the loss, so outputs beyond it get no "
            "gradient: the model can still separate easy classes, but predict() returns no "
            "probabilities and the loss it reports says little"
        )
    else:
        severity = Severity.ERROR
        consequence = (
            "Keras reads the raw values as probabilities (divided by their sum or clipped into "
            "[0, 1]), so the loss no longer measures the logits and the model fails to learn"
        )
    yield finding(
        "LG005",
        (
            _head_text(setup),
            " has no activation, so it outputs logits, but ",
            _loss_text(setup),
            f" expects probabilities (from_logits is False). {consequence}",
        ),
        loss.location,
        severity=severity,
        fix=(
            f"loss=keras.losses.{cls}(from_logits=True), or add activation='{activation}' to the output layer"
        ),
        related=[(head.location, "linear output layer")],
        autofix=_probability_output(setup, activation),
    )


def _probability_output(setup: TrainingSetup, activation: str) -> Autofix | None:
    """The output made to give the probabilities the loss expects: ``activation='sigmoid'``
    (or 'softmax') added to the layer. Right in every Keras version, and metrics that threshold
    at 0.5 keep measuring the same thing (``from_logits=True`` would move the boundary to 0 and
    make LG024); a head written in another file or whose activation is not a plain literal: no
    fix."""
    head = setup.head
    assert head is not None
    if head.location.path != setup.path or head.reshaped or head.after:
        return None
    message = f"use activation='{activation}' on the output layer"
    if head.activation_location is None:
        if head.layer not in ("Dense", "EinsumDense"):
            return None
        return unsafe_fix(message, fixes.keyword(head.location, "activation", f'"{activation}"'))
    return unsafe_fix(message, fixes.string(head.activation_location, activation))


@rule("LG008", Needs(words=(w.CROSSENTROPY_LOSS, w.NEITHER_ACTIVATION)))
def non_probability_output(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss = setup.head, setup.loss
    if head is None or loss is None or head.activation is not Activation.OTHER:
        return
    name = (head.activation_name or "").lower()
    if name not in NON_PROBABILITY_ACTIVATIONS or not (
        loss.kind.is_crossentropy or loss.kind is LossKind.AUTO_CE
    ):
        return
    binary = loss.kind is LossKind.BINARY_CE
    severity = Severity.WARNING if binary else Severity.ERROR
    if loss.from_logits is True and name in ("tanh", "softsign"):
        consequence = (
            f"It reads the outputs as logits, but {name} keeps them within [-1, 1]: no prediction "
            "can become confident, so the loss cannot get small"
        )
    elif loss.from_logits is True:
        consequence = (
            f"It reads the outputs as logits, but {name} keeps them (almost) non-negative: the "
            "probability of a class never falls much below its neighbours', a sigmoid's never "
            "below 0.5" + ("" if binary else ", and the model learns poorly")
        )
    elif binary:
        consequence = (
            f"It expects probabilities in [0, 1], but {name} outputs other values: Keras clips "
            "them for the loss, so the model can learn, but predict() returns no probabilities. "
            "from_logits=True cannot fix it: they are no logits either"
        )
    else:
        consequence = (
            f"It expects probabilities, but {name} outputs other values: Keras divides them by "
            "their sum (0 when every unit is 0, so the loss turns NaN) or clips them, and the "
            "model fails to learn. from_logits=True cannot fix it: they are no logits either"
        )
    one = head.units == 1
    fix = (
        "end the model with activation='sigmoid'"
        + (" (one unit, two classes)" if one else "")
        + " or 'softmax' (one unit per class), or with no activation and from_logits=True"
    )
    task = ""
    if setup.reconstructs_inputs:  # an autoencoder: no classes
        task = f" to reconstruct its inputs ({setup.reconstruction})"
        consequence = consequence.replace(
            "predict() returns no probabilities", "its reconstructions can leave [0, 1]"
        )
        fix = _RECONSTRUCTION_FIX
    yield finding(
        "LG008",
        (
            _head_text(setup),
            f" ends in {name} and is trained{task} with ",
            _loss_text(setup),
            f". {consequence}",
        ),
        loss.location,
        severity=severity,
        fix=fix,
        related=[(head.location, f"{name} output layer")],
    )


@rule("LG006", Needs(anchors=(MODEL_CALL,), words=(w.PROBABILITY_HEAD, w.RESCALING_LAYER)))
def layer_after_output_activation(setup: TrainingSetup) -> Iterator[Finding]:
    head = setup.head
    if head is None or not head.after or not head.activation.is_probability:
        return
    layers = ", ".join(head.after)
    yield finding(
        "LG006",
        (
            f"{layers} comes after the {head.activation.value} output ({head.describe()} at ",
            at(head.location),
            "). It rescales the probabilities: the outputs leave [0, 1] and their rows stop "
            "summing to 1, so the loss is computed on the wrong numbers and training degrades",
        ),
        head.after_location or head.location,
        fix=(
            f"remove the {layers} after the output layer, or move it before the "
            f"Dense layer with activation='{head.activation.value}'"
        ),
        related=[(head.location, f"the {head.activation.value} layer meant as the output")],
    )


@rule("LG007", Needs(words=(w.BINARY_LOSS, w.ONE_HOT_LABELS)))
def binary_crossentropy_on_multiclass(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, labels = setup.head, setup.loss, setup.labels
    if head is None or loss is None or labels is None or loss.kind is not LossKind.BINARY_CE:
        return
    if head.activation is Activation.SOFTMAX or head.activation is Activation.UNKNOWN:
        return  # softmax: LG001 reports it
    if not labels.one_hot_for(head.units):
        return
    if setup.metrics == ():
        return  # trained one-vs-all and nothing reports a number: the loss sweep measures it right
    classes = labels.width or labels.num_classes or head.units
    if head.units is None or head.units <= 2 or classes is None or classes <= 2:
        return
    logits = loss.from_logits is True
    yield finding(
        "LG007",
        (
            _loss_text(setup),
            f" trains {head.units} independent yes/no outputs on one-hot single-label targets "
            f"({labels.origin}, ",
            at(labels.location),
            "). The model still learns, but on a one-vs-all objective: its predict() rows need "
            "not sum to 1, and binary accuracy counts the many easy zeros (about 0.8 even at "
            "chance with five classes)",
        ),
        loss.location,
        fix=(
            "use keras.losses.CategoricalCrossentropy(from_logits=True) for this linear output"
            if logits and head.activation is Activation.LINEAR
            else "use Dense(n, activation='softmax') with loss='categorical_crossentropy'"
        ),
        related=[(head.location, "output layer"), (labels.location, "one-hot labels")],
    )
