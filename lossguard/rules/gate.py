"""The prefilter: which files are worth parsing, derived from the enabled rules' ``Needs``.

A file is parsed only when it names Keras, holds the anchor of some enabled rule (a compile or
fit call, a flagged literal) and every word that rule needs. Patterns are matched case-blind on
the raw bytes; a plain-text branch is answered by substring search and a regex is compiled only
when a file passes the literal check of that regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lossguard.rules.registry import MODEL_CALL, RULES, TRAINING_CALL

# Every rule is about Keras: a file that never says so cannot hold one of its mistakes.
# Keras is named (an import, tf.keras), or a snippet calls a bare Keras builder (static/snippets.py).
LIBRARY = "|".join(
    [
        "keras",
        *(
            rf"(?<![\w.]){name}\s*\("
            for name in ("sequential", "dense", "conv[123]d", "lstm", "gru", "embedding")
        ),
    ]
)


PARSE_ERROR = "LG900"
PROBE_FAILED = "LG901"


def makes_setups(data: bytes) -> bool:
    """The file compiles or trains a model: its setups may need a model from another module.
    (Method names are case-sensitive in Python: the raw bytes are searched.)"""
    if b".compile" not in data and b".fit" not in data and b".train_on_batch" not in data:
        return False
    return _compiled(MODEL_CALL).search(data) is not None


@dataclass(frozen=True)
class Gate:
    """The byte prefilter and the method-pruning pattern derived from the enabled rules' needs.

    ``sources`` holds each distinct regex once, compiled when a file passes its literal check;
    ``static`` lists, per enabled rule, the index of its anchor pattern and of each of its
    words, so a file is searched at most once per regex.
    """

    sources: tuple[str, ...]  # each distinct regex, lower-case, compiled on first real use
    literals: tuple[tuple[bytes, ...] | None, ...]  # per pattern: one of these must occur
    static: tuple[tuple[int, tuple[int, ...]], ...]
    library: int
    runtime: int | None
    method_anchor: str | None  # a regex, matched case-blind (compiled where a method is met)
    sufficient: tuple[tuple[bytes, ...], ...] = ()  # per pattern: any of these occurring is a match

    def static_candidate(self, data: bytes) -> bool:
        """True when some enabled rule could get a fact from this file's text."""
        lowered = data.lower()  # case-blind, yet the regex engine keeps its fast literal search
        seen: dict[int, bool] = {}

        def has(index: int) -> bool:
            hit = seen.get(index)
            if hit is None:
                if any(literal in lowered for literal in self.sufficient[index]):
                    hit = seen[index] = True  # a branch that is plain text occurs: no regex needed
                    return hit
                needed = self.literals[index]
                possible = needed is None or any(literal in lowered for literal in needed)
                hit = seen[index] = possible and self.pattern(index).search(lowered) is not None
            return hit

        return has(self.library) and any(
            has(anchor) and all(has(w) for w in words) for anchor, words in self.static
        )

    def runtime_candidate(self, data: bytes) -> bool:
        """True when the probe could give an enabled rule a fact (the script trains a model)."""
        if self.runtime is None:
            return False
        lowered = data.lower()
        return all(self.pattern(i).search(lowered) is not None for i in (self.library, self.runtime))

    def pattern(self, index: int) -> re.Pattern[bytes]:
        return _compiled(self.sources[index])


def _lower(pattern: str) -> str:
    """A pattern for lower-cased text (escapes such as ``\\S`` would change meaning: refused)."""
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError(f"rule words are matched case-blind; write {pattern!r} without upper-case escapes")
    return pattern.lower()


@cache
def gate_for(enabled_codes: frozenset[str]) -> Gate:
    patterns: dict[str, int] = {}
    literals: dict[int, tuple[bytes, ...] | None] = {}

    def index(pattern: str, parts: tuple[str, ...] | None = None) -> int:
        if pattern in patterns:  # many rules share an anchor: its literals are derived once
            return patterns[pattern]
        number = patterns[pattern] = len(patterns)
        needed = [required_literals(_lower(p)) for p in (parts or (pattern,))]
        literals[number] = None if None in needed else tuple(b for n in needed for b in n or ())
        return number

    static: list[tuple[int, tuple[int, ...]]] = []
    anchors: list[str] = []
    runtime = False
    library = index(LIBRARY)
    for code in sorted(enabled_codes):
        info = RULES.get(code)
        if info is None or info.needs is None:
            continue
        needs = info.needs
        runtime = runtime or info.subject == "setup"
        if needs.runtime_only:
            continue
        anchor = index("|".join(f"(?:{a})" for a in needs.anchors), needs.anchors)
        static.append((anchor, tuple(index(w) for w in needs.words)))
        anchors.extend(needs.anchors)
    if not static and PARSE_ERROR in enabled_codes:
        # LG900 alone (--select LG900): the files a rule would read are those that compile or
        # train a model; they are parsed for their syntax verdict instead of all being skipped.
        static.append((index(MODEL_CALL), ()))
    # LG901 alone (--select LG901 --probe): the probe runs for its own verdict (did it reach fit()).
    runtime = runtime or PROBE_FAILED in enabled_codes
    training = index(TRAINING_CALL) if runtime else None
    method = "|".join(f"(?:{a})" for a in dict.fromkeys(anchors)) if anchors else None
    sources = tuple(_lower(p) for p in patterns)
    sufficient = tuple(
        tuple(b.encode() for b in _branches(source) if b and not (set(b) & _META)) for source in sources
    )
    return Gate(
        sources,
        tuple(literals[i] for i in range(len(sources))),
        tuple(static),
        library,
        training,
        method,
        sufficient,
    )


@cache
def _compiled(source: str) -> re.Pattern[bytes]:
    return re.compile(source.encode())


_META = set(".^$*+?{}[]()|\\")


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex."""
    out, depth, start, index = [], 0, 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(pattern, index)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:index])
            start = index + 1
        index += 1
    return [*out, pattern[start:]]


def _class_end(pattern: str, index: int) -> int:
    index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index


def _longest_literal(branch: str) -> str:
    """The longest run of plain characters outside groups that every match contains."""
    runs, run, depth, index = [""], "", 0, 0
    while index < len(branch):
        char = branch[index]
        if char == "\\" and index + 1 < len(branch):
            escaped = branch[index + 1]
            index += 2
            if escaped == "b":
                continue  # an assertion: consumes nothing
            if depth == 0 and escaped in _META | {"'", '"', "-", "/", "=", " "}:
                run += escaped
                continue
            runs.append(run)
            run = ""
            continue
        index += 1
        if char == "(":
            depth += 1
            runs.append(run)
            run = ""
        elif char == ")":
            depth -= 1
        elif char == "[":
            index = _class_end(branch, index - 1) + 1
            runs.append(run)
            run = ""
        elif char in "?*{":
            run = run[:-1]  # the character before is optional
            runs.append(run)
            run = ""
            if char == "{":
                index = branch.find("}", index) + 1 or len(branch)
        elif char in ".^$+|":
            runs.append(run)
            run = ""
        elif depth == 0:
            run += char
    runs.append(run)
    return max(runs, key=len)


def required_literals(pattern: str) -> tuple[bytes, ...] | None:
    """Literals one of which every match of ``pattern`` contains; None when not derivable."""
    found = []
    for branch in _branches(pattern):
        literal = _longest_literal(branch)
        if len(literal) < 2:
            return None
        found.append(literal.encode())
    return tuple(found)
