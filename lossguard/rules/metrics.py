"""LG020, LG021, LG024: metrics that do not measure the task."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from lossguard.facts import (
    Activation,
    LabelEncoding,
    LossKind,
    MetricKind,
    MetricSpec,
    OutputHead,
    TrainingSetup,
)
from lossguard.findings import Autofix, Edit, EditKind, Finding, Severity
from lossguard.keras import vocabulary as api
from lossguard.keras.loss_contracts import builtin_loss
from lossguard.keras.semantics import has_loss_and_metric_classes, loss_identity, resolve_bare_accuracy
from lossguard.keras.vocabulary import loss_key, metric_kind_from_name
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.registry import Needs, at, finding, metric_fix, rule, safe_fix, unsafe_fix


def _single_label_multiclass(setup: TrainingSetup) -> bool:
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is not None and head.units is not None and head.units <= 2:
        return False
    if labels is not None and (
        labels.encoding is LabelEncoding.MULTI_HOT
        or (labels.encoding is LabelEncoding.BINARY and labels.width in (None, 1))
    ):
        return False  # several labels per row, or one 0/1 column: binary accuracy is their metric
    if head is not None and head.activation is Activation.SOFTMAX and (head.units or 0) > 2:
        return True
    if labels is not None and labels.encoding is LabelEncoding.ONE_HOT:
        return (labels.width or labels.num_classes or 0) > 2
    if labels is not None and labels.encoding is LabelEncoding.INTEGER:
        return (labels.num_classes or 0) > 2
    return (
        loss is not None
        and loss.kind in (LossKind.CATEGORICAL_CE, LossKind.SPARSE_CATEGORICAL_CE)
        and head is not None
        and (head.units or 0) > 2
    )


@rule("LG020", Needs(words=(w.ACCURACY, w.BINARY_LOSS), version_dependent=True))
def ambiguous_accuracy(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, metrics = setup.head, setup.loss, setup.metrics
    if head is None or loss is None or not metrics or head.units is None:
        return
    bare = [m for m in metrics if m.kind is MetricKind.ACCURACY]
    if not bare or loss.kind is not LossKind.BINARY_CE or head.units <= 1:
        return
    labels = setup.labels.encoding if setup.labels else None
    target = setup.keras.label  # resolve_bare_accuracy is None when the script's eras disagree
    multi_label_head = head.activation is Activation.SIGMOID or (
        head.activation is Activation.LINEAR and loss.from_logits is True
    )
    logits = head.activation is Activation.LINEAR
    for metric in bare:
        actual = resolved_kind(metric) or resolve_bare_accuracy(
            setup.keras, loss_identity(loss), head.output_units, labels
        )
        if actual is MetricKind.BINARY_ACCURACY and _single_label_multiclass(setup):
            yield finding(
                "LG020",
                f"under {target}, metrics=[{metric.written}] with {loss.name} resolves to "
                f"binary_accuracy. It scores each of the {head.units} outputs separately, so on a "
                f"single-label task it reports {_zeros_share(head.units)} at chance level",
                metric.location,
                severity=Severity.ERROR,
                fix="write metrics=['categorical_accuracy'] (and use categorical_crossentropy)",
                related=[(loss.location, "binary cross-entropy loss")],
                autofix=_bare(metric, "categorical_accuracy"),
            )
        elif (
            actual in (MetricKind.CATEGORICAL_ACCURACY, MetricKind.SPARSE_CATEGORICAL_ACCURACY)
            and multi_label_head
            and (
                labels is LabelEncoding.MULTI_HOT
                or labels is LabelEncoding.CONTINUOUS  # real targets: a reconstruction, a denoiser
                # Unknown labels on two sigmoid units are as often one-hot cat/dog rows as tags.
                or (labels in (None, LabelEncoding.UNKNOWN) and head.units > 2)
            )
            and not (setup.labels is not None and setup.labels.one_hot_for(head.units))
        ):
            threshold = "threshold=0.0" if logits else ""
            if setup.reconstructs_inputs or labels is LabelEncoding.CONTINUOUS:
                task = (
                    f"that reconstructs the inputs ({setup.reconstruction})"
                    if setup.reconstructs_inputs
                    else f"trained on real-valued targets ({setup.labels.origin if setup.labels else '?'})"
                )
                yield finding(
                    "LG020",
                    (
                        f"under {target}, metrics=[{metric.written}] on the {head.describe()} output (",
                        at(head.location),
                        f") {task} with {loss.name} resolves to "
                        f"{actual.value}. It compares only the arg-max of the {head.units} outputs "
                        "with the arg-max of the targets, which says nothing about how close the "
                        "output is to them",
                    ),
                    metric.location,
                    fix="write metrics=['mae'] (the mean reconstruction error), or no metric",
                    related=[(head.location, "reconstruction output layer")],
                )
                continue
            yield finding(
                "LG020",
                (
                    f"under {target}, metrics=[{metric.written}] on the multi-label "
                    f"{head.describe()} output (",
                    at(head.location),
                    f") with {loss.name} resolves to {actual.value}. It compares only the arg-max "
                    f"of the {head.units} outputs, which is meaningless when several labels can "
                    "be true: it reads far below the per-label accuracy",
                ),
                metric.location,
                fix=(
                    f"write metrics=[keras.metrics.BinaryAccuracy({threshold}), "
                    "keras.metrics.AUC(multi_label=True" + (", from_logits=True" if logits else "") + ")]"
                ),
                related=[(head.location, "multi-label output layer")],
                autofix=None if logits else _bare(metric, "binary_accuracy"),
            )


def regression_evidence(setup: TrainingSetup) -> str | None:
    """Why the task is a regression (for the message), or None when the facts do not say so.

    Never by the loss alone: mse on a sigmoid head or on 0/1 targets (a least-squares classifier,
    a GAN's discriminator) is still a classifier, and Keras' 'accuracy' then measures something
    real. Evidence: targets known to be real values (a regression loader, arithmetic that makes
    reals, scaled targets) on a head that is not a softmax; a reconstruction (fit(x, x)) of more
    than one value; a linear/relu head whose compile also tracks a regression metric, or that is
    trained with a loss only regressions use (mae, mape, msle, Huber, log-cosh: not mse).
    """
    head, labels, loss = setup.head, setup.labels, setup.loss
    if head is None or loss is None or loss.kind is not LossKind.REGRESSION:
        return None
    if labels is not None and labels.encoding is LabelEncoding.CONTINUOUS:
        if head.activation is Activation.SOFTMAX and head.units != 1:
            return None  # soft targets (distributions): the arg-max accuracy is meaningful
        if setup.reconstructs_inputs:
            return f"a reconstruction of real-valued inputs ({labels.origin}, {setup.reconstruction})"
        return f"real-valued targets ({labels.origin})"
    if setup.reconstructs_inputs and ((head.units or 0) > 1 or _spatial(head)):
        return f"a reconstruction of its inputs ({setup.reconstruction})"
    if labels is not None and labels.encoding is not LabelEncoding.UNKNOWN:
        return None  # classes, known: a least-squares classifier
    tracked = [m for m in setup.metrics or () if m.kind is MetricKind.REGRESSION]
    unbounded = head.activation in (Activation.LINEAR, Activation.OTHER)
    output = head.activation_name or "linear"
    if tracked and unbounded:
        return f"an unbounded {output} output and the regression metric {tracked[0].written}"
    if unbounded and builtin_loss(loss.name) in _REGRESSION_ONLY:
        return f"an unbounded {output} output, trained with a loss made for real-valued targets"
    if setup.regression_score is not None and unbounded and head.output_units == 1:
        score = setup.regression_score
        if score == "KerasRegressor":
            return f"an unbounded {output} output built for KerasRegressor (a regression wrapper)"
        return f"an unbounded {output} output whose predictions the script scores with {score}()"
    return None


# Losses nobody trains a classifier with: mean squared error is also a least-squares
# classifier's, a GAN discriminator's and a reconstruction's, but the absolute, percentage,
# logarithmic, Huber and log-cosh errors are regression losses. On an unbounded output whose
# labels are not known to be classes, they say the task is a regression.
_REGRESSION_ONLY = frozenset(
    {
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "huber",
        "log_cosh",
    }
)


def _spatial(head: OutputHead) -> bool:
    """A convolution's output: many values per sample (an image), whatever its channels."""
    return api.UNIT_LAYERS.get(head.layer) == "filters"


def _accuracy_on_real_values(setup: TrainingSetup) -> str:
    """What the bare accuracy Keras picks from the output's last axis (in every version, for a
    regression loss) does with real-valued targets."""
    units = setup.head.output_units if setup.head is not None else None
    if units == 1 and setup.reconstructs_inputs:
        return (
            "Keras makes it binary accuracy: it rounds each output at 0.5 and counts the targets "
            "equal to the result, so only values that are exactly 0 or 1 count: on a "
            "reconstruction it is the share of zeros (the background), measured 0.645 where "
            "64.5 % of the values are 0, whatever the error"
        )
    if units == 1:
        return (
            "Keras makes it binary accuracy: it rounds each output at 0.5 and counts the targets "
            "equal to the result, which real values never are, so it stays near 0 (measured "
            "0.000) whatever the error"
        )
    if units is not None:
        return (
            "Keras makes it categorical accuracy: it only compares which of the "
            f"{units} outputs is largest with which target is largest (measured 0.86 on a "
            "reconstruction of mean error 0.017), which says nothing about the error"
        )
    return (
        "Keras makes it binary accuracy on one output (exact 0/1 matches: 0.000 on a regression) "
        "or categorical accuracy on several (which output is largest): neither says anything "
        "about the error"
    )


def resolved_kind(metric: MetricSpec) -> MetricKind | None:
    """The accuracy Keras actually built for a bare 'accuracy' (runtime facts only)."""
    if not metric.resolved:
        return None
    kind = metric_kind_from_name(metric.resolved)
    accuracies = (
        MetricKind.BINARY_ACCURACY,
        MetricKind.CATEGORICAL_ACCURACY,
        MetricKind.SPARSE_CATEGORICAL_ACCURACY,
    )
    return kind if kind in accuracies else None


@rule("LG021", Needs(words=(w.ACCURACY,)))
def metric_task_mismatch(setup: TrainingSetup) -> Iterator[Finding]:
    metrics, loss, labels = setup.metrics, setup.loss, setup.labels
    if not metrics:
        return
    integer_labels = (labels is not None and labels.encoding is LabelEncoding.INTEGER) or setup.sparse_loss
    one_hot_labels = (labels is not None and labels.encoding is LabelEncoding.ONE_HOT) or (
        loss is not None and loss.kind is LossKind.CATEGORICAL_CE
    )
    head_units = setup.head.units if setup.head else None
    for metric in metrics:
        message = fix = None
        autofix = None
        if metric.kind is MetricKind.BINARY_ACCURACY and _single_label_multiclass(setup):
            units = head_units or 0
            share = f" ({_zeros_share(units)} at chance)" if units > 2 else ""
            message = (
                f"{metric.written} on a single-label multi-class task. It scores every class "
                f"output separately, so the many correct zeros inflate it{share}"
            )
            fix = "use 'accuracy' or 'categorical_accuracy' (sparse_categorical_accuracy for integer labels)"
            autofix = _renamed_metric(metric, "accuracy", "Accuracy", safe=False)
        elif (
            metric.kind is MetricKind.CATEGORICAL_ACCURACY
            and integer_labels
            and (head_units is None or head_units > 1)
        ):
            message = (
                f"{metric.written} expects one-hot labels, but the labels are integer class "
                "indices. It compares the arg-max with the arg-max of a single number and "
                "reports a wrong value"
            )
            fix = "use 'sparse_categorical_accuracy' (or 'accuracy')"
            autofix = _renamed_metric(metric, "sparse_categorical_accuracy", "SparseCategoricalAccuracy")
        elif (
            metric.kind is MetricKind.TOP_K
            and integer_labels
            and not _sparse(metric)
            and (head_units or 2) > 1
            and not _every_class_in_top_k(metric, head_units)
        ):
            message = (
                f"{metric.written} expects one-hot labels, but the labels are integer class "
                "indices: a column of ids is broadcast across the outputs and the metric reports "
                "a wrong value (measured: top-2 accuracy 0.46 reported where it was 0.66)"
            )
            fix = "use 'sparse_top_k_categorical_accuracy' (SparseTopKCategoricalAccuracy)"
            autofix = _renamed_metric(
                metric, "sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"
            )
        elif metric.kind is MetricKind.TOP_K and one_hot_labels and not integer_labels and _sparse(metric):
            message = (
                f"{metric.written} expects integer labels, but the labels are one-hot: "
                "it reports a wrong value"
            )
            fix = "use 'top_k_categorical_accuracy' (TopKCategoricalAccuracy)"
            autofix = _renamed_metric(metric, "top_k_categorical_accuracy", "TopKCategoricalAccuracy")
        elif metric.kind is MetricKind.SPARSE_CATEGORICAL_ACCURACY and one_hot_labels and not integer_labels:
            message = (
                f"{metric.written} expects integer labels, but the labels are one-hot. It "
                "reports a wrong value"
            )
            fix = "use 'categorical_accuracy' (or 'accuracy')"
            autofix = _renamed_metric(metric, "categorical_accuracy", "CategoricalAccuracy")
        elif (
            metric.kind is MetricKind.ACCURACY
            and loss is not None
            and (evidence := regression_evidence(setup)) is not None
        ):
            message = (
                f"{metric.written} with the regression loss {loss.name} on {evidence}. "
                + _accuracy_on_real_values(setup)
            )
            fix = "use a regression metric: metrics=['mae'] or keras.metrics.RootMeanSquaredError()"
            autofix = _regression_metric(metric, setup)
        if message:
            name = setup.head.output_name if setup.head is not None else None
            if (setup.output_count or 1) > 1:
                where = f"the output '{name}'" if name else "one of the outputs"
                message += f" (on {where}: before Keras 3 a flat metric list is computed on every output)"
                fix = "give each output its own metrics: a dict by output name" + (
                    f", e.g. {{'{name}': ['mae'], …}}" if name else ""
                )
            yield finding(
                "LG021",
                message,
                metric.location,
                fix=fix,
                related=[(loss.location if loss else None, "loss")],
                autofix=autofix,
            )


@rule("LG024", Needs(words=(w.FROM_LOGITS, w.THRESHOLD_METRIC), version_dependent=True))
def threshold_metric_on_logits(setup: TrainingSetup) -> Iterator[Finding]:
    head, loss, metrics = setup.head, setup.loss, setup.metrics
    if head is None or loss is None or not metrics:
        return
    if head.activation is not Activation.LINEAR or loss.from_logits is not True:
        return
    if loss.kind is not LossKind.BINARY_CE:
        return
    labels = setup.labels.encoding if setup.labels else None
    for metric in metrics:
        fix = None
        keyword: tuple[str, str] | None = None
        bare_fix: Autofix | None = None
        if metric.kind is MetricKind.ACCURACY:
            resolved = resolved_kind(metric) or resolve_bare_accuracy(
                setup.keras, loss_identity(loss), head.output_units, labels
            )
            if resolved is MetricKind.BINARY_ACCURACY:
                fix = "metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)]"
                bare_fix = _thresholded_accuracy(setup, metric)
        elif metric.kind is MetricKind.BINARY_ACCURACY and _default_threshold(metric.threshold):
            fix = "keras.metrics.BinaryAccuracy(threshold=0.0)"
            keyword = ("threshold", "0.0")
        elif metric.kind in (MetricKind.PRECISION, MetricKind.RECALL) and _default_threshold(
            metric.threshold
        ):
            cls = "Precision" if metric.kind is MetricKind.PRECISION else "Recall"
            fix = f"keras.metrics.{cls}(thresholds=0.0)"
            keyword = ("thresholds", "0.0")
        elif metric.kind is MetricKind.AUC and metric.from_logits is False:
            fix = "keras.metrics.AUC(from_logits=True)"
            keyword = ("from_logits", "True")
        if fix is None:
            continue
        what = (
            f"{metric.written} places its thresholds in [0, 1]"
            if metric.kind is MetricKind.AUC
            else f"{metric.written} thresholds at 0.5"
        )
        yield finding(
            "LG024",
            (
                f"{what}, but the linear output ({head.describe()} at ",
                at(head.location),
                ") gives logits (from_logits=True at ",
                at(loss.location),
                "). The probability 0.5 is the logit 0.0: the metric uses another decision "
                "boundary than the model, and samples whose logit lies between the two are "
                "counted on the wrong side",
            ),
            metric.location,
            fix=f"use {fix}",
            related=[(head.location, "linear output layer"), (loss.location, "from_logits=True")],
            autofix=metric_fix(
                metric,
                safe_fix(f"use {fix}", fixes.keyword(metric.location, *keyword)) if keyword else bare_fix,
            ),
        )


def _thresholded_accuracy(setup: TrainingSetup, metric: MetricSpec) -> Autofix | None:
    """'accuracy' on logits → ``keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)``:
    the same key in the history (monitors keep working), the logits' boundary. Safe where the
    class exists in every Keras the file can target; written with the keras name it imports."""
    if setup.keras_alias is None or not _is_string(metric) or not has_loss_and_metric_classes(setup.keras):
        return None
    name = metric.written.strip("'\"")
    code = f'{setup.keras_alias}.metrics.BinaryAccuracy(name="{name}", threshold=0.0)'
    return safe_fix(
        f"use BinaryAccuracy(threshold=0.0) named '{name}'", fixes.literal_to_code(metric.location, code)
    )


def _bare(metric: MetricSpec, name: str) -> Autofix | None:
    """A metric written as a string becomes another string (a modelling choice: unsafe); the
    engine drops the fix where the metric is not written as a literal."""
    return metric_fix(metric, unsafe_fix(f"use metrics=['{name}']", fixes.string(metric.location, name)))


_LOSS_ALIASES = {"mae": ("mae", "meanabsoluteerror"), "mse": ("mse", "meansquarederror")}  # loss_key form


def _regression_metric(metric: MetricSpec, setup: TrainingSetup) -> Autofix | None:
    """'accuracy' → a regression metric that is neither the loss nor already tracked (no
    "mae", "mae" lists, no metric equal to the loss)."""
    taken = {loss_key(m.written) for m in setup.metrics or ()}
    if setup.loss is not None:
        taken.add(loss_key(setup.loss.name))
    for name, aliases in _LOSS_ALIASES.items():
        if not taken & set(aliases):
            return _bare(metric, name)
    return None


def _renamed_metric(metric: MetricSpec, name: str, cls: str, safe: bool = True) -> Autofix | None:
    """The metric the labels need, in the form it was written (a string or a class)."""
    if _is_string(metric):
        edit = fixes.string(metric.location, name)
    else:
        old = re.search(r"(?<![\w])([A-Z]\w*Accuracy)\b", metric.written)
        edit = Edit(metric.location, cls, EditKind.RENAME, old=old.group(1)) if old else None
    make = safe_fix if safe else unsafe_fix
    return metric_fix(metric, make(f"use {name}", edit))


def _every_class_in_top_k(metric: MetricSpec, units: int | None) -> bool:
    """Top-k with k at least the number of outputs counts every sample as a hit, whatever the
    labels: the label encoding changes nothing then (k is 5 unless written as a literal)."""
    if units is None:
        return False
    if _is_string(metric) or metric.written.rstrip().endswith("()"):
        k: object = 5
    else:
        k = metric.option("k")
    return isinstance(k, int) and k >= units


def _sparse(metric: MetricSpec) -> bool:
    return "sparse" in metric.written.lower()


def _is_string(metric: MetricSpec) -> bool:
    return re.fullmatch(r"\w+", metric.written.strip("'\"")) is not None and "(" not in metric.written


def _zeros_share(units: int) -> str:
    """What a per-output binary accuracy reads on one-hot rows when every output says 0."""
    return f"about {round(100 * (1 - 1 / units))} %"


def _default_threshold(threshold: float | None) -> bool:
    return threshold is None or (not math.isnan(threshold) and abs(threshold - 0.5) < 1e-9)
