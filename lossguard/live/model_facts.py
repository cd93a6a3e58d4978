"""A live model, its compile arguments and its fit arguments → the probe's result record →
``TrainingSetup`` facts. The record is the one the probe child writes (``probe/protocol.py``),
made by the probe's own readers, so the two runtime sources cannot drift apart; what differs is
what the kernel allows: no training step, no loss value, and no item taken from an iterator the
user will train on (only arrays, ``tf.data`` datasets and indexable ``PyDataset``/``Sequence``
objects are looked into).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any

from lossguard.facts import Location, ModuleFacts, TrainingSetup
from lossguard.keras.signatures import argument
from lossguard.probe.context import BATCH
from lossguard.probe.observe import (
    _describe_callbacks,
    _describe_loss,
    _describe_metrics,
    _has_validation,
    _keras_version,
    _labels_fact,
    _layer_fact,
    _leaf_layers_called,
    _output_heads,
    _trailing_operation,
)
from lossguard.probe.protocol import VERSION, HarnessResult
from lossguard.probe.translate import setups_from_result

# The positional order of compile(): Keras 3 put loss_weights before metrics.
COMPILE_ORDER = {
    "keras": ("optimizer", "loss", "loss_weights", "metrics"),
    "tf_keras": ("optimizer", "loss", "metrics", "loss_weights"),
}


@dataclass(frozen=True)
class Compiled:
    """What compile() was given, as the user wrote it (loss and metric objects or names)."""

    loss: Any
    metrics: Any
    line: int | None

    @classmethod
    def from_call(
        cls, prefix: str, args: tuple[Any, ...], kwargs: dict[str, Any], line: int | None
    ) -> Compiled:
        given = dict(zip(COMPILE_ORDER.get(prefix, COMPILE_ORDER["keras"]), args, strict=False))
        given.update(kwargs)
        return cls(given.get("loss"), given.get("metrics"), line)


def live_facts(
    path: str,
    text: str,
    model: Any,
    keras_mod: Any,
    prefix: str,
    compiled: Compiled | None,
    fit: tuple[str, tuple[Any, ...], dict[str, Any], int | None] | None = None,
    compiled_in: str | None = None,
) -> ModuleFacts | None:
    """Facts about ``model`` at compile time (``fit=None``) or at fit time (the method, its
    arguments and the line of the call). ``path``/``text``: the cell the lines point into;
    ``compiled_in``: the name of another cell where compile() was called (``In [8]``)."""
    import numpy as np

    result: HarnessResult = {"status": "ok", "version": VERSION, "keras": _keras_version(prefix)}
    line = fit[3] if fit is not None else (compiled.line if compiled is not None else None)
    result["fit_line"] = line
    same_cell = compiled is not None and compiled.line and compiled_in is None
    result["compile_line"] = compiled.line if same_cell and compiled is not None else line
    raw_loss = compiled.loss if compiled is not None else getattr(model, "loss", None)
    result["loss"] = _describe_loss(raw_loss)
    if isinstance(raw_loss, list | tuple):
        result["losses"] = [_describe_loss(item) for item in raw_loss]
    elif isinstance(raw_loss, dict):
        result["losses_by_name"] = {str(k): _describe_loss(v) for k, v in raw_loss.items()}
    result["metrics_written"] = _describe_metrics(compiled.metrics if compiled is not None else None)
    x = y = None
    if fit is not None:
        method, args, kwargs, _ = fit
        x, y = argument(method, "x", args, kwargs), argument(method, "y", args, kwargs)
        if y is None and x is not None:
            x, y = _peek(x)
        result["method"] = method
        result["has_validation"] = _has_validation(method, args, kwargs)
        result["callbacks"] = _describe_callbacks(argument(method, "callbacks", args, kwargs))
        labels = _labels_fact(y, np) if y is not None and not isinstance(y, dict | list | tuple) else None
        result["labels"] = labels
        result["labels_synthetic"] = False
        result["labels_classes_known"] = True
    batch = _cut(x, np) if x is not None else _zeros_like_inputs(model, np)
    if batch is None:
        return None  # an unbuilt model and no data: calling it would build it (change it)
    try:
        calls, outputs = _leaf_layers_called(model, keras_mod, batch)
    except Exception:
        return None
    outputs_list = _as_list(model, outputs)
    result["output_count"] = len(outputs_list)
    result["trailing_op"] = _trailing_operation(model, keras_mod)
    result["chain"] = [_layer_fact(layer) for layer in calls[-8:]]
    if len(outputs_list) > 1:
        result["heads"] = _output_heads(model, outputs_list, np)
    else:
        values = np.asarray(outputs_list[0], dtype="float64")
        result["output_min"] = float(np.nanmin(values)) if values.size else None
        result["output_max"] = float(np.nanmax(values)) if values.size else None
        if values.ndim >= 2 and values.shape[-1] > 1:
            result["row_sum_error"] = float(np.nanmax(np.abs(values.sum(axis=-1) - 1.0)))
    setups = [_layers_without_lines(s) for s in setups_from_result(path, result, text)]
    if fit is not None and compiled is not None and compiled_in is not None and compiled.line:
        elsewhere = Location(compiled_in, compiled.line, 1, compiled.line, 1)
        setups = [_compiled_at(s, elsewhere) for s in setups]
    return ModuleFacts(path, tuple(setups), keras=setups[0].keras if setups else None)


def _layers_without_lines(setup: TrainingSetup) -> TrainingSetup:
    """The kernel does not know where a layer was made (a model from a JSON config has no
    line at all): the head's place is unknown, not the line of the compile() or fit() call."""
    if setup.head is None:
        return setup
    unknown = Location(setup.path)
    head = replace(
        setup.head,
        location=unknown,
        activation_location=unknown if setup.head.activation_location is not None else None,
        after_location=unknown if setup.head.after_location is not None else None,
    )
    return replace(setup, head=head)


def _compiled_at(setup: TrainingSetup, where: Location) -> TrainingSetup:
    """The loss and metrics were given to compile() in another cell than fit(): point there."""
    loss = replace(setup.loss, location=where) if setup.loss is not None else None
    metrics = tuple(replace(m, location=where) for m in setup.metrics) if setup.metrics else setup.metrics
    return replace(setup, loss=loss, metrics=metrics, compile_location=where)


def _as_list(model: Any, outputs: Any) -> list[Any]:
    if isinstance(outputs, dict):
        order = list(getattr(model, "output_names", None) or outputs.keys())
        return [outputs[name] for name in order if name in outputs]
    if isinstance(outputs, list | tuple):
        return list(outputs)
    return [outputs]


def _peek(data: Any) -> tuple[Any, Any]:
    """(x, y) of the first batch of a dataset, when that takes nothing from the user: a
    ``tf.data.Dataset`` (a new iterator each time) or an indexable ``PyDataset``/``Sequence``;
    never a generator or iterator (``next()`` would eat the batch the user trains on)."""
    batch = None
    with contextlib.suppress(Exception):
        import sys

        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(data, tf.data.Dataset):
            batch = next(iter(data.take(1)))
        elif _indexable_dataset(data):
            batch = data[0]
    if isinstance(batch, tuple | list) and len(batch) >= 2:
        return batch[0], batch[1]
    return (data, None) if batch is None else (batch, None)


def _indexable_dataset(data: Any) -> bool:
    """A ``PyDataset``/``Sequence``: batches by index (an array is x itself, not a dataset)."""
    if isinstance(data, list | tuple | dict | str | bytes):
        return False  # several inputs, not batches
    indexable = hasattr(data, "__getitem__") and hasattr(data, "__len__")
    return indexable and not hasattr(data, "__next__") and not hasattr(data, "shape")


def _cut(value: Any, np: Any) -> Any:
    if isinstance(value, dict):
        return {k: _cut(v, np) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cut(v, np) for v in value)
    try:
        array = np.asarray(value)
    except Exception:
        return value
    return array[:BATCH] if array.ndim else value


def _zeros_like_inputs(model: Any, np: Any) -> Any:
    """A one-row batch of zeros of the model's declared inputs (compile time: no data yet)."""
    inputs = getattr(model, "inputs", None)
    if not getattr(model, "built", False) or not inputs:
        return None
    batches = []
    for tensor in inputs:
        shape = tuple(1 if d is None else int(d) for d in tuple(tensor.shape))
        dtype = getattr(tensor, "dtype", "float32")
        batches.append(np.zeros(shape, dtype=getattr(dtype, "name", None) or str(dtype)))  # tf: DType
    return batches[0] if len(batches) == 1 else batches
