"""The probe's result JSON (``protocol.py``) → the same facts the static extractor produces.

TensorFlow-free: tested on recorded harness results. A result the harness could not complete
becomes an LG901 ``Diagnostic``; a training step that failed becomes one to report only when no
rule explains it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lossguard.facts import (
    Activation,
    CallbackSpec,
    Diagnostic,
    FitSpec,
    KerasTarget,
    LabelEncoding,
    LabelSpec,
    Location,
    LossKind,
    LossSpec,
    MetricKind,
    MetricSpec,
    ModuleFacts,
    Observed,
    OutputHead,
    RuntimeObservation,
    Source,
    TrainingSetup,
)
from lossguard.keras.heads import LayerInfo, head_from_chain
from lossguard.keras.semantics import KERAS3, VersionError, parse_target
from lossguard.keras.vocabulary import activation_from_name, loss_kind_from_name, metric_kind_from_name
from lossguard.probe.protocol import VERSION, HarnessResult

PROBE_FIX = "make the script runnable without its data (or with a small sample), or run without --probe"
SETUP_FIX = "the probe failed before your script ran: check its TensorFlow/Keras install and --probe-device"


def _rescaled_probabilities(
    chain: list[LayerInfo], in_unit_range: bool, row_error: float | None
) -> OutputHead | None:
    """A softmax/sigmoid layer followed by layers we cannot read (a Lambda, a custom layer), when
    the model's outputs are observed to be no longer probabilities: those layers rescale them."""
    for index in range(len(chain) - 1, -1, -1):
        layer = chain[index]
        if layer.activation is None or not layer.activation.is_probability:
            continue
        head = head_from_chain(chain[: index + 1], Source.RUNTIME)
        after = chain[index + 1 :]
        softmax_broken = layer.activation is Activation.SOFTMAX and (row_error is None or row_error > 1e-3)
        if head is None or not after or (in_unit_range and not softmax_broken):
            return None
        return replace(head, after=tuple(a.kind for a in after), after_location=after[-1].location)
    return None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class _Builder:
    def __init__(self, path: str, result: Mapping[str, Any], text: str = "") -> None:
        self.path = path
        self.result = result
        self.lines = text.split("\n")
        fit_line = result.get("fit_line") or 1
        self.fit_location = self.at(fit_line)
        self.compile_location = self.at(result.get("compile_line") or fit_line)

    def at(self, line: int | None) -> Location:
        line = line or (self.result.get("fit_line") or 1)
        code = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        column = len(code) - len(code.lstrip()) + 1
        return Location(self.path, line, column, line, max(column, len(code.rstrip()) + 1))

    def target(self) -> KerasTarget:
        try:
            return parse_target(str(self.result.get("keras", "3")))
        except VersionError:
            return KERAS3

    def head(self, source: dict[str, Any] | None = None) -> OutputHead | None:
        """The head of the single output (``source=None``) or of one entry of ``heads``."""
        if source is None and self.result.get("output_count") != 1:
            return None
        data = source if source is not None else self.result
        chain = []
        for layer in data.get("chain", []):
            activation = layer.get("activation")
            chain.append(
                LayerInfo(
                    layer["kind"],
                    self.at(layer.get("line")),
                    layer.get("units"),
                    activation_from_name(activation) if activation is not None else None,
                    activation_name=activation,
                )
            )
        low, high = _number(data.get("output_min")), _number(data.get("output_max"))
        row_error = _number(data.get("row_sum_error"))
        in_unit_range = low is not None and high is not None and low >= -1e-6 and high <= 1 + 1e-6
        head = head_from_chain(chain, Source.RUNTIME)
        if head is None:
            return _rescaled_probabilities(chain, in_unit_range, row_error)
        trailing = str(self.result.get("trailing_op") or "").lower() if source is None else ""
        if trailing:
            applied = activation_from_name(trailing)
            activation = applied if applied.is_probability else Activation.UNKNOWN
            return replace(head, activation=activation)
        softmax_rows = (head.units or 0) > 1 and row_error is not None and row_error < 1e-3
        if head.activation is Activation.LINEAR and in_unit_range and softmax_rows:
            # Rows of probabilities summing to 1 out of a layer without an activation: an op we do
            # not see (tf.nn.softmax in a subclassed call()) made them; observed, so it is known.
            return replace(head, activation=Activation.SOFTMAX)
        if head.activation.is_probability and not head.after and not in_unit_range:
            return replace(head, activation=Activation.UNKNOWN)  # something we did not see rescales
        return head

    def loss(self, loss: dict[str, Any] | None = None) -> LossSpec | None:
        loss = loss if loss is not None else self.result.get("loss")
        if not loss or loss.get("multiple"):
            return None
        name = loss.get("class") or loss.get("name") or ""
        module = loss.get("module", "")
        if (loss.get("function") or loss.get("class")) and not module.startswith(("keras", "tf_keras")):
            return LossSpec(LossKind.OTHER, name, self.compile_location, None, Source.RUNTIME)
        kind = loss_kind_from_name(name)
        if kind is LossKind.UNKNOWN:
            return None
        from_logits = loss.get("from_logits")
        return LossSpec(
            kind,
            name,
            self.compile_location,
            from_logits if isinstance(from_logits, bool) else None,
            Source.RUNTIME,
        )

    def metrics(self, count: int | None) -> tuple[MetricSpec, ...] | None:
        written = self.result.get("metrics_written")
        if written is None or count != 1:
            return None
        resolved = self.result.get("metrics_resolved") or []
        specs = []
        for index, metric in enumerate(written):
            actual = resolved[index] if index < len(resolved) else {}
            name = metric.get("class") or metric.get("written") or ""
            module = metric.get("module", "")
            custom = (metric.get("function") or metric.get("class")) and not module.startswith(
                ("keras", "tf_keras")
            )
            kind = MetricKind.OTHER if custom else metric_kind_from_name(name.rstrip("()"))
            if metric.get("class") == "Accuracy":
                kind = MetricKind.OTHER
            threshold = _number(metric.get("threshold"))
            if metric.get("class") in ("Precision", "Recall") and not metric.get("thresholds_default"):
                threshold = threshold if threshold is not None else float("nan")
            resolved_kind = actual.get("class") or ""
            if resolved_kind in ("MeanMetricWrapper", "") and actual.get("function"):
                resolved_kind = actual["function"]
            specs.append(
                MetricSpec(
                    kind,
                    repr(metric["written"])
                    if metric.get("class") is None and not metric.get("function")
                    else metric["written"],
                    self.compile_location,
                    log_name=actual.get("name") or metric.get("name"),
                    threshold=threshold,
                    from_logits=metric.get("from_logits")
                    if isinstance(metric.get("from_logits"), bool)
                    else None,
                    resolved=resolved_kind or None,
                    source=Source.RUNTIME,
                )
            )
        return tuple(specs)

    def labels(self) -> LabelSpec | None:
        labels = self.result.get("labels")
        if not labels:
            return None
        synthetic = bool(self.result.get("labels_synthetic"))
        classes_known = bool(self.result.get("labels_classes_known", True))
        try:
            encoding = LabelEncoding(labels.get("encoding", "unknown"))
        except ValueError:
            encoding = LabelEncoding.UNKNOWN
        width = labels.get("width")
        origin = "a synthetic batch (the data was missing)" if synthetic else "the first batch"
        if not classes_known:
            return LabelSpec(encoding, origin, self.fit_location, synthetic=True, source=Source.RUNTIME)
        return LabelSpec(
            encoding,
            origin,
            self.fit_location,
            num_classes=width if encoding is LabelEncoding.ONE_HOT else None,
            width=width,
            min_value=_number(labels.get("min")),
            max_value=_number(labels.get("max")),
            synthetic=synthetic,
            source=Source.RUNTIME,
            rank=labels.get("rank"),
        )

    def fit(self) -> FitSpec:
        callbacks = tuple(
            CallbackSpec(
                cb["kind"],
                cb["monitor"],
                cb.get("mode", "auto"),
                self.at(cb.get("line")),
                monitor_explicit=True,
                mode_explicit=cb.get("mode", "auto") in ("min", "max"),
                source=Source.RUNTIME,
            )
            for cb in self.result.get("callbacks", [])
        )
        return FitSpec(
            self.result.get("method", "fit"),
            self.fit_location,
            self.result.get("has_validation"),
            callbacks,
            Source.RUNTIME,
            class_weight=self.fit_location if self.result.get("class_weight") else None,
        )

    def setup(self) -> TrainingSetup:
        count = self.result.get("output_count")
        return TrainingSetup(
            path=self.path,
            model_name=None,
            keras=self.target(),
            head=self.head(),
            loss=self.loss(),
            metrics=self.metrics(count),
            labels=self.labels(),
            fit=self.fit(),
            output_count=count,
            compile_location=self.compile_location,
            observation=RuntimeObservation(
                output_min=_number(self.result.get("output_min")),
                output_max=_number(self.result.get("output_max")),
                output_row_sum_max_error=_number(self.result.get("row_sum_error")),
                loss_value=_number(self.result.get("loss_value")),
                loss_error=self.result.get("step_error"),
                synthetic_batch=bool(self.result.get("labels_synthetic")),
                input_non_finite=bool(self.result.get("input_non_finite")),
                device=self.result.get("device"),
            ),
            source=Source.RUNTIME,
        )

    def output_setups(self) -> list[TrainingSetup]:
        """One setup per output of a multi-output model, each with its own loss."""
        heads = self.result.get("heads") or []
        losses = self.result.get("losses")
        by_name = self.result.get("losses_by_name")
        shared = self.result.get("loss")
        setups = []
        for index, data in enumerate(heads):
            if isinstance(losses, list):
                loss_data = losses[index] if index < len(losses) and len(losses) == len(heads) else None
            elif isinstance(by_name, dict):
                loss_data = by_name.get(str(data.get("name")))
            else:
                loss_data = shared if shared and not shared.get("multiple") else None
            head = self.head(data)
            if head is not None and data.get("name"):
                head = replace(head, output_name=str(data["name"]))
            setups.append(
                TrainingSetup(
                    path=self.path,
                    model_name=None,
                    keras=self.target(),
                    head=head,
                    loss=self.loss(loss_data) if loss_data else None,
                    fit=self.fit(),
                    output_count=len(heads),
                    compile_location=self.compile_location,
                    observation=RuntimeObservation(
                        output_min=_number(data.get("output_min")),
                        output_max=_number(data.get("output_max")),
                        device=self.result.get("device"),
                    ),
                    source=Source.RUNTIME,
                )
            )
        return setups


def setups_from_result(path: str, result: Mapping[str, Any], text: str = "") -> list[TrainingSetup]:
    builder = _Builder(path, result, text)
    if (result.get("output_count") or 1) > 1 and result.get("heads"):
        return builder.output_setups()
    return [builder.setup()]


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TF_LOG = re.compile(
    r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]|WARNING: All log messages before absl"
    r"|To enable the following instructions|Killed$|Segmentation fault|Aborted)"  # the last: a shell's words
)


def clean_log(text: str) -> str:
    """The script's own output: no terminal colour codes, no TensorFlow/absl log lines."""
    lines = _ANSI.sub("", text).splitlines()
    return "\n".join(line for line in lines if not _TF_LOG.match(line))


def _user_frames(trace: list[str]) -> list[str]:
    """The traceback without the probe's own and runpy's frames (each frame: File line + code)."""
    kept: list[str] = []
    skip = False
    for line in trace:
        stripped = line.strip()
        if stripped.startswith("File "):
            skip = "lossguard/probe/" in stripped or "runpy.py" in stripped
        if stripped.startswith("Traceback"):
            continue
        if not skip:
            kept.append(line)
    return kept


def _probe_failed(path: str, result: Mapping[str, Any], script: str | None = None) -> Diagnostic:
    trace = [
        line for line in clean_log(str(result.get("traceback", ""))).strip().splitlines() if line.strip()
    ]
    error = " ".join(clean_log(str(result.get("error", ""))).split())
    tail = _user_frames(trace)[-3:]
    if tail and tail[-1].strip() == error.strip():
        tail = tail[:-1]
    line = 1
    script = script or str(Path(path).resolve())
    for text in reversed(trace):
        if text.strip().startswith("File ") and f'"{script}"' in text:
            try:
                line = int(text.split("line ")[1].split(",")[0])
                break
            except (IndexError, ValueError):
                continue
    message = f"the probe could not reach fit(): {error or 'unknown reason'}"
    if tail:
        message += " | " + " / ".join(t.strip() for t in tail)
    fix = SETUP_FIX if result.get("stage") == "import" else PROBE_FIX
    return Diagnostic("LG901", message, Location(path, line, 1, line, 1), fix)


def observed(path: str, result: HarnessResult, text: str = "", script: str | None = None) -> Observed:
    """Facts and diagnostics from one harness result."""
    if result.get("status") == "ok" and result.get("version") != VERSION:
        failure = {"error": f"the probe's child spoke protocol {result.get('version')}, not {VERSION}"}
        return Observed(None, (_probe_failed(path, failure, script),))
    if result.get("status") != "ok":
        return Observed(None, (_probe_failed(path, dict(result), script),))
    setups = setups_from_result(path, result, text)
    unexplained = None
    if result.get("step_error"):
        failed = _probe_failed(
            path, {"error": f"the training step failed on the probe's batch: {result['step_error']}"}
        )
        fit = setups[0].fit
        unexplained = replace(failed, location=fit.location) if fit is not None else failed
    # What the probe did instead of what the script asked (no downloads, no writes, made-up data):
    # said to the user next to the findings it may explain.
    notes = tuple(n for n in result.get("notes", []) if isinstance(n, str))
    return Observed(ModuleFacts(path, tuple(setups), keras=setups[0].keras, notes=notes), (), unexplained)
