"""What each built-in loss expects of the output and of the labels: the table the rules read.

Read from the loss functions of Keras 3 (``keras/src/losses/losses.py``) and tf_keras
(``tf_keras/src/losses.py``), and measured loss by loss against six output heads and eleven
label encodings by the sweep in ``tests/consequences/matrix.py`` (its table:
``tests/consequences/matrix.json``). Only what both Keras flavours share is written here.

``output``: what ``y_pred`` must be —
  ``probabilities`` (each unit in [0, 1]: sigmoid), ``distribution`` (rows of probabilities that
  sum to 1: softmax), ``logits`` (``from_logits=True``), ``real`` (any value), ``positive`` (MSLE
  takes ``log(y_pred + 1)`` of clipped outputs), ``rate`` (Poisson takes ``log(y_pred)``),
  ``score`` (hinge: a signed margin), ``cosine`` (a direction over the last axis), ``overlap``
  (Dice, Tversky: soft set overlap of probabilities).
``labels``: what ``y_true`` must hold —
  ``zero_one`` (values in [0, 1]), ``distribution`` (rows in [0, 1] that sum to 1: one-hot or
  soft labels), ``class_ids`` (sparse losses), ``signs`` (hinge: −1/+1, or 0/1 which Keras maps
  to −1/+1), ``one_hot`` (categorical hinge: 0/1 one-hot rows), ``real``, ``non_negative``
  (MSLE, Poisson), ``non_zero`` (MAPE divides by ``|y_true|``), ``any`` (cosine similarity).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from lossguard.keras.vocabulary import loss_key

Output = Literal[
    "probabilities", "distribution", "logits", "real", "positive", "rate", "score", "cosine", "overlap"
]
Labels = Literal[
    "zero_one", "distribution", "class_ids", "signs", "one_hot", "real", "non_negative", "non_zero", "any"
]


@dataclass(frozen=True)
class LossContract:
    name: str  # the Keras 3 function name, as messages write it
    output: Output
    labels: Labels
    sparse: bool = False  # reads one class id per sample; the others compare element by element
    has_from_logits: bool = False  # takes from_logits=True (then the output must be logits)


_TABLE = (
    (LossContract("binary_crossentropy", "probabilities", "zero_one", has_from_logits=True), ("bce",)),
    (
        LossContract("categorical_crossentropy", "distribution", "distribution", has_from_logits=True),
        ("cce",),
    ),
    (
        LossContract("sparse_categorical_crossentropy", "distribution", "class_ids", True, True),
        ("scce",),
    ),
    (LossContract("binary_focal_crossentropy", "probabilities", "zero_one", has_from_logits=True), ()),
    (
        LossContract("categorical_focal_crossentropy", "distribution", "distribution", has_from_logits=True),
        (),
    ),
    (LossContract("mean_squared_error", "real", "real"), ("mse",)),
    (LossContract("mean_absolute_error", "real", "real"), ("mae",)),
    (LossContract("mean_absolute_percentage_error", "real", "non_zero"), ("mape",)),
    (LossContract("mean_squared_logarithmic_error", "positive", "non_negative"), ("msle",)),
    (LossContract("huber", "real", "real"), ("huber_loss",)),
    (LossContract("log_cosh", "real", "real"), ("logcosh",)),
    (LossContract("hinge", "score", "signs"), ()),
    (LossContract("squared_hinge", "score", "signs"), ()),
    (LossContract("categorical_hinge", "score", "one_hot"), ()),
    (LossContract("kl_divergence", "distribution", "distribution"), ("kld", "kullback_leibler_divergence")),
    (LossContract("poisson", "rate", "non_negative"), ()),
    (LossContract("cosine_similarity", "cosine", "any"), ()),
    (LossContract("dice", "overlap", "zero_one"), ()),
    (LossContract("tversky", "overlap", "zero_one"), ()),
)
CONTRACTS: dict[str, LossContract] = {}
for _contract, _aliases in _TABLE:
    for _name in (_contract.name, *_aliases):
        CONTRACTS[loss_key(_name)] = _contract
# (Class names read the same once squashed: MeanSquaredError and mean_squared_error are one key.)


def builtin_loss(written: str) -> str | None:
    """The built-in loss a written name or class is (``'mae'``, ``keras.losses.Huber()`` →
    ``mean_absolute_error``, ``huber``), whatever its options; None for any other."""
    contract = CONTRACTS.get(loss_key(written))
    return contract.name if contract is not None else None


def contract_for(written: str, from_logits: bool | None) -> LossContract | None:
    """The contract of a loss as written (``'kld'``, ``keras.losses.Poisson()``); with
    ``from_logits=True`` the output it expects is logits. None: not a built-in we know, or its
    ``from_logits`` is not known."""
    contract = CONTRACTS.get(loss_key(written))
    if contract is None:
        return None
    if contract.has_from_logits:
        if from_logits is None:
            return None
        if from_logits:
            return replace(contract, output="logits")
    return contract


__all__ = ["CONTRACTS", "LossContract", "builtin_loss", "contract_for"]
