"""The probe's parent side: run the harness in a child process and merge what it saw.

This module never imports TensorFlow: the child (``harness.py``) does. Its JSON becomes the same
``TrainingSetup`` facts the static extractor produces, the same rules run over them, and a
problem seen by both sides is reported once with ``source: both``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from lossguard.engine import CheckOptions, Report, in_cell
from lossguard.facts import (
    Activation,
    CallbackSpec,
    FitSpec,
    KerasTarget,
    LabelEncoding,
    LabelSpec,
    Location,
    LossKind,
    LossSpec,
    MetricKind,
    MetricSpec,
    OutputHead,
    RuntimeObservation,
    Source,
    TrainingSetup,
)
from lossguard.findings import FileResult, Finding, Severity
from lossguard.heads import LayerInfo, head_from_chain
from lossguard.keras_semantics import KERAS3, VersionError, parse_target
from lossguard.rules import RULES
from lossguard.static.keras_api import activation_from_name, loss_kind_from_name, metric_kind_from_name
from lossguard.static.sources import SourceError, SourceText, read_source

MEMORY_LIMIT_BYTES = int(os.environ.get("LOSSGUARD_PROBE_MEMORY_GB", "16")) * 2**30
_FIT_WORDS = (b".fit(", b".fit_generator(", b".train_on_batch(")


class ProbeUnavailable(Exception):
    """TensorFlow/Keras is not installed: the probe cannot run (a usage error)."""


def ensure_available() -> None:
    if importlib.util.find_spec("tensorflow") is None or (
        importlib.util.find_spec("keras") is None and importlib.util.find_spec("tf_keras") is None
    ):
        raise ProbeUnavailable(
            "--probe needs TensorFlow and Keras in this environment: pip install 'lossguard[probe]' "
            "(or run without --probe for the static checks)"
        )


# ----- running the child -------------------------------------------------------------------------


def _gpu_present() -> bool:
    return Path("/dev/nvidia0").exists() or Path("/dev/nvidiactl").exists()


def _limits(device: str) -> Any:
    def apply() -> None:
        try:
            import resource

            if device == "cpu" or not _gpu_present():
                resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
        except (ImportError, ValueError, OSError):
            pass

    return apply


def run_harness(
    script: Path, timeout: float, device: str = "auto", folder: Path | None = None
) -> dict[str, Any]:
    """Run one script under the harness; always returns a result dict (never raises).

    ``folder`` is the directory the script belongs to (a notebook's, when the script is the
    notebook's code written to a temporary file): it goes first on the child's ``sys.path``.
    """
    environment = dict(os.environ)
    if folder is not None:
        environment["LOSSGUARD_PROBE_FOLDER"] = str(folder.resolve())
    environment["TF_CPP_MIN_LOG_LEVEL"] = "2"
    environment["PYTHONWARNINGS"] = "ignore"
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    environment["PYTHONPATH"] = package_root + os.pathsep + environment.get("PYTHONPATH", "")
    environment["LOSSGUARD_PROBE_DEVICE"] = device
    if device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = "-1"
    with tempfile.TemporaryDirectory(prefix="lossguard-probe-") as workdir:
        output = Path(workdir) / "result.json"
        command = [sys.executable, "-m", "lossguard.probe.harness", str(script.resolve()), str(output)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
            preexec_fn=_limits(device) if os.name == "posix" else None,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return {"status": "timeout", "error": f"the script did not reach fit() within {timeout:g} s"}
        if output.exists():
            try:
                return json.loads(output.read_text(encoding="utf-8"))
            except ValueError:
                pass
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-6:]
        reason = f"exit status {process.returncode}"
        if process.returncode and process.returncode < 0:
            reason = f"killed by signal {-process.returncode} (out of memory?)"
        return {
            "status": "crashed",
            "error": f"the probe process ended ({reason})",
            "traceback": "\n".join(tail),
        }


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.communicate()


# ----- JSON → facts ------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class _Builder:
    def __init__(self, path: str, result: dict[str, Any], text: str = "") -> None:
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
                )
            )
        head = head_from_chain(chain, Source.RUNTIME)
        if head is None:
            return None
        trailing = str(self.result.get("trailing_op") or "").lower() if source is None else ""
        if trailing:
            applied = activation_from_name(trailing)
            activation = applied if applied.is_probability else Activation.UNKNOWN
            return replace(head, activation=activation)
        low, high = _number(data.get("output_min")), _number(data.get("output_max"))
        row_error = _number(data.get("row_sum_error"))
        in_unit_range = low is not None and high is not None and low >= -1e-6 and high <= 1 + 1e-6
        softmax_rows = (head.units or 0) > 1 and row_error is not None and row_error < 1e-3
        if head.activation is Activation.LINEAR and in_unit_range and softmax_rows:
            return replace(head, activation=Activation.UNKNOWN)  # an op after the layer normalises
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


def setup_from_result(path: str, result: dict[str, Any], text: str = "") -> TrainingSetup:
    return _Builder(path, result, text).setup()


def setups_from_result(path: str, result: dict[str, Any], text: str = "") -> list[TrainingSetup]:
    builder = _Builder(path, result, text)
    if (result.get("output_count") or 1) > 1 and result.get("heads"):
        return builder.output_setups()
    return [builder.setup()]


def runtime_findings(
    path: str, result: dict[str, Any], options: CheckOptions, text: str = "", script: str | None = None
) -> list[Finding]:
    """Findings from one harness result (LG901 when the script never reached fit)."""
    status = result.get("status")
    if status != "ok":
        return [_probe_failed(path, result, script)]
    setups = setups_from_result(path, result, text)
    setup = setups[0]
    findings: list[Finding] = []
    for info in RULES.values():
        if info.func is None or info.subject != "setup" or not options.settings.enabled(info.code, path):
            continue
        for each in setups:
            for finding in info.func(each):
                findings.append(replace(finding, source=Source.RUNTIME, message=_lines(finding.message)))
    if result.get("step_error") and not any(f.severity is Severity.ERROR for f in findings):
        failed = _probe_failed(
            path, {"error": f"the training step failed on the probe's batch: {result['step_error']}"}
        )
        findings.append(replace(failed, location=setup.fit.location if setup.fit else failed.location))
    return findings


def _lines(message: str) -> str:
    return message.replace("line ?", "line unknown")


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


def _probe_failed(path: str, result: dict[str, Any], script: str | None = None) -> Finding:
    info = RULES["LG901"]
    trace = [line for line in str(result.get("traceback", "")).strip().splitlines() if line.strip()]
    error = str(result.get("error", ""))
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
    message = f"the probe could not reach fit(): {result.get('error', 'unknown reason')}"
    if tail:
        message += " | " + " / ".join(t.strip() for t in tail)
    return Finding(
        "LG901",
        info.name,
        info.severity,
        message,
        Location(path, line, 1, line, 1),
        fix="make the script runnable without its data (or with a small sample), or run without --probe",
        source=Source.RUNTIME,
    )


# ----- merging -----------------------------------------------------------------------------------


def _statement_spans(text: str) -> list[tuple[int, int]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(
            node,
            ast.FunctionDef
            | ast.ClassDef
            | ast.AsyncFunctionDef
            | ast.If
            | ast.For
            | ast.While
            | ast.With
            | ast.Try,
        ):
            spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def _span_of(line: int, spans: list[tuple[int, int]]) -> tuple[int, int]:
    best = (line, line)
    for start, end in spans:
        if start <= line <= end and (best == (line, line) or end - start < best[1] - best[0]):
            best = (start, end)
    return best


def merge(static: list[Finding], runtime: list[Finding], text: str) -> list[Finding]:
    """One finding per problem: a runtime finding whose code and statement match a static one
    marks it ``both``; the rest are added."""
    spans = _statement_spans(text)
    merged = list(static)
    for finding in runtime:
        places = [finding.location.line] + [r.location.line for r in finding.related]
        windows = [_span_of(line, spans) for line in places]
        match = None
        for index, existing in enumerate(merged):
            if existing.code != finding.code or existing.source is Source.RUNTIME:
                continue
            lines = [existing.location.line] + [r.location.line for r in existing.related]
            if any(start <= line <= end for line in lines for start, end in windows):
                match = index
                break
        if match is not None:
            merged[match] = replace(merged[match], source=Source.BOTH)
        elif not any(f.code == finding.code and f.location.line == finding.location.line for f in merged):
            merged.append(finding)
    merged.sort(key=Finding.sort_key)
    return merged


def probe_report(report: Report, options: CheckOptions, *, timeout: float, device: str) -> Report:
    """Run the probe on every checked script or notebook that calls fit(); merge its findings."""
    ensure_available()
    results = []
    for result in report.results:
        path = result.path
        if result.error is not None or not path.endswith((".py", ".ipynb")):
            results.append(result)
            continue
        try:
            data = Path(path).read_bytes()
            source = read_source(path, data)
        except (OSError, SourceError):
            results.append(result)
            continue
        if b"keras" not in data or not any(word in data for word in _FIT_WORDS):
            results.append(result)
            continue
        if any(f.code == "LG900" for f in result.findings):
            results.append(result)
            continue
        found = _probe_one(path, source, options, timeout, device)
        kept = [f for f in found if options.settings.enabled(f.code, path)]
        kept = [replace(f, severity=options.settings.severity_of(f.code, f.severity)) for f in kept]
        merged = merge(result.findings, kept, source.text)
        results.append(FileResult(path, merged, skipped=False, unused_ignores=result.unused_ignores))
    return Report(results)


def _probe_one(
    path: str, source: SourceText, options: CheckOptions, timeout: float, device: str
) -> list[Finding]:
    if source.cells is None:
        outcome = run_harness(Path(path), timeout, device)
        return runtime_findings(path, outcome, options, source.text)
    with tempfile.TemporaryDirectory(prefix="lossguard-notebook-") as folder:
        script = Path(folder) / (Path(path).stem + "_notebook.py")
        script.write_text(source.text, encoding="utf-8")
        outcome = run_harness(script, timeout, device, folder=Path(path).parent)
        found = runtime_findings(path, outcome, options, source.text, str(script.resolve()))
    return [_to_cells(f, source) for f in found]


def _to_cells(finding: Finding, source: SourceText) -> Finding:
    """Notebook findings point at the cell and the line in it, in the message too."""
    assert source.cells is not None
    cells = source.cells

    def where(match: re.Match[str]) -> str:
        spot = cells.locate(int(match.group(1)))
        return f"cell {spot[0]}, line {spot[1]}" if spot else match.group(0)

    message = re.sub(r"\bline (\d+)\b", where, finding.message)
    return in_cell(replace(finding, message=message), source)


__all__ = [
    "ProbeUnavailable",
    "merge",
    "probe_report",
    "run_harness",
    "runtime_findings",
    "setup_from_result",
    "setups_from_result",
]
