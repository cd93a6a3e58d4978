"""Branch and loop state: run alternative paths from one state, keep what they agree on.

An ``if`` whose test is unknown, or a loop that may run zero times, is a ``Fork``: every path
starts from the same variables and model structures; afterwards a variable keeps its value only
when every path left the same one, and a model whose structure differs between paths becomes
unknown (its compile uncertain). That is how "the head is chosen in a branch" stays silent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lossguard.static.values import UNKNOWN, CompileVal, Const, ModelVal, TensorVal, Value


@dataclass(frozen=True)
class ModelState:
    layers: tuple[Value, ...]
    compile: CompileVal | None
    outputs: list[TensorVal] | None

    @classmethod
    def of(cls, model: ModelVal) -> ModelState:
        return cls(tuple(model.layers), model.compile, model.outputs)

    def restore(self, model: ModelVal) -> None:
        model.layers = list(self.layers)
        model.compile = self.compile
        model.outputs = self.outputs

    def same(self, other: ModelState) -> bool:
        return (
            len(self.layers) == len(other.layers)
            and all(a is b for a, b in zip(self.layers, other.layers, strict=True))
            and self.compile is other.compile
            and self.outputs is other.outputs
        )


def same_value(values: list[Value]) -> bool:
    """True when every value is the same object, or equal constants of one type."""
    first = values[0]
    for other in values[1:]:
        if other is first:
            continue
        if (
            isinstance(first, Const)
            and isinstance(other, Const)
            and type(first.value) is type(other.value)
            and first.value == other.value
        ):
            continue
        return False
    return True


class Fork:
    """One branch point over a variable environment and the models alive at its start."""

    def __init__(self, env: dict[str, Value], models: Iterable[ModelVal]) -> None:
        self.env = env
        self.start_env = dict(env)
        self.models = list(models)
        self.start = {id(m): ModelState.of(m) for m in self.models}
        self.ends: list[tuple[dict[str, Value], dict[int, ModelState]]] = []

    def run(self, path: Callable[[], None]) -> None:
        self.env.clear()
        self.env.update(self.start_env)
        for model in self.models:
            self.start[id(model)].restore(model)
        path()
        self.ends.append((dict(self.env), {id(m): ModelState.of(m) for m in self.models}))

    def join(self) -> None:
        names = set().union(*(env.keys() for env, _ in self.ends))
        merged: dict[str, Value] = {}
        for name in names:
            candidates = [env.get(name, UNKNOWN) for env, _ in self.ends]
            merged[name] = candidates[0] if same_value(candidates) else UNKNOWN
        self.env.clear()
        self.env.update(merged)
        for model in self.models:
            states = [states[id(model)] for _, states in self.ends]
            if all(states[0].same(s) for s in states[1:]):
                states[0].restore(model)
                continue
            self.start[id(model)].restore(model)
            model.layers = [UNKNOWN]
            model.outputs = None
            if model.compile is not None or any(s.compile is not None for s in states):
                model.compile = CompileVal(model.ref, UNKNOWN, None, UNKNOWN, [], "", True)


def fork(env: dict[str, Value], models: Iterable[ModelVal], paths: list[Callable[[], None]]) -> None:
    branch = Fork(env, models)
    for path in paths:
        branch.run(path)
    branch.join()
