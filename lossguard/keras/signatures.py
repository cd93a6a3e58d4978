"""The positional parameters of Keras' training methods, one table for the static side and the probe.

Read from the sources: Keras 2.2.4 ``keras/engine/training.py`` (``fit``, ``fit_generator``,
``evaluate``, ``train_on_batch``), and ``inspect.signature`` of Keras 3.15 and tf_keras 2.21
(``fit`` and ``evaluate`` keep the same leading order there; ``fit_generator`` exists only up to
tf_keras). Only the leading parameters that lossguard reads are listed; later ones are keywords
in practice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

SIGNATURES: dict[str, tuple[str, ...]] = {
    "fit": (
        "x",
        "y",
        "batch_size",
        "epochs",
        "verbose",
        "callbacks",
        "validation_split",
        "validation_data",
        "shuffle",
        "class_weight",
        "sample_weight",
        "initial_epoch",
        "steps_per_epoch",
        "validation_steps",
    ),
    "fit_generator": (
        "generator",
        "steps_per_epoch",
        "epochs",
        "verbose",
        "callbacks",
        "validation_data",
        "validation_steps",
    ),
    "evaluate": ("x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks"),
    "train_on_batch": ("x", "y", "sample_weight", "class_weight"),
}


def position(method: str, param: str) -> int | None:
    """The positional index of ``param`` in ``method``, or None when it has none."""
    names = SIGNATURES.get(method, ())
    return names.index(param) if param in names else None


def accepts(method: str, param: str) -> bool:
    return param in SIGNATURES.get(method, ())


def argument(method: str, param: str, args: Sequence[T], kwargs: Mapping[str, T]) -> T | None:
    """The value given for ``param`` (by keyword or position), or None when not given."""
    if param in kwargs:
        return kwargs[param]
    index = position(method, param)
    if index is not None and index < len(args):
        return args[index]
    if param == "x" and method == "fit_generator":
        return argument(method, "generator", args, kwargs)
    return None
