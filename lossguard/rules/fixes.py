"""The edits fixes are made of, described on facts (the engine checks them against the text).

Each helper returns None when the fact is not written in a form the edit can change (a loss
given through a variable, a metric built by a helper): then there is no fix, only its words.
"""

from __future__ import annotations

import re

from lossguard.facts import Location, LossKind, LossSpec
from lossguard.findings import Edit, EditKind

LOSS_NAMES = {
    LossKind.BINARY_CE: ("binary_crossentropy", "BinaryCrossentropy"),
    LossKind.CATEGORICAL_CE: ("categorical_crossentropy", "CategoricalCrossentropy"),
    LossKind.SPARSE_CATEGORICAL_CE: ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
}
_IDENTIFIER = re.compile(r"[A-Za-z_][\w]*")


def string(location: Location | None, content: str) -> Edit | None:
    """A string literal written there becomes ``content`` (its quotes kept)."""
    return Edit(location, content, EditKind.STRING) if location is not None else None


def literal_to_code(location: Location | None, code: str) -> Edit | None:
    """A string literal written there becomes the code ``code`` (``'False'`` → ``False``)."""
    return Edit(location, code, EditKind.LITERAL) if location is not None else None


def keyword(location: Location | None, name: str, value: str) -> Edit | None:
    """The call written there gains ``name=value`` (not when it already has ``name``)."""
    return Edit(location, f"{name}={value}", EditKind.KEYWORD, old=name) if location is not None else None


def switch_loss(loss: LossSpec, kind: LossKind) -> Edit | None:
    """The loss as written, turned into ``kind``: a string, a function or a class, each kept in
    its own form (``'sparse_categorical_crossentropy'`` → ``'categorical_crossentropy'``,
    ``keras.losses.SparseCategoricalCrossentropy()`` → ``keras.losses.CategoricalCrossentropy()``)."""
    old = LOSS_NAMES.get(loss.kind)
    new = LOSS_NAMES.get(kind)
    if old is None or new is None or loss.wrapper is not None:
        return None  # a loss wrapped in a function of the script is fixed in that function
    written = loss.name.strip()
    if _IDENTIFIER.fullmatch(written) and written == old[0]:
        return string(loss.location, new[0])
    for form in (0, 1):
        if re.search(rf"(?<![\w]){old[form]}\b", written):
            return Edit(loss.location, new[form], EditKind.RENAME, old=old[form])
    return None
