"""LG022–LG023: callbacks that watch a key Keras never logs, or watch it the wrong way round."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lossguard.facts import CallbackSpec, MetricSpec, TrainingSetup
from lossguard.findings import Autofix, Edit, Finding, Severity
from lossguard.keras.semantics import (
    early_stopping_maximises_auc,
    history_keys,
    may_be_keras3,
    only_keras3,
    proven_history_key,
)
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.registry import TRAINING_CALL, Needs, at, finding, rule, safe_fix, unsafe_fix

_ALWAYS_LOGGED = {"loss", "lr", "learning_rate"}
_HIGHER_IS_BETTER = re.compile(r"acc|auc|precision|recall|f1|fbeta|iou|dice|r2|top_k", re.I)
_LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|mape|msle|hinge|crossentropy|divergence", re.I)


def _rises(key: str) -> bool:
    """The key gets better as it rises (accuracy, AUC …), and is no loss or error."""
    return _HIGHER_IS_BETTER.search(key) is not None and not _LOWER_IS_BETTER.search(key)


def _logged_example(callback: CallbackSpec, keys: set[str], prefix: str) -> str:
    """A logged key that fits the callback's explicit mode: after mode='max', one that gets
    better as it rises (val_loss there would be minimised the wrong way round)."""
    if callback.mode_explicit and callback.mode == "max":
        rising = sorted(k for k in keys if _rises(k))
        if rising:
            return f"monitor='{prefix}{rising[0]}'"
        return f"monitor='{prefix}loss' with mode='min'"
    return f"monitor='{prefix}loss'"


def _logged_keys(setup: TrainingSetup) -> set[str] | None:
    """Every key the compiled metrics may be logged under, over the eras the script may run on."""
    if setup.metrics is None:
        return None
    keys = set(_ALWAYS_LOGGED)
    for metric in setup.metrics:
        if metric.log_name is None:
            return None
        keys.add(metric.log_name)
        written = metric.written.strip()
        if written[:1] in ("'", '"') and written[-1:] == written[:1]:
            keys |= history_keys(setup.keras, written[1:-1])  # a metric written as a string
    return keys


def _base_matches(base: str, keys: set[str]) -> bool:
    if base in keys:
        return True
    stripped = re.sub(r"_\d+$", "", base)  # tf.keras numbers repeated metric names: auc_1
    return stripped != base and stripped in keys


@rule("LG022", Needs(anchors=(TRAINING_CALL,), words=(w.CALLBACK,), version_dependent=True))
def monitor_key_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    fit = setup.fit
    if fit is None or setup.output_count != 1:
        return
    keys = _logged_keys(setup)
    for callback in fit.callbacks:
        reported = (
            list(_check_monitor(setup, callback, keys))
            or list(_check_numbered(setup, callback))
            or list(_check_vector(setup, callback, keys))
        )
        yield from reported
        if not any(f.autofix is not None and len(f.autofix.edits) > 1 for f in reported):
            yield from _check_template(setup, callback, keys)


def _key_fix(setup: TrainingSetup, key: str) -> Callable[..., Autofix | None]:
    """Safe when every Keras the script can run on logs the accuracy metric as ``key`` (the
    version named, installed, or proven by the script's own clues); unsafe when that rests on
    a guessed version (see keras.semantics.fix_eras)."""
    written = [m.written.strip("'\"") for m in setup.metrics or () if m.log_name in ("acc", "accuracy")]
    name = written[0] if written and written[0] in ("acc", "accuracy") else "accuracy"
    return safe_fix if proven_history_key(setup.keras, name) == key else unsafe_fix


def _check_numbered(setup: TrainingSetup, callback: CallbackSpec) -> Iterator[Finding]:
    """A metric object built in a loop (one model per fold) without a name: Keras numbers the
    second one 'auc_1', so a callback watching 'val_auc' never sees its key from then on."""
    base = callback.monitor.removeprefix("val_")
    for metric in setup.metrics or ():
        if not metric.in_loop or "name" in metric.given or metric.log_name != base or metric.cls is None:
            continue
        prefix = "val_" if callback.monitor.startswith("val_") else ""
        effect = _missing_key_effect(setup, callback, base, _silent_effect(setup, callback))
        yield finding(
            "LG022",
            f"{callback.kind}(monitor='{callback.monitor}') watches the default name of "
            f"{metric.written}, which is built anew in a loop: Keras numbers the second one, so "
            f"from the second model on it is logged as '{prefix}{base}_1' (measured in Keras 3 "
            f"and tf_keras) and '{callback.monitor}' is never logged there. {effect}",
            callback.location,
            fix=f"name the metric: {metric.cls}(name='{base}')",
            related=[(metric.location, "metric built in the loop")],
        )
        return


_PER_CLASS_METRICS = ("F1Score", "FBetaScore")  # average=None (the default): one score per class


def _per_class_metric(setup: TrainingSetup, base: str, keys: set[str] | None) -> MetricSpec | None:
    """The one compiled metric logged under ``base`` when it is an F-score of one value per
    class: written with its class, ``average`` left out or a literal None, no positional or
    starred arguments, on an output of more than one unit (one unit: a one-element array, which
    the callbacks compare without complaint). None when unsure."""
    head = setup.head
    if keys is None or base in _ALWAYS_LOGGED or head is None or (head.output_units or 0) < 2:
        return None
    named = [m for m in setup.metrics or () if m.log_name == base]
    strings = [
        k
        for m in setup.metrics or ()
        if m.cls is None
        for k in history_keys(setup.keras, m.written.strip("'\""))
    ]
    if len(named) != 1 or base in strings:
        return None
    metric = named[0]
    if metric.cls not in _PER_CLASS_METRICS or any(g.startswith("#") or g == "*" for g in metric.given):
        return None
    if "average" in metric.given and not (
        "average" in dict(metric.options) and metric.option("average") is None
    ):
        return None  # an average given (or not as a literal)
    return metric


def _check_vector(setup: TrainingSetup, callback: CallbackSpec, keys: set[str] | None) -> Iterator[Finding]:
    """A callback watching an F-score of one value per class: it compares arrays, which Python
    refuses (measured: Keras 3.15 and tf_keras 2.21)."""
    assert setup.fit is not None
    monitor = callback.monitor
    validation = monitor.startswith("val_")
    if callback.kind not in _CONSEQUENCE or (validation and setup.fit.has_validation is not True):
        return
    metric = _per_class_metric(setup, monitor.removeprefix("val_"), keys)
    if metric is None:
        return
    yield finding(
        "LG022",
        f"{callback.kind}(monitor='{monitor}') watches {metric.written}, which with average=None "
        f"(the default) logs one score per class, not one number: {_per_class_effect(setup, callback)} "
        "(measured in Keras 3 and tf_keras)",
        callback.location,
        fix=f"give the metric an average: {metric.cls}(average='macro') (or 'micro', 'weighted')",
        related=[(metric.location, "metric logged per class")],
    )


def _per_class_effect(setup: TrainingSetup, callback: CallbackSpec) -> str:
    """What the callback does with an array for its key: EarlyStopping and ReduceLROnPlateau
    compare it as a truth value, Keras 2 at the end of the first epoch (against the initial
    best), Keras 3 at the end of the second (the first value is kept as the best); Keras 3's
    ModelCheckpoint checks for a scalar and falls back to save_best_only=False."""
    error = "a ValueError ('The truth value of an array with more than one element is ambiguous')"
    if callback.kind == "ModelCheckpoint":
        fallback = (
            "only warns ('Can save best model only when `monitor` is a scalar value') and saves "
            "the model after every epoch, never picking the best"
        )
        if only_keras3(setup.keras):
            return f"save_best_only cannot rank them, so Keras 3 {fallback}"
        if may_be_keras3(setup.keras):
            return (
                f"save_best_only cannot rank them, so Keras 2 stops fit() with {error} at the end of "
                f"the first epoch and Keras 3 {fallback}"
            )
        return f"save_best_only cannot rank them, and fit() stops with {error} at the end of the first epoch"
    if only_keras3(setup.keras):
        return (
            f"fit() stops with {error} at the end of the second epoch, when it first compares two "
            "epochs' scores"
        )
    if may_be_keras3(setup.keras):
        return f"fit() stops with {error} at the end of the first epoch in Keras 2, the second in Keras 3"
    return f"fit() stops with {error} at the end of the first epoch"


def _renamed_keys(filepath: str, old: str, new: str) -> str:
    """The file name with ``{old…}`` / ``{val_old…}`` fields renamed (format specs kept)."""
    return re.sub(rf"\{{(val_)?{old}(?=[:!}}])", lambda m: "{" + (m.group(1) or "") + new, filepath)


def _template_edit(callback: CallbackSpec, old: str, new: str) -> Edit | None:
    if callback.filepath is None or callback.filepath_location is None:
        return None
    renamed = _renamed_keys(callback.filepath, old, new)
    return fixes.string(callback.filepath_location, renamed) if renamed != callback.filepath else None


def _check_template(setup: TrainingSetup, callback: CallbackSpec, keys: set[str] | None) -> Iterator[Finding]:
    """A ModelCheckpoint file name formatted with a key Keras never logs: fit() stops with a
    KeyError at the end of the first epoch (both Keras)."""
    assert setup.fit is not None
    if keys is None or not callback.template_keys:
        return
    for field in callback.template_keys:
        validation = field.startswith("val_")
        base = field[4:] if validation else field
        absent = not _base_matches(base, keys) or (validation and setup.fit.has_validation is False)
        if not absent:
            continue
        autofix = None
        fix = f"format the file name with a logged key, e.g. {{{'val_' if validation else ''}loss:.2f}}"
        if base == "acc" and "accuracy" in keys and "acc" not in keys:
            fix = "write {val_accuracy…} in the file name (or metrics=['acc'])"
            edit = _template_edit(callback, "acc", "accuracy")
            autofix = _key_fix(setup, "accuracy")("{val_accuracy} in the file name", edit)
        elif base == "accuracy" and "acc" in keys and "accuracy" not in keys:
            fix = "write {val_acc…} in the file name"
            edit = _template_edit(callback, "accuracy", "acc")
            autofix = _key_fix(setup, "acc")("{val_acc} in the file name", edit)
        yield finding(
            "LG022",
            f"ModelCheckpoint's file name {callback.filepath!r} is formatted with '{field}', which "
            f"is never logged under {setup.keras.label}: fit() stops with a KeyError ('Failed to "
            "format this callback filepath') at the end of the first epoch, after an epoch of "
            "training (measured in Keras 3 and tf_keras)",
            callback.filepath_location or callback.location,
            fix=fix,
            related=[(setup.compile_location, "compile() that defines the metrics")],
            autofix=autofix,
        )
        return


def _check_monitor(setup: TrainingSetup, callback: CallbackSpec, keys: set[str] | None) -> Iterator[Finding]:
    assert setup.fit is not None
    monitor = callback.monitor
    validation = monitor.startswith("val_")
    base = monitor[4:] if validation else monitor
    where = f"{callback.kind}(monitor='{monitor}')"
    silent = _silent_effect(setup, callback)
    if keys is not None and not _base_matches(base, keys):
        effect = _missing_key_effect(setup, callback, base, silent)
        prefix = "val_" if validation else ""
        if base == "acc" and "accuracy" in keys and "acc" not in keys:
            message = (
                f"{where} watches a key that is never logged: under {setup.keras.label} the "
                f"metric written 'accuracy' is logged as '{prefix}accuracy', not '{monitor}'. "
                f"{effect}"
            )
            fix = f"monitor='{prefix}accuracy' (or write metrics=['acc'])"
            edits = [fixes.string(callback.monitor_location, f"{prefix}accuracy")]
            if "acc" in {k.removeprefix("val_") for k in callback.template_keys}:
                edits.append(_template_edit(callback, "acc", "accuracy"))  # one fix: both, or neither
                fix += ", and {val_accuracy…} in its file name"
            autofix = _key_fix(setup, "accuracy")(f"monitor='{prefix}accuracy'", *edits)
        elif base == "accuracy" and "acc" in keys and "accuracy" not in keys:
            message = (
                f"{where} watches a key that is never logged: under {setup.keras.label} the "
                f"accuracy metric is logged as '{prefix}acc'. {effect}"
            )
            fix = f"monitor='{prefix}acc'"
            edits = [fixes.string(callback.monitor_location, f"{prefix}acc")]
            if "accuracy" in {k.removeprefix("val_") for k in callback.template_keys}:
                edits.append(_template_edit(callback, "accuracy", "acc"))
                fix += ", and {val_acc…} in its file name"
            autofix = _key_fix(setup, "acc")(f"monitor='{prefix}acc'", *edits)
        else:
            logged = ", ".join(sorted(k for k in keys if k not in ("lr", "learning_rate")))
            message = (
                f"{where} watches a key that is never logged: the compiled metrics log only "
                f"{logged} (and their val_ forms). {effect}"
            )
            fix = f"monitor one of the logged keys, e.g. {_logged_example(callback, keys, prefix)}"
            autofix = None
        yield finding(
            "LG022",
            message,
            callback.location,
            fix=fix,
            related=[(setup.compile_location, "compile() that defines the metrics")],
            autofix=autofix,
        )
        return
    if validation and setup.fit.has_validation is False:
        yield finding(
            "LG022",
            (
                f"{where} watches a validation key, but {setup.fit.method}() at ",
                at(setup.fit.location),
                f" gets no validation data: '{monitor}' is never logged. {silent}",
            ),
            callback.location,
            fix=f"pass validation_data=… or validation_split=… to fit(), or monitor '{base}' (training data)",
            related=[(setup.fit.location, f"{setup.fit.method}() without validation data")],
        )


def _silent_effect(setup: TrainingSetup, callback: CallbackSpec) -> str:
    """What the callback does when its key never comes (Keras only warns, every epoch)."""
    if callback.kind == "EarlyStopping":
        return "Training never stops early; Keras only warns, every epoch"
    if callback.kind == "ModelCheckpoint":
        if only_keras3(setup.keras):
            return (
                "save_best_only never finds its key, so Keras 3 saves the model after every epoch, "
                "not the best one"
            )
        if may_be_keras3(setup.keras):
            return (
                "save_best_only never finds its key: Keras 2 never saves a model, Keras 3 saves "
                "one after every epoch, never picking the best"
            )
        return "save_best_only never finds its key, so no model is ever saved; Keras only warns"
    if callback.kind == "ReduceLROnPlateau":
        return "The learning rate is never reduced; Keras only warns, every epoch"
    return "The callback never acts"


def _missing_key_effect(setup: TrainingSetup, callback: CallbackSpec, base: str, silent: str) -> str:
    """Keras 3 refuses a key it cannot tell the direction of when mode is 'auto'."""
    if callback.mode_explicit or base == "loss":
        return silent
    refusal = (
        "Keras 3 stops fit() before the first epoch with a ValueError: it cannot tell whether the "
        "key should rise or fall"
    )
    if only_keras3(setup.keras):
        return refusal
    if may_be_keras3(setup.keras):
        return f"{silent} ({refusal})"
    return silent


_CONSEQUENCE = {
    "EarlyStopping": "training stops once it has improved for `patience` epochs",
    "ModelCheckpoint": "save_best_only keeps the model of the worst epoch seen",
    "ReduceLROnPlateau": "the learning rate is cut while training improves",
}


@rule("LG023", Needs(anchors=(TRAINING_CALL,), words=(w.CALLBACK,), version_dependent=True))
def monitor_mode_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    if setup.fit is None:
        return
    for callback in setup.fit.callbacks:
        if not callback.mode_explicit:
            yield from _auto_mode(setup, callback)
            continue
        if callback.mode not in ("min", "max"):
            continue
        base = callback.monitor.removeprefix("val_")
        higher = _rises(base)
        lower = _LOWER_IS_BETTER.search(base) is not None
        wanted = "max" if higher else "min" if lower else None
        if wanted is None or wanted == callback.mode:
            continue
        consequence = _CONSEQUENCE.get(callback.kind, "the callback acts on the wrong epochs")
        yield finding(
            "LG023",
            f"{callback.kind}(monitor='{callback.monitor}', mode='{callback.mode}'): "
            f"'{callback.monitor}' gets better as it {'rises' if higher else 'falls'}. "
            f"mode='{callback.mode}' treats every improvement as getting worse: {consequence}",
            callback.location,
            severity=Severity.WARNING if callback.kind == "ReduceLROnPlateau" else Severity.ERROR,
            fix=f"mode='{wanted}' (or mode='auto')",
            autofix=safe_fix(f"mode='{wanted}'", fixes.string(callback.mode_location, wanted)),
        )


def _auto_mode(setup: TrainingSetup, callback: CallbackSpec) -> Iterator[Finding]:
    """mode='auto' before Keras 3 (Keras 2.2.4–2.3.1, tf.keras, tf_keras 2.21 ``callbacks.py``):
    a monitor is maximised only when its name contains 'acc' (ModelCheckpoint also 'fmeasure…',
    recent tf.keras EarlyStopping also '…auc'); Keras 3 asks the metric which way is better."""
    if callback.kind not in _CONSEQUENCE or may_be_keras3(setup.keras):
        return
    monitor = callback.monitor
    base = monitor.removeprefix("val_")
    higher = _rises(base)
    maximised = "acc" in monitor or (callback.kind == "ModelCheckpoint" and monitor.startswith("fmeasure"))
    if (
        callback.kind == "EarlyStopping"
        and base.endswith("auc")
        and early_stopping_maximises_auc(setup.keras) is not False
    ):
        return  # tf.keras ≥ 2.7 maximises it (or the version is not known)
    if not higher or maximised:
        return
    yield finding(
        "LG023",
        f"{callback.kind}(monitor='{monitor}') leaves mode='auto', which under "
        f"{setup.keras.label} maximises only names that contain 'acc': '{monitor}' gets better as "
        f"it rises but is minimised, so {_CONSEQUENCE[callback.kind]} (measured: tf_keras 2.21 "
        "ModelCheckpoint(monitor='val_auc', save_best_only=True) kept only epoch 1, AUC 0.48 where "
        "epoch 8 reached 0.89; Keras 3 asks the metric and gets it right)",
        callback.location,
        severity=Severity.WARNING if callback.kind == "ReduceLROnPlateau" else Severity.ERROR,
        fix="mode='max'",
        autofix=safe_fix("mode='max'", fixes.keyword(callback.location, "mode", "'max'")),
    )
