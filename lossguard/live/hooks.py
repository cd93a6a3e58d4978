"""Wrapping ``Model.compile`` and the training entry points while live mode is on.

The wrappers call the original at once after (compile) or before (fit) reading the facts, pass
every argument through unchanged and never raise the reader's own errors into the user's cell.
``uninstall`` puts back exactly what was there: the original attribute where the class defined
one, nothing where the method was inherited.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TRAINING_METHODS = ("fit", "fit_generator", "train_on_batch")
FLAVOURS = ("keras", "tf_keras")  # tf.keras is one of the two, whichever TensorFlow chose
_MISSING = object()

OnCompile = Callable[[Any, Any, str, tuple[Any, ...], dict[str, Any]], None]
OnFit = Callable[[Any, Any, str, str, tuple[Any, ...], dict[str, Any]], None]


@dataclass
class KerasHooks:
    """The wrappers installed on each imported Keras flavour's ``Model`` class."""

    on_compile: OnCompile  # (model, keras module, prefix, args, kwargs)
    on_fit: OnFit  # (model, keras module, prefix, method, args, kwargs)
    installed: dict[str, list[tuple[type, str, Any]]] = field(default_factory=dict)

    def install_imported(self) -> list[str]:
        """Hook every Keras flavour the kernel has imported and that is not hooked yet."""
        done = []
        for prefix in FLAVOURS:
            module = sys.modules.get(prefix)
            model_cls = getattr(module, "Model", None) if module is not None else None
            if prefix in self.installed or not isinstance(model_cls, type):
                continue
            self.installed[prefix] = self._wrap(model_cls, module, prefix)
            done.append(prefix)
        return done

    def uninstall(self) -> None:
        for saved in self.installed.values():
            for cls, name, original in reversed(saved):
                if original is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, original)
        self.installed.clear()

    def _wrap(self, model_cls: type, module: Any, prefix: str) -> list[tuple[type, str, Any]]:
        saved: list[tuple[type, str, Any]] = []
        hooks = self

        def keep(name: str) -> Any:
            saved.append((model_cls, name, model_cls.__dict__.get(name, _MISSING)))
            return getattr(model_cls, name)

        original_compile = keep("compile")

        def compile(model: Any, *args: Any, **kwargs: Any) -> Any:
            result = original_compile(model, *args, **kwargs)
            hooks.on_compile(model, module, prefix, args, kwargs)
            return result

        compile.__wrapped__ = original_compile  # type: ignore[attr-defined]
        model_cls.compile = compile  # type: ignore[attr-defined]
        for method in TRAINING_METHODS:
            if hasattr(model_cls, method):
                setattr(model_cls, method, _training_entry(hooks, keep(method), module, prefix, method))
        return saved


def _training_entry(hooks: KerasHooks, original: Any, module: Any, prefix: str, method: str) -> Any:
    def entry(model: Any, *args: Any, **kwargs: Any) -> Any:
        hooks.on_fit(model, module, prefix, method, args, kwargs)
        return original(model, *args, **kwargs)

    entry.__wrapped__ = original  # type: ignore[attr-defined]
    entry.__name__ = method
    return entry
