"""A call's evaluated arguments, as library handlers and the recorder see them."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from lossguard.static.values import Value


@dataclass
class Args:
    positional: list[Value]
    keywords: dict[str, Value]
    has_star: bool
    nodes: dict[str, cst.CSTNode]  # keyword name or "#i" → argument value node

    def get(self, index: int | None, name: str) -> Value | None:
        if name in self.keywords:
            return self.keywords[name]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return None

    def node(self, index: int | None, name: str) -> cst.CSTNode | None:
        if name in self.nodes:
            return self.nodes[name]
        if index is not None:
            return self.nodes.get(f"#{index}")
        return None

    def given(self, index: int | None, name: str) -> bool:
        return self.get(index, name) is not None


NO_ARGS = Args([], {}, False, {})


@dataclass
class Call:
    """One call of a library function: its qualified name as imported, arguments and node."""

    path: str
    args: Args
    node: cst.Call
