"""Interception: Keras' compile, fit and saving, and where the script made its layers and callbacks.

``fit``/``fit_generator``/``train_on_batch`` never train: the first call hands the model to
``observe`` and stops the script (``ProbeDone``).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import sys
from typing import Any

from lossguard.probe.context import RUN, script_line
from lossguard.probe.observe import on_fit


class ProbeDone(BaseException):
    """Raised at the first fit() to stop the user's script once the facts are taken."""


def patch_keras_namespace(keras_mod: Any, prefix: str) -> None:
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
        RUN.compiles[id(self)] = {
            "loss": recorded.get("loss"),
            "metrics": recorded.get("metrics"),
            "line": script_line(),
        }
        return original_compile(self, *args, **kwargs)

    model_cls.compile = compile

    def intercept(method: str) -> Any:
        def training_entry(self: Any, *args: Any, **kwargs: Any) -> Any:
            on_fit(self, method, args, kwargs, keras_mod, prefix)
            raise ProbeDone

        return training_entry

    for method in ("fit", "fit_generator", "train_on_batch"):
        # Every class that defines it, so that ``TensorFlowTrainer.fit(model, …)`` (a base
        # class called directly) stops at the first step too.
        for owner in model_cls.__mro__:
            if owner is not object and method in vars(owner):
                setattr(owner, method, intercept(method))

    def no_save(self: Any, *args: Any, **kwargs: Any) -> None:
        RUN.notes.append(f"{type(self).__name__}.save*() skipped by the probe (no writes)")

    for method in ("save", "save_weights", "export"):
        if hasattr(model_cls, method):
            setattr(model_cls, method, no_save)

    original_layer_init = layer_cls.__init__

    def layer_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_layer_init(self, *args, **kwargs)
        with contextlib.suppress(Exception):
            object.__setattr__(self, "_lossguard_line", script_line())

    layer_cls.__init__ = layer_init

    original_callback_init = callback_cls.__init__

    def callback_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_callback_init(self, *args, **kwargs)
        self._lossguard_line = script_line()

    callback_cls.__init__ = callback_init


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches a module the moment the script first imports it (``import tf_keras as keras``
    without ``TF_USE_LEGACY_KERAS``): the probe intercepts every Keras the user can import."""

    def __init__(self, name: str, patch: Any) -> None:
        self.name = name
        self.patch = patch

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # one shot: find the real module, then patch it once loaded
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module
        patch = self.patch

        def exec_module(module: Any) -> None:
            original(module)
            patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def no_op_saves(keras_mod: Any) -> None:
    """The function forms of saving (the methods are handled in patch_keras_namespace)."""

    def skipped(*args: Any, **kwargs: Any) -> None:
        RUN.notes.append("a save function was skipped by the probe (no writes)")

    for module_name in ("saving", "models"):
        module = getattr(keras_mod, module_name, None)
        for function in ("save_model", "save_weights"):
            if module is not None and hasattr(module, function):
                setattr(module, function, skipped)
    with contextlib.suppress(ImportError, AttributeError):
        import tensorflow as tf

        tf.saved_model.save = skipped
