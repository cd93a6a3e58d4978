"""Which layers lead to each model output: Sequential lists, functional tensors, nested models."""

from __future__ import annotations

from lossguard.static.values import UNKNOWN, ModelVal, TensorVal, Value

MAX_NESTING = 4
MAX_CHAIN = 12


def output_chains(
    layers: list[Value], outputs: list[TensorVal] | None, model: ModelVal
) -> list[list[Value]] | None:
    """The layers leading to each output, nearest last; None when the structure is unknown."""
    if model.kind == "sequential":
        return [expand(layers)]
    if model.kind == "functional" and outputs:
        chains = [tensor_chain(t) for t in outputs]
        if model.wraps is not None and all(c == [UNKNOWN] for c in chains):
            return _wrapped(model.wraps)
        return chains
    if model.kind == "functional" and model.wraps is not None:
        return _wrapped(model.wraps)
    if model.kind == "pretrained" and model.top_layer is not None:
        return [[model.top_layer]]
    if model.kind == "subclassed" and layers:
        return [expand(layers)]  # a straight chain read from call() (static/subclass.py)
    return None


def _wrapped(inner: ModelVal) -> list[list[Value]] | None:
    """A model built on another model's own inputs whose outputs we cannot follow (merged
    towers of a multi-GPU wrapper): it computes the inner model's outputs."""
    return output_chains(inner.layers, inner.outputs, inner)


def expand(items: list[Value], depth: int = 0) -> list[Value]:
    """A Sequential's layers with nested models replaced by their own chains."""
    chain: list[Value] = []
    for item in items:
        if isinstance(item, ModelVal) and depth < MAX_NESTING:
            inner = output_chains(item.layers, item.outputs, item)
            if inner is None or len(inner) != 1:
                chain.append(UNKNOWN)
            else:
                chain.extend(expand(inner[0], depth + 1) if item.kind == "sequential" else inner[0])
        elif isinstance(item, TensorVal):
            chain.append(UNKNOWN)
        else:
            chain.append(item)
    return chain


def nested_models(layers: list[Value], outputs: list[TensorVal] | None, depth: int = 0) -> list[ModelVal]:
    """The models used as layers of a model (a GAN's generator inside its combined model)."""
    found = [item for item in layers if isinstance(item, ModelVal)]
    for tensor in outputs or ():
        current: TensorVal | None = tensor
        for _ in range(MAX_CHAIN):
            if current is None:
                break
            if isinstance(current.layer, ModelVal):
                found.append(current.layer)
            current = current.parent
    if depth < MAX_NESTING:
        for model in list(found):
            found += nested_models(model.layers, model.outputs, depth + 1)
    return found


def tensor_chain(tensor: TensorVal, limit: int = MAX_CHAIN) -> list[Value]:
    """Walk a functional output back through the layers that made it."""
    chain: list[Value] = []
    current: TensorVal | None = tensor
    while current is not None and len(chain) < limit:
        if current.opaque:
            chain.append(UNKNOWN)
            break
        layer = current.layer
        if layer is None:
            if current.parent is None:
                chain.append(UNKNOWN)
                break
        elif isinstance(layer, ModelVal):
            inner = output_chains(layer.layers, layer.outputs, layer)
            if inner is None or len(inner) != 1:
                chain.append(UNKNOWN)
                break
            chain.extend(reversed(expand(inner[0])))
        else:
            chain.append(layer)
        current = current.parent
    chain.reverse()
    return chain
