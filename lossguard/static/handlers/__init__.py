"""Library handlers for the static evaluator, registered by qualified name (see ``registry``)."""

from __future__ import annotations

from lossguard.facts import LossKind, MetricKind
from lossguard.keras import vocabulary as api
from lossguard.keras.names import keras_name
from lossguard.static.handlers import argparse, keras, numpy, pandas, python, sklearn, tensorflow
from lossguard.static.handlers.keras import apply_layer, data_instance
from lossguard.static.handlers.python import BUILTINS
from lossguard.static.handlers.registry import (
    attribute_for,
    function_for,
    method_for,
    store_for,
    subscript_for,
)

_STAR_CATEGORIES = {
    "Sequential": ("models", ""),
    "Model": ("models", ""),
    "load_model": ("models",),
    "Input": ("layers", ""),
    "to_categorical": ("utils",),
    "ImageDataGenerator": ("preprocessing",),
}


def _category_of(name: str) -> tuple[str, ...]:
    if name in _STAR_CATEGORIES:
        return _STAR_CATEGORIES[name]
    if (
        name in api.UNIT_LAYERS
        or name in api.RECURRENT_LAYERS
        or name in api.ACTIVATION_LAYERS
        or name in api.NEUTRAL_LAYERS
        or name in api.RESCALING_LAYERS
    ):
        return ("layers",)
    if name in ("EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"):
        return ("callbacks",)
    if api.loss_kind_from_name(name) is not LossKind.UNKNOWN and name[:1].isupper():
        return ("losses",)
    if api.metric_kind_from_name(name) is not MetricKind.OTHER and name[:1].isupper():
        return ("metrics",)
    return ()


def star_module_for(name: str, modules: list[str]) -> str | None:
    """The ``from … import *`` module a free name most likely came from (Keras ones only)."""
    keras_modules = [m for m in modules if keras_name(m) is not None]
    if not keras_modules:
        return None
    wanted = _category_of(name)
    if not wanted:
        return None
    for module in reversed(keras_modules):
        found = keras_name(module)
        if found is not None and (found.category or found.name) in wanted:
            return module
    return None


__all__ = [
    "BUILTINS",
    "apply_layer",
    "argparse",
    "attribute_for",
    "data_instance",
    "function_for",
    "keras",
    "method_for",
    "numpy",
    "pandas",
    "python",
    "sklearn",
    "star_module_for",
    "store_for",
    "subscript_for",
    "tensorflow",
]
