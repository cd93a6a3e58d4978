"""The probe's child process: run a user's script up to its first ``fit()`` and report facts.

Run as ``python -m lossguard.probe.harness SCRIPT OUT.json``. It blocks the network, makes
saving a no-op, turns pretrained downloads into ``weights=None``, gives directory loaders a small
synthetic dataset when the data is missing, intercepts ``Model.fit`` (Keras 3 and tf_keras),
takes one batch, evaluates and trains one step on it, writes what Keras actually resolved as
JSON, and stops the script. The parent (``runner.py``) turns the JSON into facts.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import runpy
import socket
import sys
import time
import traceback
from dataclasses import asdict
from typing import Any

TIMING: dict[str, float] = {"start": time.perf_counter()}
SCRIPT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
OUTPUT = sys.argv[2] if len(sys.argv) > 2 else ""
BATCH = 8
NOTES: list[str] = []
SYNTHETIC: list[dict[str, Any]] = []
COMPILES: dict[int, dict[str, Any]] = {}


class ProbeDone(BaseException):
    """Raised at the first fit() to stop the user's script once the facts are taken."""


class NetworkBlocked(OSError):
    pass


# ----- safety: no network ------------------------------------------------------------------


def _blocked(*_args: Any, **_kwargs: Any) -> Any:
    raise NetworkBlocked("network access is disabled inside the lossguard probe")


def _guard_network() -> None:
    original_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return original_connect(self, address)
        raise NetworkBlocked("network access is disabled inside the lossguard probe")

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.create_connection = _blocked  # type: ignore[assignment]
    socket.getaddrinfo = _blocked  # type: ignore[assignment]


# ----- where in the user's script ------------------------------------------------------------


def _script_line() -> int | None:
    frame = sys._getframe(1)
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename) == SCRIPT:
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


# ----- patches ---------------------------------------------------------------------------------


def _replace_everywhere(name: str, original: Any, replacement: Any, prefixes: tuple[str, ...]) -> None:
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        try:
            if getattr(module, name, None) is original:
                setattr(module, name, replacement)
        except Exception:
            continue


def _patch_keras_namespace(keras_mod: Any, prefix: str) -> None:
    """Intercept fit/compile/save and remember where layers and callbacks were created."""
    model_cls = keras_mod.Model
    layer_cls = keras_mod.layers.Layer
    callback_cls = keras_mod.callbacks.Callback

    original_compile = model_cls.compile

    def compile(self: Any, *args: Any, **kwargs: Any) -> Any:
        names = (
            ("optimizer", "loss", "metrics")
            if prefix == "tf_keras"
            else ("optimizer", "loss", "loss_weights")
        )
        recorded = dict(zip(names, args, strict=False))
        recorded.update(kwargs)
        COMPILES[id(self)] = {
            "loss": recorded.get("loss"),
            "metrics": recorded.get("metrics"),
            "line": _script_line(),
        }
        return original_compile(self, *args, **kwargs)

    model_cls.compile = compile

    def intercept(method: str) -> Any:
        def training_entry(self: Any, *args: Any, **kwargs: Any) -> Any:
            _on_fit(self, method, args, kwargs, keras_mod, prefix)
            raise ProbeDone

        return training_entry

    for method in ("fit", "fit_generator", "train_on_batch"):
        setattr(model_cls, method, intercept(method))

    def no_save(self: Any, *args: Any, **kwargs: Any) -> None:
        NOTES.append(f"{type(self).__name__}.save*() skipped by the probe (no writes)")

    for method in ("save", "save_weights", "export"):
        if hasattr(model_cls, method):
            setattr(model_cls, method, no_save)

    original_layer_init = layer_cls.__init__

    def layer_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_layer_init(self, *args, **kwargs)
        with contextlib.suppress(Exception):
            object.__setattr__(self, "_lossguard_line", _script_line())

    layer_cls.__init__ = layer_init

    original_callback_init = callback_cls.__init__

    def callback_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_callback_init(self, *args, **kwargs)
        self._lossguard_line = _script_line()

    callback_cls.__init__ = callback_init


def _patch_downloads(prefix: str) -> None:
    prefixes = (prefix, "tensorflow")
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes) or "applications" not in module_name:
            continue
        for attr in dir(module):
            value = getattr(module, attr, None)
            if not callable(value) or not attr[:1].isupper() or getattr(value, "_lossguard", False):
                continue
            code = getattr(value, "__code__", None)
            if code is None or "weights" not in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
                continue
            _replace_everywhere(attr, value, _no_pretrained(value, attr), prefixes)
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        original = getattr(module, "get_file", None)
        if callable(original) and not getattr(original, "_lossguard", False):
            _replace_everywhere("get_file", original, _no_download, prefixes)


def _no_download(*args: Any, **kwargs: Any) -> Any:
    origin = kwargs.get("origin") or (args[1] if len(args) > 1 else args[0] if args else "?")
    raise NetworkBlocked(f"get_file({origin!r}): downloads are disabled inside the lossguard probe")


_no_download._lossguard = True  # type: ignore[attr-defined]


def _no_pretrained(function: Any, name: str) -> Any:
    import inspect

    signature = inspect.signature(function)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        weights = bound.arguments.get("weights", signature.parameters["weights"].default)
        if isinstance(weights, str) and not os.path.exists(weights):
            bound.arguments["weights"] = None
            NOTES.append(f"{name}(weights={weights!r}) built with weights=None (no downloads in the probe)")
        return function(*bound.args, **bound.kwargs)

    wrapper._lossguard = True  # type: ignore[attr-defined]
    wrapper.__name__ = name
    return wrapper


def _patch_directory_loaders(keras_mod: Any, prefix: str) -> None:
    import numpy as np

    generator_cls = None
    for module_name in (
        f"{prefix}.preprocessing.image",
        f"{prefix}.src.legacy.preprocessing.image",
        f"{prefix}.src.preprocessing.image",
        f"{prefix}._tf_keras.keras.preprocessing.image",
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        generator_cls = getattr(module, "ImageDataGenerator", None)
        if generator_cls is not None:
            break
    if generator_cls is not None:
        for method in ("flow_from_directory", "flow_from_dataframe"):
            original = getattr(generator_cls, method)

            def patched(
                self: Any, *args: Any, _original: Any = original, _method: str = method, **kwargs: Any
            ) -> Any:
                folder = kwargs.get("directory", args[0] if args else None)
                if _method == "flow_from_dataframe":
                    folder = kwargs.get("directory", args[1] if len(args) > 1 else None)
                if folder is not None and isinstance(folder, str | os.PathLike) and os.path.isdir(folder):
                    return _original(self, *args, **kwargs)
                if _method == "flow_from_dataframe" and folder is None:
                    return _original(self, *args, **kwargs)
                return _synthetic_image_iterator(keras_mod, self, _method, kwargs)

            setattr(generator_cls, method, patched)

    for name in ("image_dataset_from_directory", "text_dataset_from_directory"):
        original_function = None
        for module_name, module in list(sys.modules.items()):
            if module is not None and module_name.startswith((prefix, "tensorflow")):
                candidate = getattr(module, name, None)
                if callable(candidate) and not getattr(candidate, "_lossguard", False):
                    original_function = candidate
                    break
        if original_function is None:
            continue

        def dataset_loader(
            *args: Any, _original: Any = original_function, _name: str = name, **kwargs: Any
        ) -> Any:
            folder = kwargs.get("directory", args[0] if args else None)
            if folder is not None and os.path.isdir(str(folder)):
                return _original(*args, **kwargs)
            return _synthetic_dataset(_name, kwargs, np)

        dataset_loader._lossguard = True  # type: ignore[attr-defined]
        _replace_everywhere(name, original_function, dataset_loader, (prefix, "tensorflow"))


def _class_count(classes: Any) -> int | None:
    return len(classes) if isinstance(classes, list | tuple) else None


class _SyntheticIterator:
    """Stands in for a DirectoryIterator whose folder is missing: same attributes, tiny data."""

    def __init__(self, x: Any, y: Any, batch_size: int, classes: int) -> None:
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.samples = self.n = len(x)
        self.num_classes = classes
        self.class_indices = {str(i): i for i in range(classes)}
        self.classes = list(range(classes))
        self.filenames = [f"synthetic_{i}.png" for i in range(len(x))]
        self.image_shape = x.shape[1:]
        self._index = 0

    def __len__(self) -> int:
        return max(1, -(-self.samples // self.batch_size))

    def __getitem__(self, index: int) -> Any:
        start = (index % len(self)) * self.batch_size
        xs = self.x[start : start + self.batch_size]
        if self.y is None:
            return xs
        return xs, self.y[start : start + self.batch_size]

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        batch = self[self._index]
        self._index += 1
        return batch

    def reset(self) -> None:
        self._index = 0


def _synthetic_image_iterator(keras_mod: Any, generator: Any, method: str, kwargs: dict[str, Any]) -> Any:
    import numpy as np

    mode = kwargs.get("class_mode", "categorical")
    classes = _announce_synthetic(method, mode, kwargs.get("classes"))
    x = _synthetic_images(kwargs, "target_size", np)
    y = _synthetic_labels(mode, classes or 2, len(x), np)
    return _SyntheticIterator(x, y, min(kwargs.get("batch_size", 32) or BATCH, BATCH), classes or 2)


def _announce_synthetic(loader: str, mode: Any, classes: Any) -> int | None:
    """Record that a loader's data was made up (findings based on it say so)."""
    count = _class_count(classes)
    SYNTHETIC.append({"loader": loader, "mode": mode, "classes": count})
    NOTES.append(f"{loader}(): the data folder is missing, the probe used a synthetic batch")
    return count


def _synthetic_images(kwargs: dict[str, Any], size_key: str, np: Any, count: int = 16) -> Any:
    size = tuple(kwargs.get(size_key, (256, 256)))
    channels = {"grayscale": 1, "rgba": 4}.get(kwargs.get("color_mode", "rgb"), 3)
    return np.random.random((count, *size, channels)).astype("float32")


def _synthetic_labels(mode: Any, classes: int, count: int, np: Any) -> Any:
    indices = np.arange(count) % classes
    if mode == "categorical":
        return np.eye(classes, dtype="float32")[indices]
    if mode in ("binary",):
        return (indices % 2).astype("float32")
    if mode in ("sparse", "int"):
        return indices.astype("int32")
    return None


def _synthetic_dataset(name: str, kwargs: dict[str, Any], np: Any) -> Any:
    import tensorflow as tf

    mode = kwargs.get("label_mode", "int")
    classes = _announce_synthetic(name, mode, kwargs.get("class_names"))
    count = 16
    if name == "text_dataset_from_directory":
        x = tf.constant([f"synthetic text sample {i}" for i in range(count)])
    else:
        x = _synthetic_images(kwargs, "image_size", np, count) * 255.0
    y = _synthetic_labels(mode, classes or 2, count, np)
    if mode == "binary" and y is not None:
        y = y.reshape(-1, 1)
    data = tf.data.Dataset.from_tensor_slices((x, y) if y is not None else x)
    batch = kwargs.get("batch_size", 32)
    return data.batch(min(batch or BATCH, BATCH)) if batch is not None else data


# ----- at fit(): take the facts ------------------------------------------------------------------


def _first_batch(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, bool]:
    import numpy as np

    x = kwargs.get("x", kwargs.get("generator", args[0] if args else None))
    y = kwargs.get("y", args[1] if len(args) > 1 and method != "fit_generator" else None)
    from_pipeline = y is None
    if y is None and x is not None:
        batch = _next_batch(x)
        if isinstance(batch, tuple | list):
            x, y = batch[0], batch[1] if len(batch) > 1 else None
        else:
            x = batch
    return _cut(x, np), _cut(y, np), from_pipeline


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


def _output_heads(model: Any, outputs: list[Any], np: Any) -> list[dict[str, Any]] | None:
    """For a functional multi-output model: the layers leading to each output, and its range."""
    symbolic = list(getattr(model, "outputs", None) or [])
    names = list(getattr(model, "output_names", None) or [])
    if len(symbolic) != len(outputs):
        return None
    heads = []
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


def _layer_fact(layer: Any) -> dict[str, Any]:
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


def _labels_fact(y: Any, np: Any) -> dict[str, Any] | None:
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
    return {"encoding": encoding, "width": width, "min": low, "max": high}


def _on_fit(
    model: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], keras_mod: Any, prefix: str
) -> None:
    import numpy as np

    TIMING["fit"] = time.perf_counter()
    line = _script_line()
    result: dict[str, Any] = {
        "status": "ok",
        "method": method,
        "fit_line": line,
        "keras": _keras_version(prefix),
    }
    compiled = COMPILES.get(id(model), {})
    result["compile_line"] = compiled.get("line")
    raw_loss = compiled.get("loss", getattr(model, "loss", None))
    result["loss"] = _describe_loss(raw_loss)
    if isinstance(raw_loss, list | tuple):
        result["losses"] = [_describe_loss(item) for item in raw_loss]
    elif isinstance(raw_loss, dict):
        result["losses_by_name"] = {str(k): _describe_loss(v) for k, v in raw_loss.items()}
    x, y, from_pipeline = _first_batch(method, args, kwargs)
    synthetic = bool(SYNTHETIC) and from_pipeline
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
    if synthetic and SYNTHETIC[-1].get("classes") is None and y is not None and result["chain"]:
        y = _relabel_for_head(y, result["chain"][-1], np)
    result["labels"] = _labels_fact(y, np) if y is not None else None
    result["labels_synthetic"] = synthetic
    result["labels_classes_known"] = not synthetic or SYNTHETIC[-1].get("classes") is not None
    result["metrics_written"] = _describe_metrics(compiled.get("metrics"))
    result["has_validation"] = _has_validation(method, args, kwargs)
    result["callbacks"] = _describe_callbacks(
        kwargs.get("callbacks", args[5] if method == "fit" and len(args) > 5 else None)
    )
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
    TIMING["evaluated"] = time.perf_counter()
    if "step_error" not in result and y is not None:
        try:
            _train_one_step(model, x, y)
        except Exception as exc:
            result["step_error"] = (
                f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
            )
    result["device"] = _device()
    TIMING["done"] = time.perf_counter()
    _write(result)


def _relabel_for_head(y: Any, head: dict[str, Any], np: Any) -> Any:
    """Synthetic data with an unknown class count: labels shaped for the model's own head."""
    units = head.get("units") or 2
    array = np.asarray(y)
    count = array.shape[0]
    indices = np.arange(count) % max(units, 2)
    if array.ndim == 2 and array.shape[-1] > 1:
        return np.eye(max(units, 2), dtype="float32")[indices][:, :units]
    if array.dtype.kind == "f":
        return (indices % 2).astype("float32").reshape(array.shape)
    return indices.astype(array.dtype).reshape(array.shape)


def _train_one_step(model: Any, x: Any, y: Any) -> None:
    """One real optimiser step with Keras' own (unpatched) train_on_batch."""
    for model_cls, step in _ORIGINAL_STEPS.values():
        if isinstance(model, model_cls):
            step(model, x, y)
            return


_ORIGINAL_STEPS: dict[str, tuple[Any, Any]] = {}


def _describe_loss(loss: Any) -> dict[str, Any] | None:
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


def _describe_metrics(metrics: Any) -> list[dict[str, Any]] | None:
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        return None
    if not isinstance(metrics, list | tuple):
        metrics = [metrics]
    out = []
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


def _resolved_metrics(model: Any) -> list[dict[str, Any]]:
    metrics: list[Any] = []
    compiled = getattr(model, "_compile_metrics", None)
    if compiled is not None and hasattr(compiled, "metrics"):
        metrics = list(compiled.metrics)
    else:
        legacy = getattr(model, "compiled_metrics", None)
        if legacy is not None and hasattr(legacy, "metrics"):
            metrics = list(legacy.metrics)
    out = []
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
    data = kwargs.get("validation_data", args[7] if method == "fit" and len(args) > 7 else None)
    split = kwargs.get("validation_split", args[6] if method == "fit" and len(args) > 6 else 0.0)
    if method == "fit_generator":
        data = kwargs.get("validation_data", args[5] if len(args) > 5 else None)
        split = 0.0
    return data is not None or bool(split)


def _describe_callbacks(callbacks: Any) -> list[dict[str, Any]]:
    out = []
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


def _device() -> str:
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"GPU ({len(gpus)} visible)" if gpus else "CPU"
    except Exception:
        return "CPU"


def _write(result: dict[str, Any]) -> None:
    result["notes"] = NOTES
    result["synthetic"] = SYNTHETIC
    result["timing"] = {k: v - TIMING["start"] for k, v in TIMING.items() if k != "start"}
    with open(OUTPUT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    try:
        return asdict(value)
    except TypeError:
        return str(value)


# ----- main ------------------------------------------------------------------------------------


def _setup() -> list[tuple[Any, str]]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _guard_network()
    namespaces: list[tuple[Any, str]] = []
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")
    if legacy:
        import tf_keras

        namespaces.append((tf_keras, "tf_keras"))
    try:
        import keras

        if int(str(keras.__version__).split(".")[0]) >= 3:
            namespaces.append((keras, "keras"))
            with contextlib.suppress(ImportError):
                import keras._tf_keras.keras
    except ImportError:
        if not namespaces:
            raise
    TIMING["import"] = time.perf_counter()
    if os.environ.get("LOSSGUARD_PROBE_DEVICE") == "gpu" and _device() == "CPU":
        raise RuntimeError("--probe-device gpu: TensorFlow sees no GPU here (use auto or cpu)")
    for module, prefix in namespaces:
        _ORIGINAL_STEPS[prefix] = (module.Model, module.Model.train_on_batch)
        _patch_keras_namespace(module, prefix)
        _patch_downloads(prefix)
        _patch_directory_loaders(module, prefix)
    return namespaces


def main() -> int:
    if not SCRIPT or not OUTPUT:
        print("usage: python -m lossguard.probe.harness SCRIPT OUT.json", file=sys.stderr)
        return 2
    try:
        _setup()
    except Exception as exc:
        _write(
            {
                "status": "error",
                "stage": "import",
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
            }
        )
        return 0
    sys.argv = [SCRIPT]
    sys.path.insert(0, os.environ.get("LOSSGUARD_PROBE_FOLDER") or os.path.dirname(SCRIPT))
    try:
        runpy.run_path(SCRIPT, run_name="__main__")
    except ProbeDone:
        return 0
    except SystemExit as exc:
        _write(
            {
                "status": "error",
                "stage": "script",
                "error": f"the script exited (SystemExit: {exc.code}) before fit()",
                "traceback": "",
            }
        )
        return 0
    except BaseException as exc:
        tail = traceback.format_exception(type(exc), exc, exc.__traceback__)
        _write(
            {
                "status": "error",
                "stage": "script",
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": "".join(tail)[-2000:],
            }
        )
        return 0
    _write({"status": "no-fit", "error": "the script finished without calling fit()"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
