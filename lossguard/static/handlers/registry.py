"""Library knowledge looked up by qualified name, the way mypy plugins are.

A handler for a function is registered under the name it is imported by (``numpy.eye``,
``tensorflow.one_hot``) or, for Keras, under its canonical ``keras:category.Name`` whatever the
import path (``tf.keras.layers.Dense``, ``tf_keras.layers.core.Dense`` and ``keras.layers.Dense``
are all ``keras:layers.Dense``); ``keras:*.Name`` matches a Keras symbol in any category and
``keras:layers.*`` a whole category. Methods, attributes and subscripts of library values are
looked up by the value's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lossguard.keras.names import keras_name
from lossguard.static.calls import Call
from lossguard.static.values import Value

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

FunctionHandler = Callable[["Interpreter", Call], Value]
MethodHandler = Callable[["Interpreter", Any, str, Call], Value]
AttributeHandler = Callable[["Interpreter", Any, str], Value]
SubscriptHandler = Callable[["Interpreter", Any, Value, Any], Value]

FUNCTIONS: dict[str, FunctionHandler] = {}
METHODS: dict[type, MethodHandler] = {}
ATTRIBUTES: dict[type, AttributeHandler] = {}
SUBSCRIPTS: dict[type, SubscriptHandler] = {}
STORES: dict[type, SubscriptHandler] = {}  # x[i] = v: what x becomes
H = TypeVar("H")


def _registrar(table: dict[Any, Any]) -> Callable[..., Callable[[H], H]]:
    """A decorator factory that files a handler under each of the given keys of ``table``."""

    def keys(*names: Any) -> Callable[[H], H]:
        def register(handler: H) -> H:
            for name in names:
                table[name] = handler
            return handler

        return register

    return keys


function = _registrar(FUNCTIONS)  # @function("numpy.eye", "keras:layers.*")
methods = _registrar(METHODS)  # @methods(ModelVal)
attributes = _registrar(ATTRIBUTES)  # @attributes(DataVal)
subscripts = _registrar(SUBSCRIPTS)  # @subscripts(EyeVal)
stores = _registrar(STORES)  # @stores(ArrayVal)


def candidate_names(path: str) -> list[str]:
    """The registry keys a qualified name may match, most specific first."""
    keys = [path]
    name = keras_name(path)
    if name is not None and name.name:
        keys += [f"keras:{name.category}.{name.name}", f"keras:*.{name.name}", f"keras:{name.category}.*"]
        return keys
    parts = path.split(".")
    keys += [".".join(parts[:end]) + ".*" for end in range(len(parts) - 1, 0, -1)]
    return keys


def function_for(path: str) -> FunctionHandler | None:
    for key in candidate_names(path):
        handler = FUNCTIONS.get(key)
        if handler is not None:
            return handler
    return None


def _unknown_method(ev: Interpreter, obj: Any, name: str, call: Call) -> Value:
    from lossguard.static.values import UNKNOWN

    return UNKNOWN


def method_for(obj: Value) -> MethodHandler:
    return METHODS.get(type(obj), _unknown_method)


def attribute_for(obj: Value) -> AttributeHandler | None:
    return ATTRIBUTES.get(type(obj))


def subscript_for(obj: Value) -> SubscriptHandler | None:
    return SUBSCRIPTS.get(type(obj))


def store_for(obj: Value) -> SubscriptHandler | None:
    return STORES.get(type(obj))
