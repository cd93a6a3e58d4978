"""Synthetic data for loaders whose folder is missing (CI, a laptop): the declared shape, tiny.

Findings that rest on such data say so (``synthetic`` in the result); when the class count is
not declared, the labels are shaped for the model's own head and the label rules stay silent.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from lossguard.probe.context import BATCH, RUN
from lossguard.probe.sandbox import replace_everywhere


def patch_directory_loaders(keras_mod: Any, prefix: str) -> None:
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
        replace_everywhere(name, original_function, dataset_loader, (prefix, "tensorflow"))


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
    RUN.synthetic.append({"loader": loader, "mode": mode, "classes": count})
    RUN.notes.append(f"{loader}(): the data folder is missing, the probe used a synthetic batch")
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


def relabel_for_head(y: Any, head: Mapping[str, Any], np: Any) -> Any:
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
