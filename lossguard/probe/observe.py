"""Observation at the first fit(): the model, its compile configuration and one batch, as facts.

Runs the model on one (cut) batch, records the layers actually called, what Keras resolved for
the loss and the metrics, the label encoding and range, the output range, the loss value, and
trains one eager step with Keras' own ``train_on_batch``.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from lossguard.keras.signatures import argument
from lossguard.probe.context import BATCH, RUN, finish, script_line
from lossguard.probe.protocol import (
    CallbackFact,
    HarnessResult,
    HeadFact,
    LabelsFact,
    LayerFact,
    LossFact,
    ResolvedMetric,
    WrittenMetric,
)
from lossguard.probe.synthetic import relabel_for_head


def _first_batch(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, bool]:
    import numpy as np

    x = argument(method, "x", args, kwargs)
    y = argument(method, "y", args, kwargs)
    from_pipeline = y is None
    if y is None and x is not None:
        batch = _next_batch(x)
        if isinstance(batch, tuple | list):
            x, y = batch[0], batch[1] if len(batch) > 1 else None
        else:
            x = batch
    return _cut(x, np), _cut(y, np), from_pipeline


def _non_finite(value: Any, np: Any) -> bool:
    """NaN or inf anywhere in a numeric array (all of it: a bad row may be far from the first
    batch); lists and dicts of arrays are looked into, anything else is not."""
    if value is None:
        return False
    if isinstance(value, dict):
        return any(_non_finite(v, np) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_non_finite(v, np) for v in value)
    if not hasattr(value, "dtype") or getattr(value.dtype, "kind", "") not in "fc":
        return False
    try:
        return not bool(np.isfinite(np.asarray(value)).all())
    except (TypeError, ValueError):
        return False


def _next_batch(data: Any) -> Any:
    try:
        import tensorflow as tf

        if isinstance(data, tf.data.Dataset):
            return next(iter(data.take(1)))
    except ImportError:
        pass
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, dict):
        return data[0]
    if hasattr(data, "__next__"):
        return next(data)
    return next(iter(data))


def _cut(value: Any, np: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _cut(v, np) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cut(v, np) for v in value)
    try:
        array = np.asarray(value)
    except Exception:
        return value
    if array.ndim == 0:
        return value
    return array[:BATCH]


def _activation_name(value: Any) -> str | None:
    if value is None:
        return "linear"
    name = getattr(value, "__name__", None) or type(value).__name__
    return str(name).lower()


def _leaf_layers_called(model: Any, keras_mod: Any, x: Any) -> tuple[list[Any], Any]:
    layer_cls = keras_mod.layers.Layer
    model_cls = keras_mod.Model
    calls: list[Any] = []
    original = layer_cls.__call__

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if not isinstance(self, model_cls):
            calls.append(self)
        return result

    layer_cls.__call__ = recording
    try:
        outputs = model(x, training=False)
    finally:
        layer_cls.__call__ = original
    return calls, outputs


def _producer(tensor: Any) -> tuple[Any, Any]:
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None, None
    layer = getattr(history, "operation", None) or getattr(history, "layer", None)
    nodes = getattr(layer, "_inbound_nodes", None) or []
    index = getattr(history, "node_index", 0)
    node = nodes[index] if index < len(nodes) else None
    inputs = list(getattr(node, "input_tensors", None) or []) if node is not None else []
    return layer, inputs[0] if len(inputs) == 1 else None


def _output_heads(model: Any, outputs: list[Any], np: Any) -> list[HeadFact] | None:
    """For a functional multi-output model: the layers leading to each output, and its range."""
    symbolic = list(getattr(model, "outputs", None) or [])
    names = list(getattr(model, "output_names", None) or [])
    if len(symbolic) != len(outputs):
        return None
    heads: list[HeadFact] = []
    for index, tensor in enumerate(symbolic):
        chain: list[Any] = []
        current = tensor
        while current is not None and len(chain) < 8:
            layer, current = _producer(current)
            if layer is None:
                break
            chain.insert(0, _layer_fact(layer))
        values = np.asarray(outputs[index], dtype="float64")
        heads.append(
            {
                "name": names[index] if index < len(names) else None,
                "chain": chain,
                "output_min": float(np.nanmin(values)) if values.size else None,
                "output_max": float(np.nanmax(values)) if values.size else None,
            }
        )
    return heads


def _trailing_operation(model: Any, keras_mod: Any) -> str | None:
    """A functional model may end in an op that is not a layer (keras.ops.softmax(x))."""
    operations = getattr(model, "operations", None)
    if not operations:
        return None
    last = operations[-1]
    if isinstance(last, keras_mod.layers.Layer):
        return None
    return type(last).__name__


def _layer_fact(layer: Any) -> LayerFact:
    kind = type(layer).__name__
    units = getattr(layer, "units", None) or getattr(layer, "filters", None)
    activation = None
    if kind == "Softmax":
        activation = "softmax"
    elif hasattr(layer, "activation"):
        activation = _activation_name(layer.activation)
    return {
        "kind": kind,
        "units": units if isinstance(units, int) else None,
        "activation": activation,
        "line": getattr(layer, "_lossguard_line", None),
    }


def _labels_fact(y: Any, np: Any) -> LabelsFact | None:
    try:
        array = np.asarray(y)
    except Exception:
        return None
    if array.dtype.kind not in "biuf" or array.size == 0:
        return None
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    low = float(finite.min()) if finite.size else None
    high = float(finite.max()) if finite.size else None
    integral = bool(np.all(np.equal(np.mod(finite, 1), 0))) if finite.size else False
    width = int(array.shape[-1]) if array.ndim >= 2 else None
    encoding = "unknown"
    if array.ndim == 1 or (array.ndim == 2 and width == 1):
        if integral and low is not None and low >= 0:
            encoding = "binary" if high is not None and high <= 1 else "integer"
        elif not integral and array.dtype.kind == "f":
            encoding = "continuous"  # real values observed: a regression's targets
    elif (
        array.ndim == 2
        and width
        and width > 1
        and integral
        and low is not None
        and low >= 0
        and high is not None
        and high <= 1
    ):
        sums = array.sum(axis=-1)
        encoding = "one-hot" if np.all(sums == 1) else "multi-hot"
    elif array.ndim >= 3 and integral and low is not None and low >= 0:
        # Masks: (N, H, W) class ids have a spatial last axis, not classes; (N, H, W, C) 0/1
        # rows summing to 1 are one-hot over C.
        one_hot = high is not None and high <= 1 and bool(np.all(array.sum(axis=-1) == 1))
        if one_hot:
            encoding = "one-hot"
        elif width != 1:
            width = None
    return {"encoding": encoding, "width": width, "min": low, "max": high, "rank": int(array.ndim)}


def on_fit(
    model: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], keras_mod: Any, prefix: str
) -> None:
    import numpy as np

    RUN.timing["fit"] = time.perf_counter()
    line = script_line()
    result: HarnessResult = {
        "status": "ok",
        "method": method,
        "fit_line": line,
        "keras": _keras_version(prefix),
    }
    compiled = RUN.compiles.get(id(model), {})
    result["compile_line"] = compiled.get("line")
    raw_loss = compiled.get("loss", getattr(model, "loss", None))
    result["loss"] = _describe_loss(raw_loss)
    if isinstance(raw_loss, list | tuple):
        result["losses"] = [_describe_loss(item) for item in raw_loss]
    elif isinstance(raw_loss, dict):
        result["losses_by_name"] = {str(k): _describe_loss(v) for k, v in raw_loss.items()}
    result["input_non_finite"] = _non_finite(argument(method, "x", args, kwargs), np) or _non_finite(
        argument(method, "y", args, kwargs), np
    )
    x, y, from_pipeline = _first_batch(method, args, kwargs)
    result["input_non_finite"] = result["input_non_finite"] or _non_finite(x, np) or _non_finite(y, np)
    synthetic = bool(RUN.synthetic) and from_pipeline
    calls, outputs = _leaf_layers_called(model, keras_mod, x)
    if isinstance(outputs, dict):
        order = list(getattr(model, "output_names", None) or outputs.keys())
        output_list = [outputs[name] for name in order if name in outputs]
    elif isinstance(outputs, list | tuple):
        output_list = list(outputs)
    else:
        output_list = [outputs]

    result["output_count"] = len(output_list)
    result["trailing_op"] = _trailing_operation(model, keras_mod)
    result["chain"] = [_layer_fact(layer) for layer in calls[-8:]]
    if len(output_list) > 1:
        result["heads"] = _output_heads(model, output_list, np)
    if len(output_list) == 1:
        values = np.asarray(output_list[0], dtype="float64")
        result["output_min"] = float(np.nanmin(values)) if values.size else None
        result["output_max"] = float(np.nanmax(values)) if values.size else None
        if values.ndim >= 2 and values.shape[-1] > 1:
            result["row_sum_error"] = float(np.nanmax(np.abs(values.sum(axis=-1) - 1.0)))
    if synthetic and RUN.synthetic[-1].get("classes") is None and y is not None and result["chain"]:
        y = relabel_for_head(y, result["chain"][-1], np)
    result["labels"] = _labels_fact(y, np) if y is not None else None
    result["labels_synthetic"] = synthetic
    result["labels_classes_known"] = not synthetic or RUN.synthetic[-1].get("classes") is not None
    result["metrics_written"] = _describe_metrics(compiled.get("metrics"))
    result["has_validation"] = _has_validation(method, args, kwargs)
    result["class_weight"] = isinstance(argument(method, "class_weight", args, kwargs), dict)
    result["callbacks"] = _describe_callbacks(argument(method, "callbacks", args, kwargs))
    with contextlib.suppress(Exception):
        model.run_eagerly = True  # one step: tracing a graph would cost 10x more than running it
    try:
        evaluation = keras_mod.Model.test_on_batch(model, x, y, return_dict=True) if y is not None else None
        if evaluation is not None:
            loss_value = evaluation.get("loss")
            result["loss_value"] = float(loss_value) if loss_value is not None else None
        result["metrics_resolved"] = _resolved_metrics(model)
    except Exception as exc:
        result["step_error"] = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
        )
    RUN.timing["evaluated"] = time.perf_counter()
    if "step_error" not in result and y is not None:
        try:
            _train_one_step(model, x, y)
        except Exception as exc:
            result["step_error"] = (
                f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
            )
    result["device"] = device()
    RUN.timing["done"] = time.perf_counter()
    finish(result)


def _train_one_step(model: Any, x: Any, y: Any) -> None:
    """One real optimiser step with Keras' own (unpatched) train_on_batch."""
    for model_cls, step in RUN.original_steps.values():
        if isinstance(model, model_cls):
            step(model, x, y)
            return


def _describe_loss(loss: Any) -> LossFact | None:
    if loss is None:
        return None
    if isinstance(loss, str):
        return {"name": loss, "class": None, "from_logits": False}
    if isinstance(loss, list | tuple | dict):
        return {"name": "multiple", "class": None, "from_logits": None, "multiple": True}
    cls = type(loss).__name__
    if callable(loss) and cls == "function":
        return {
            "name": getattr(loss, "__name__", "?"),
            "class": None,
            "from_logits": False,
            "function": True,
            "module": getattr(loss, "__module__", "") or "",
        }
    from_logits = getattr(loss, "from_logits", None)
    if from_logits is None:
        try:
            from_logits = loss.get_config().get("from_logits")
        except Exception:
            from_logits = None
    module = type(loss).__module__ or ""
    return {"name": cls, "class": cls, "from_logits": from_logits, "module": module}


def _describe_metrics(metrics: Any) -> list[WrittenMetric] | None:
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        return None
    if not isinstance(metrics, list | tuple):
        metrics = [metrics]
    out: list[WrittenMetric] = []
    for metric in metrics:
        if isinstance(metric, str):
            out.append({"written": metric, "class": None, "name": metric})
        elif callable(metric) and type(metric).__name__ == "function":
            out.append(
                {
                    "written": metric.__name__,
                    "class": None,
                    "name": metric.__name__,
                    "function": True,
                    "module": getattr(metric, "__module__", "") or "",
                }
            )
        else:
            threshold = getattr(metric, "threshold", None)
            thresholds = getattr(metric, "thresholds", None)
            init_thresholds = getattr(metric, "init_thresholds", None)
            out.append(
                {
                    "written": type(metric).__name__ + "()",
                    "class": type(metric).__name__,
                    "name": getattr(metric, "name", None),
                    "threshold": threshold
                    if isinstance(threshold, int | float)
                    else (init_thresholds if isinstance(init_thresholds, int | float) else None),
                    "thresholds_default": init_thresholds is None
                    and thresholds is not None
                    and type(metric).__name__ in ("Precision", "Recall"),
                    "from_logits": getattr(metric, "_from_logits", getattr(metric, "from_logits", None)),
                    "module": type(metric).__module__ or "",
                }
            )
    return out


def _resolved_metrics(model: Any) -> list[ResolvedMetric]:
    metrics: list[Any] = []
    compiled = getattr(model, "_compile_metrics", None)
    if compiled is not None and hasattr(compiled, "metrics"):
        metrics = list(compiled.metrics)
    else:
        legacy = getattr(model, "compiled_metrics", None)
        if legacy is not None and hasattr(legacy, "metrics"):
            metrics = list(legacy.metrics)
    out: list[ResolvedMetric] = []
    for metric in metrics:
        fn = getattr(metric, "_fn", None)
        out.append(
            {
                "name": getattr(metric, "name", None),
                "class": type(metric).__name__,
                "function": getattr(fn, "__name__", None),
            }
        )
    return out


def _has_validation(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool | None:
    if method == "train_on_batch":
        return None
    data = argument(method, "validation_data", args, kwargs)
    split = argument(method, "validation_split", args, kwargs)
    return data is not None or bool(split)


def _describe_callbacks(callbacks: Any) -> list[CallbackFact]:
    out: list[CallbackFact] = []
    for callback in callbacks or []:
        monitor = getattr(callback, "monitor", None)
        if not isinstance(monitor, str):
            continue
        if type(callback).__name__ == "ModelCheckpoint" and not getattr(callback, "save_best_only", False):
            continue  # saves every epoch: its monitor is never consulted
        mode = getattr(callback, "mode", "auto")
        out.append(
            {
                "kind": type(callback).__name__,
                "monitor": monitor,
                "mode": mode if isinstance(mode, str) else "auto",
                "line": getattr(callback, "_lossguard_line", None),
            }
        )
    return out


def _keras_version(prefix: str) -> str:
    try:
        if prefix == "tf_keras":
            import tf_keras

            return f"tf_keras-{tf_keras.__version__}"
        import keras

        return str(keras.__version__)
    except Exception:
        return "3"


def device() -> str:
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"GPU ({len(gpus)} visible)" if gpus else "CPU"
    except Exception:
        return "CPU"
