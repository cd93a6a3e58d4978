"""Snippets without imports (pasted from a question, an issue, a slide): names that are
unmistakably Keras are read as Keras.

A file qualifies only when it does not name Keras or TensorFlow at all (a script that does is
read through its imports), has no star import (whose names could be anything), calls a bare
Keras model or layer constructor (``Sequential(``, ``Dense(``, ``Conv2D(``…) and compiles a
model. Then each Keras name it uses without binding it anywhere — not imported, assigned,
defined or a parameter — means the Keras symbol of that name. Which Keras it was written for is
unknown, so version-dependent rules stay silent.
"""

from __future__ import annotations

import ast
import re

from lossguard.reading.sources import parse_python

MODELS = {"Sequential": "keras.models.Sequential", "Model": "keras.models.Model"}
_LAYER_NAMES = (
    "Input",
    "InputLayer",
    "Dense",
    "Activation",
    "Dropout",
    "Flatten",
    "Reshape",
    "BatchNormalization",
    "LayerNormalization",
    "Embedding",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Bidirectional",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv2DTranspose",
    "SeparableConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "TimeDistributed",
    "Softmax",
    "LeakyReLU",
    "ReLU",
    "Concatenate",
    "Add",
)
LAYERS = {name: f"keras.layers.{name}" for name in _LAYER_NAMES}
OTHERS = {
    "to_categorical": "keras.utils.to_categorical",
    "EarlyStopping": "keras.callbacks.EarlyStopping",
    "ModelCheckpoint": "keras.callbacks.ModelCheckpoint",
    "ReduceLROnPlateau": "keras.callbacks.ReduceLROnPlateau",
    "Adam": "keras.optimizers.Adam",
    "SGD": "keras.optimizers.SGD",
    "RMSprop": "keras.optimizers.RMSprop",
    "ImageDataGenerator": "keras.preprocessing.image.ImageDataGenerator",
    "np": "numpy",  # the universal alias; snippets leave its import out as often as Keras's
}
SNIPPET_NAMES = {**MODELS, **LAYERS, **OTHERS}
_BUILDERS = "|".join(
    sorted({"Sequential", "Dense", "Conv1D", "Conv2D", "Conv3D", "LSTM", "GRU", "Embedding"})
)
_BARE_BUILDER = re.compile(rf"(?<![\w.])(?:{_BUILDERS})\s*\(")
_COMPILE = re.compile(r"\.compile\s*\(")
_KERAS_WORDS = ("keras", "tensorflow")


def free_keras_names(text: str) -> dict[str, str]:
    """Name → Keras path for the Keras names a snippet uses unbound (empty: not a snippet)."""
    if any(word in text for word in _KERAS_WORDS):
        return {}  # the common case — a script that names Keras — costs one substring search
    if not _BARE_BUILDER.search(text) or not _COMPILE.search(text):
        return {}
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                return {}  # a star import could bind anything (a Keras import: the text said so)
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
    free = {name: path for name, path in SNIPPET_NAMES.items() if name in used and name not in bound}
    if not any(name in free for name in (*MODELS, *LAYERS)):
        return {}
    return free
