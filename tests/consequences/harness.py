"""The consequence harness: what Keras really does with each rule's mistake, measured.

For every rule whose doc has a bad/good example pair, ``CASES`` builds the pair on small
synthetic data with the structure the rule is about (single-label vs multi-label, integer vs
one-hot, logits vs probabilities, a validation split), trains it a few epochs with real Keras —
Keras 3 and tf_keras — and records what happened: the loss curve, what Keras reported against
the true accuracy computed by hand, the warnings Keras printed, checkpoints written, when early
stopping fired, the range of the predictions and the sums of their rows. Seeds are fixed.

The cases themselves are in ``cases.py``; ``python -m tests.consequences.cases`` prints the
table the rule docs' "Measured" lines come from, and ``test_consequences.py`` asserts each
message's claim on them.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

FLAVOURS = ("keras", "tf_keras")  # Keras 3, and the Keras 2 that TensorFlow 2.16+ ships apart
SAMPLES = 512
FEATURES = 16
CLASSES = 5
EPOCHS = 6
SEED = 7


@dataclass
class Run:
    """What one training run did."""

    flavour: str
    version: str
    losses: list[float] = field(default_factory=list)  # the training loss per epoch
    history: dict[str, list[float]] = field(default_factory=dict)
    true_accuracy: float | None = None  # computed by hand from predict() and the labels
    row_sums: tuple[float, float] | None = None  # min and max of predict()'s row sums
    output_range: tuple[float, float] | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # the exception training raised, first line
    checkpoints: int = 0  # files the checkpoint callback wrote
    epochs_run: int = 0
    weights_changed: bool | None = None
    batches_drawn: int | None = None  # from a generator (set by the case that counts them)
    printed: int = 0  # lines fit() printed (progress bars, epoch summaries)

    def reported(self, name: str) -> float | None:
        """The last value Keras logged for a metric (accepting old and new key spellings)."""
        for key in (name, name.replace("accuracy", "acc")):
            if self.history.get(key):
                return self.history[key][-1]
        return None

    def warned(self, *words: str) -> bool:
        return any(all(w.lower() in m.lower() for w in words) for m in self.warnings)


# ----- data with the structure the rules are about ------------------------------------------


def single_label(
    classes: int = CLASSES, samples: int = SAMPLES, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Clusters, one class per sample: features and integer labels. ``spread`` 1.0 separates
    them; 4.0 makes them overlap (a task a model gets partly right); ``np.inf``: pure noise."""
    rng = np.random.default_rng(SEED)
    centres = rng.normal(0, 1.0 if np.isinf(spread) else 2.5, (classes, FEATURES))
    y = rng.integers(0, classes, samples)
    noise = rng.normal(0, 1.0, (samples, FEATURES))
    x = noise if np.isinf(spread) else centres[y] + spread * noise
    return x.astype("float32"), y.astype("int64")


def multi_label(labels: int = CLASSES, samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Several labels can be true at once (about a third of them): multi-hot rows."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(0, 1, (samples, FEATURES)).astype("float32")
    weights = rng.normal(0, 1, (FEATURES, labels))
    y = (x @ weights > 1.5).astype("float32")
    return x, y


def one_hot(y: np.ndarray, classes: int = CLASSES) -> np.ndarray:
    return np.eye(classes, dtype="float32")[y]


# ----- running Keras -----------------------------------------------------------------------


def load(flavour: str) -> ModuleType:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return importlib.import_module(flavour)


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextlib.contextmanager
def _captured(sink: list[str], printed: io.StringIO) -> Iterator[None]:
    """Keras 3 warns with ``warnings``, tf_keras through TensorFlow's logger, and both print."""
    handler = _Collect(sink)
    loggers = [logging.getLogger(name) for name in ("", "tensorflow", "absl", "keras")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed):
            warnings.simplefilter("always")
            yield
        sink.extend(str(w.message) for w in caught)
        sink.extend(line for line in printed.getvalue().splitlines() if "warning" in line.lower())
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


Build = Callable[[ModuleType], Any]  # keras module → compiled model


def train(
    flavour: str,
    build: Build,
    x: np.ndarray,
    y: np.ndarray,
    *,
    truth: str = "argmax",
    epochs: int = EPOCHS,
    callbacks: Callable[[ModuleType, Path], list[Any]] | None = None,
    fit: dict[str, Any] | None = None,
    predict: np.ndarray | None = None,
) -> Run:
    """Train the model ``build`` makes and measure. ``truth``: how to score predictions by hand —
    "argmax" (single-label classes), "threshold" (0.5 per unit: binary and multi-label),
    "logit-threshold" (0.0 per unit), "tokens" (per-step arg-max on the real tokens of padded
    sequences), or "none"."""
    keras = load(flavour)
    run = Run(flavour, f"{flavour} {keras.__version__}")
    keras.utils.set_random_seed(SEED)
    printed = io.StringIO()
    with (
        tempfile.TemporaryDirectory(prefix="lossguard-consequence-") as scratch,
        _captured(run.warnings, printed),
    ):
        try:
            model = build(keras)
            before = [w.copy() for w in model.get_weights()]
            arguments: dict[str, Any] = {"epochs": epochs, "batch_size": 32, "verbose": 0, **(fit or {})}
            if callbacks:
                arguments["callbacks"] = callbacks(keras, Path(scratch))
            history = model.fit(x, y, **arguments)
        except Exception as exc:  # the consequence may be an error: that is a measurement
            run.error = (
                f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            )
            return run
        run.printed = len(printed.getvalue().splitlines())
        run.history = {  # a metric of one value per class (F1Score(average=None)) is left out
            k: [float(v) for v in vs] for k, vs in history.history.items() if all(np.size(v) == 1 for v in vs)
        }
        run.losses = run.history.get("loss", [])
        run.epochs_run = len(run.losses)
        run.checkpoints = len(list(Path(scratch).glob("*")))
        run.weights_changed = any(
            not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True)
        )
        raw = model.predict(x if predict is None else predict, verbose=0)
        if isinstance(raw, list | tuple | dict):  # several outputs: the first one is scored
            raw = next(iter(raw.values())) if isinstance(raw, dict) else raw[0]
        predictions = np.asarray(raw, dtype="float64")
    flat = predictions.reshape(predictions.shape[0], -1)
    run.output_range = (float(flat.min()), float(flat.max()))
    sums = flat.sum(axis=1)
    run.row_sums = (float(sums.min()), float(sums.max()))
    first = y[0] if isinstance(y, list) else y  # several outputs: the first one is scored
    run.true_accuracy = (
        _token_accuracy(predictions, first) if truth == "tokens" else _true_accuracy(flat, first, truth)
    )
    return run


def _token_accuracy(predictions: np.ndarray, y: np.ndarray) -> float:
    """Sequence labelling: the share of real tokens (label > 0; 0 pads) whose arg-max is right
    (one-hot tag rows are read as their class ids)."""
    labels = np.asarray(y)
    if labels.ndim == predictions.ndim:
        labels = labels.argmax(axis=-1)
    real = labels > 0
    return float(np.mean(predictions.argmax(axis=-1)[real] == labels[real]))


def _true_accuracy(predictions: np.ndarray, y: np.ndarray, truth: str) -> float | None:
    labels = np.asarray(y)
    if truth == "argmax":
        wanted = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
        if predictions.shape[1] == 1:
            return float(np.mean((predictions[:, 0] > 0.5).astype(int) == wanted))
        return float(np.mean(predictions.argmax(axis=1) == wanted))
    if truth in ("threshold", "logit-threshold"):
        cut = 0.5 if truth == "threshold" else 0.0
        wanted = (
            labels.reshape(predictions.shape)
            if labels.size == predictions.size
            else labels.reshape(len(labels), -1)  # one column for several units: every unit
        )
        return float(np.mean((predictions > cut).astype("float32") == wanted))
    return None


def mlp(keras: ModuleType, head: Any, *, features: int = FEATURES) -> Any:
    return keras.Sequential([keras.Input((features,)), keras.layers.Dense(32, activation="relu"), *head])


def summary(run: Run) -> str:
    if run.error:
        return f"error {run.error[:120]}"
    parts = [f"loss {run.losses[0]:.3g}→{run.losses[-1]:.3g}" if run.losses else "no loss"]
    parts += [f"{k} {v[-1]:.3f}" for k, v in run.history.items() if k != "loss" and v]
    if run.true_accuracy is not None:
        parts.append(f"true acc {run.true_accuracy:.3f}")
    if run.row_sums:
        parts.append(f"row sums {run.row_sums[0]:.2f}..{run.row_sums[1]:.2f}")
    if run.output_range:
        parts.append(f"outputs {run.output_range[0]:.2f}..{run.output_range[1]:.2f}")
    parts.append(
        f"epochs {run.epochs_run}, checkpoints {run.checkpoints}, weights changed {run.weights_changed}"
    )
    if run.printed:
        parts.append(f"printed {run.printed} lines")
    if run.batches_drawn is not None:
        parts.append(f"batches drawn {run.batches_drawn}")
    if run.warnings:
        parts.append(f"warned: {run.warnings[0][:90]!r}")
    return "; ".join(parts)
