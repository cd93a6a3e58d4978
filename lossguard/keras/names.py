"""Canonical names for Keras (and friends) however the script imported them.

``tensorflow.keras.layers.Dense``, ``tf.keras.layers.core.Dense``, ``tf_keras.layers.Dense``,
``keras.src.layers.Dense`` and ``keras.layers.Dense`` all become ``KerasName("layers", "Dense")``.
"""

from __future__ import annotations

from dataclasses import dataclass

KERAS_ROOTS = ("keras", "tf_keras")
CATEGORIES = {
    "layers",
    "losses",
    "metrics",
    "callbacks",
    "models",
    "applications",
    "utils",
    "preprocessing",
    "optimizers",
    "activations",
    "datasets",
    "ops",
    "backend",
}
# Sub-modules that only add a level (keras.src.*, keras.layers.core.*, keras.utils.np_utils.*).
_TRANSPARENT = {"src", "api", "_v2", "python", "engine", "v1", "v2"}


@dataclass(frozen=True)
class KerasName:
    category: str  # one of CATEGORIES, or "" for top-level names (keras.Sequential)
    name: str


def keras_name(path: str) -> KerasName | None:
    """The Keras symbol a dotted import path points to, or None if it is not Keras."""
    parts = path.split(".")
    start = None
    for index, part in enumerate(parts):
        if part in KERAS_ROOTS:
            start = index + 1
            break
    if start is None:
        return None
    if start > 1 and parts[0] not in ("tensorflow", "tf"):
        return None
    rest = [p for p in parts[start:] if p not in _TRANSPARENT]
    if not rest:
        return KerasName("", "")
    category = ""
    for part in rest[:-1]:
        if part in CATEGORIES:
            category = part
            break
    if category == "" and rest[0] in CATEGORIES and len(rest) == 1:
        return KerasName(rest[0], "")
    return KerasName(category, rest[-1])
