"""How each Keras line resolves what the user wrote: the one place that knows versions.

Each table entry names the Keras source it was checked against:

* Keras 2.2.4 (multi-backend), ``keras/engine/training.py``, ``compile`` → ``handle_metrics``:
  a bare ``'accuracy'``/``'acc'`` becomes ``binary_accuracy`` when the output has 1 unit **or the
  loss is** ``losses.binary_crossentropy``; ``sparse_categorical_accuracy`` for sparse CCE; else
  ``categorical_accuracy``. The logged name is always ``acc``; other string metrics log under
  the function's ``__name__`` (``'mae'`` → ``mean_absolute_error``).
* Keras 2.3.1, ``keras/engine/training_utils.py`` ``get_metric_function``: the same choice (now
  also for a ``BinaryCrossentropy`` object); ``get_metric_name`` keeps the string as written,
  so ``'accuracy'`` logs as ``accuracy``. tf.keras 2.0/2.1 has the same ``get_metric_function``.
* tf.keras ≥ 2.2, tf_keras and Keras 3 (``keras/src/trainers/compile_utils.py``
  ``get_metric`` / ``is_binary_or_sparse_categorical``): chosen from shapes only: 1-unit output
  → binary; labels of lower rank, or last dim 1 with units > 1 → sparse categorical; else
  categorical. The metric logs under the string as written.

The installed version is read with ``importlib.metadata`` — never by importing Keras.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from lossguard.facts import KerasTarget, LabelEncoding, LossKind, LossSpec, MetricKind
from lossguard.keras import eras as era

KERAS3 = KerasTarget("keras3", (3,), "Keras 3")
ASSUMED_KERAS3 = KerasTarget(
    "keras3", (3,), "Keras 3 (assumed: no Keras installed)", assumed=True, guessed=True
)

# Keras ≤ 2.2 logs string metrics under the function's __name__ (keras 2.2.4 metrics.py).
_KERAS22_FUNCTION_NAMES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "cosine": "cosine_proximity",
}


class VersionError(ValueError):
    """A --keras-version / keras-version value that cannot be understood."""


def _numbers(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts[:3])


def parse_target(spec: str) -> KerasTarget:
    """Understand ``3``, ``3.15``, ``2.3``, ``2.2.4``, ``2.15``, ``tf2.1``, ``tf_keras-2.15``.

    A bare ``2.x`` with x ≤ 3 is the multi-backend Keras 2.x; 2.4 … 2.15 were tf.keras wrappers.
    ``tf``/``tensorflow`` prefixes name a TensorFlow version (tf.keras of that release).
    """
    text = spec.strip().lower()
    version = _numbers(text)
    if not version or not re.fullmatch(r"[a-z_.\-]*\d+(\.\d+){0,2}", text):
        raise VersionError(f"cannot understand Keras version {spec!r}; write e.g. 3, 2.15, 2.3 or tf2.1")
    prefix = re.match(r"[a-z_.\-]*", text)
    kind = prefix.group(0).strip("-_=") if prefix else ""
    if kind in ("tf", "tensorflow", "tf.keras"):
        _known(version, "tensorflow", spec)
        return _tensorflow_target(version)
    if kind in ("tf_keras", "tf-keras"):
        if version[0] != 2:
            raise VersionError(f"unknown tf_keras version {spec!r}: tf_keras is versioned 2.x")
        return KerasTarget("tf.keras", version, f"tf_keras {_dotted(version)}")
    if kind not in ("", "keras"):
        raise VersionError(f"cannot understand Keras version {spec!r}: unknown prefix {kind!r}")
    _known(version, "keras", spec)
    return _keras_target(version)


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version)


# Released lines: Keras 1–3 (multi-backend up to 2.3, then tf.keras wrappers to 2.15, Keras 3),
# TensorFlow 1–2. A version beyond them is a typo, not a Keras lossguard knows.
_KNOWN_MAJOR = {"keras": (1, 2, 3), "tensorflow": (1, 2)}


def _known(version: tuple[int, ...], family: str, spec: str) -> None:
    if version[0] not in _KNOWN_MAJOR[family] or (
        family == "keras" and version[:2] > (2, 15) and version[0] == 2
    ):
        raise VersionError(
            f"unknown Keras version {spec!r}: lossguard knows Keras 1–3 and TensorFlow 1–2; "
            "write e.g. 3, 2.15, 2.3 or tf2.1"
        )


def _keras_target(version: tuple[int, ...]) -> KerasTarget:
    if version[0] >= 3:
        return KerasTarget("keras3", version, f"Keras {_dotted(version)}")
    if version[0] == 2 and len(version) > 1 and version[1] >= 4:
        return KerasTarget("tf.keras", version, f"Keras {_dotted(version)} (tf.keras)")
    return KerasTarget("keras2", version, f"Keras {_dotted(version)}")


def _tensorflow_target(version: tuple[int, ...]) -> KerasTarget:
    if version >= (2, 16):
        return KerasTarget("keras3", (3,), f"Keras 3 (TensorFlow {_dotted(version)})")
    return KerasTarget("tf.keras", version, f"tf.keras (TensorFlow {_dotted(version)})")


def _installed(name: str) -> tuple[int, ...] | None:
    from importlib import metadata  # only when detecting: keeps start-up light

    try:
        return _numbers(metadata.version(name)) or None
    except metadata.PackageNotFoundError:
        return None


def detect_installed() -> KerasTarget:
    """The Keras a script here would get, from distribution metadata only (not said by the
    user, so ``assumed``: a script written for an older Keras overrides it, see for_script)."""
    found = _detect_installed()
    if found.assumed:
        return found
    return replace(found, label=f"{found.label} (installed)", assumed=True)


def _detect_installed() -> KerasTarget:
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")
    tf_keras = _installed("tf-keras") or _installed("tf_keras")
    if legacy and tf_keras:
        return KerasTarget("tf.keras", tf_keras, f"tf_keras {_dotted(tf_keras)}")
    keras = _installed("keras")
    if keras:
        return _keras_target(keras)
    for name in ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos"):
        tf = _installed(name)
        if tf:
            return _tensorflow_target(tf)
    if tf_keras:
        return KerasTarget("tf.keras", tf_keras, f"tf_keras {_dotted(tf_keras)}")
    return ASSUMED_KERAS3


def resolve_target(cli: str | None, config: str | None) -> KerasTarget:
    """``--keras-version`` wins, then ``[tool.lossguard] keras-version``, then what is installed
    (which a file's project pin replaces, see ``pinned_target``)."""
    for spec in (cli, config):
        if spec:
            return parse_target(str(spec))
    return detect_installed()


def pinned_target(spec: str, source: str) -> KerasTarget | None:
    """The Keras a project's requirements pin (``pipeline/pins.py``), named after its source
    ("keras==2.3.1 in requirements.txt"); None for a version lossguard does not know. Not said
    by the user: ``assumed``, so a script whose API contradicts it is read by its API."""
    try:
        pinned = parse_target(spec)
    except VersionError:
        return None  # a typo, a future release: no pin
    return replace(pinned, label=f"{pinned.label}, {source}", assumed=True, pinned=True)


def accuracy_follows_loss(target: KerasTarget) -> bool:
    """Keras ≤ 2.3 and tf.keras ≤ 2.1 pick the accuracy from the loss, not from shapes."""
    if target.line == "keras2":
        return True
    return target.line == "tf.keras" and target.version < (2, 2)


def eras_of(target: KerasTarget) -> frozenset[str]:
    """The eras the script may run on: one, unless its clues left several (keras/eras.py)."""
    return target.eras or frozenset({era.era_of(target.line, target.version)})


def binary_accuracy_may_round(target: KerasTarget) -> bool:
    """Whether binary accuracy may compare the labels with the outputs *rounded* to whole
    numbers (multi-backend Keras 2.2.4 and 2.3.1 ``metrics.py``: ``K.equal(y_true,
    K.round(y_pred))`` at the default threshold; TensorFlow 1's tf.keras too, in its
    ``keras/_impl`` layout: ``math_ops.round``) rather than thresholded to 0/1 (tf.keras 2.6
    ``metrics.py``, Keras 3). Possible too where the version rests on nothing but the installed
    Keras: a script of any year may import ``keras``."""
    return bool(era.TENSORFLOW1 & eras_of(target)) or only_installed(target)


def only_installed(target: KerasTarget) -> bool:
    """Nothing but the installed Keras (or the guess of Keras 3) says which Keras the script
    targets: no --keras-version or configuration, no project pin, no clue in the script."""
    return target.assumed and not target.pinned and not target.clue_eras


def may_be_keras3(target: KerasTarget) -> bool:
    return era.KERAS3 in eras_of(target)


def only_keras3(target: KerasTarget) -> bool:
    return eras_of(target) == {era.KERAS3}


def early_stopping_maximises_auc(target: KerasTarget) -> bool | None:
    """EarlyStopping's mode='auto' maximises a key ending in 'auc' since tf.keras 2.7 (keras
    2.7.0 ``callbacks.py``: endswith 'acc', 'accuracy' or 'auc'); before, only keys containing
    'acc' (keras 2.2.4, 2.3.1, 2.6.0). None where the eras span the change."""
    eras = eras_of(target)
    older = eras & (era.ALL - {era.TF22, era.KERAS3})
    if era.TF22 in eras and not target.eras:  # one tf.keras 2.2–2.15 release: its number decides
        return target.version >= (2, 7)
    if not older:
        return True
    return False if older == eras else None


def loss_identity(loss: LossSpec) -> LossKind:
    """The loss as Keras ≤ 2.3 compares it when it picks an accuracy: by identity, so a function
    of the script that wraps binary cross-entropy is not ``losses.binary_crossentropy`` there."""
    return LossKind.OTHER if loss.wrapper is not None else loss.kind


def resolve_bare_accuracy(
    target: KerasTarget,
    loss: LossKind | None,
    units: int | None,
    labels: LabelEncoding | None,
) -> MetricKind | None:
    """The accuracy a bare ``'accuracy'`` becomes; None when the facts do not tell, or when the
    eras the script may run on resolve it differently."""
    found = {_resolve_in(e, loss, units, labels) for e in eras_of(target)}
    return found.pop() if len(found) == 1 else None


def _resolve_in(
    where: str, loss: LossKind | None, units: int | None, labels: LabelEncoding | None
) -> MetricKind | None:
    if where in era.ACCURACY_FROM_LOSS:
        if units == 1 or loss is LossKind.BINARY_CE:
            return MetricKind.BINARY_ACCURACY
        if loss is LossKind.SPARSE_CATEGORICAL_CE:
            return MetricKind.SPARSE_CATEGORICAL_ACCURACY
        if loss in (LossKind.CATEGORICAL_CE, LossKind.REGRESSION, LossKind.OTHER) or (
            units is not None and units > 1
        ):
            return MetricKind.CATEGORICAL_ACCURACY
        return None
    if units == 1:
        return MetricKind.BINARY_ACCURACY
    if units is None:
        return None
    if labels in (LabelEncoding.INTEGER, LabelEncoding.BINARY):
        return MetricKind.SPARSE_CATEGORICAL_ACCURACY
    return MetricKind.CATEGORICAL_ACCURACY


def history_key(target: KerasTarget, written: str) -> str | None:
    """The key a metric written as a string is logged under (without ``val_``); the name as
    written when the eras the script may run on log it differently (see ``history_keys``)."""
    keys = history_keys(target, written)
    return next(iter(keys)) if len(keys) == 1 else written.strip()


def history_keys(target: KerasTarget, written: str) -> frozenset[str]:
    """Every key a metric written as a string may be logged under, over the script's eras."""
    return frozenset(_key_in(e, written) for e in eras_of(target))


def _key_in(where: str, written: str) -> str:
    name = written.strip()
    if name.lower() in ("accuracy", "acc"):
        return "acc" if where in era.LOGS_ACC else name
    if name.lower() in ("crossentropy", "ce"):
        return "ce" if where in era.LOGS_ACC else name
    if where in (era.KERAS1, era.KERAS20):
        return _KERAS22_FUNCTION_NAMES.get(name, name)
    return name


def fix_eras(target: KerasTarget) -> frozenset[str]:
    """The eras a fix must be right in to be safe: the script's own, when the version was named
    or is installed; when Keras 3 is only a guess (nothing installed — a pre-commit hook, CI),
    every era the script's clues allow (all of them when it has none)."""
    if target.guessed:
        return target.clue_eras or era.ALL
    return eras_of(target)


def proven_history_key(target: KerasTarget, written: str) -> str | None:
    """The key a metric written as a string is logged under in every era a fix must be right in
    (None: it differs between them, so a key fix depends on a guessed version)."""
    keys = {_key_in(e, written) for e in fix_eras(target)}
    return keys.pop() if len(keys) == 1 else None


def has_loss_and_metric_classes(target: KerasTarget) -> bool:
    """``keras.losses.BinaryCrossentropy``, ``keras.metrics.BinaryAccuracy`` exist (Keras 2.3 and
    tf.keras on; multi-backend Keras 2.2.5 and older have only the functions)."""
    return not (fix_eras(target) & {era.KERAS1, era.KERAS20})


def same_resolution(a: KerasTarget, b: KerasTarget) -> bool:
    """Do two Keras versions resolve a bare 'accuracy' and name history keys alike?"""
    return (
        a.line == b.line
        and accuracy_follows_loss(a) == accuracy_follows_loss(b)
        and history_key(a, "accuracy") == history_key(b, "accuracy")
    )


def tensorflow_compensates_from_logits(target: KerasTarget) -> bool:
    """TF backend uses the cached pre-activation logits when from_logits=True on softmax."""
    return target.line != "keras3"


_ERA_NAMES = {
    era.KERAS1: "Keras 1",
    era.KERAS20: "Keras 2.0–2.2",
    era.KERAS23: "Keras 2.3",
    era.TF1: "tf.keras (TensorFlow 1)",
    era.TF20: "tf.keras 2.0–2.1",
    era.TF22: "tf.keras 2.2–2.15",
    era.KERAS3: "Keras 3",
}
_ERA_TARGETS = {
    era.KERAS1: ("keras2", (1,)),
    era.KERAS20: ("keras2", (2, 2)),
    era.KERAS23: ("keras2", (2, 3)),
    era.TF1: ("tf.keras", (1, 15)),
    era.TF20: ("tf.keras", (2, 1)),
    era.TF22: ("tf.keras", (2, 15)),
    era.KERAS3: ("keras3", (3,)),
}
_ORDER = list(_ERA_NAMES)


def for_script(target: KerasTarget, text: str) -> KerasTarget:
    """A target the user did not name, weighed against the script's own clues (keras/eras.py):
    kept when the clues allow it, else the eras the clues allow — decided when one is left (or
    all agree on a question), uncertain otherwise."""
    if not target.assumed:
        return target
    eras, evidence = era.clues_in(text)
    if not evidence:
        return target
    if era.era_of(target.line, target.version) in eras:
        return replace(target, clue_eras=eras, evidence=evidence)
    said = ", ".join(evidence)
    if len(eras) == 1:
        (only,) = eras
        line, version = _ERA_TARGETS[only]
        label = f"{_ERA_NAMES[only]} (the script uses {said})"
        return KerasTarget(line, version, label, assumed=True, eras=eras, evidence=evidence, clue_eras=eras)
    names = ", ".join(_ERA_NAMES[e] for e in _ORDER if e in eras)
    newest = max(eras, key=_ORDER.index)
    line, version = _ERA_TARGETS[newest]
    return KerasTarget(
        line,
        version,
        f"an older Keras ({names}: the script uses {said}; set --keras-version)",
        assumed=True,
        uncertain=True,
        eras=eras,
        evidence=evidence,
        clue_eras=eras,
    )


def for_snippet(target: KerasTarget) -> KerasTarget:
    """A snippet without imports could have been written for any Keras: uncertain unless the
    user named the version."""
    if not target.assumed:
        return target
    return KerasTarget(
        target.line,
        target.version,
        "an unknown Keras (a snippet without imports; set --keras-version)",
        assumed=True,
        uncertain=True,
        eras=era.ALL,
    )
