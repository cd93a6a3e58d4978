"""Keras eras, and the clues in a script that tell which of them it was written for.

What lossguard needs to know of a Keras version comes down to a few questions — how a bare
``'accuracy'`` is resolved, what key it is logged under, whether Keras 3's stricter callbacks
apply — and their answers change at a few releases. An *era* is a span of releases that answers
them alike. A script's API is evidence: each clue names the eras in which it works (read in the
Keras sources named in ``semantics.py``; Keras 2.0.9–2.3.1 ``engine/training.py`` still accept
``nb_epoch`` and ``fit_generator``, ``legacy/interfaces.py`` Keras 1 argument names, and
``optimizers.py`` ``lr``; tf.keras accepted ``lr=`` through 2.10 and kept ``fit_generator``
through 2.15; Keras 3 removed all of them). The clues are intersected: a vote, not a switch.
Clues that contradict each other leave every era possible (unknown), never the oldest guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KERAS1 = "keras1"  # Keras 1.x
KERAS20 = "keras2.0"  # multi-backend Keras 2.0–2.2: 'accuracy' from the loss, logged as 'acc'
KERAS23 = "keras2.3"  # multi-backend Keras 2.3: from the loss, logged as written
TF1 = "tf1"  # tf.keras in TensorFlow 1.x: from the loss, logged as 'acc'
TF20 = "tf2.0"  # tf.keras 2.0–2.1: from the loss, logged as written
TF22 = "tf2.2"  # tf.keras 2.2–2.15 and tf_keras: from shapes, logged as written
KERAS3 = "keras3"  # Keras 3: from shapes, logged as written; stricter callbacks
ALL = frozenset({KERAS1, KERAS20, KERAS23, TF1, TF20, TF22, KERAS3})
BEFORE_KERAS3 = ALL - {KERAS3}
MULTI_BACKEND = frozenset({KERAS1, KERAS20, KERAS23})
TENSORFLOW1 = frozenset({KERAS1, KERAS20, KERAS23, TF1})  # what ran on TensorFlow 1.x
ACCURACY_FROM_LOSS = frozenset({KERAS1, KERAS20, KERAS23, TF1, TF20})
LOGS_ACC = frozenset({KERAS1, KERAS20, TF1})  # a metric written 'accuracy' is logged as 'acc'


def era_of(line: str, version: tuple[int, ...]) -> str:
    """The era of one Keras release (``line`` as in ``facts.KerasTarget``)."""
    if line == "keras3":
        return KERAS3
    if line == "tf.keras":
        if version < (2, 0):
            return TF1
        return TF20 if version < (2, 2) else TF22
    if version < (2,):
        return KERAS1
    return KERAS20 if version < (2, 3) else KERAS23


@dataclass(frozen=True)
class Clue:
    pattern: re.Pattern[str]
    eras: frozenset[str]
    evidence: str  # how a message names it


def _clue(pattern: str, eras: frozenset[str], evidence: str) -> Clue:
    return Clue(re.compile(pattern), eras, evidence)


_HISTORY = r"""\.history\s*(?:\[\s*|\.get\s*\(\s*)['"]"""
CLUES = (
    _clue(r"\b(?:fit|predict|evaluate)_generator\s*\(", BEFORE_KERAS3, "fit_generator()"),
    _clue(r"\bnb_epoch\s*=", BEFORE_KERAS3 - {TF22}, "nb_epoch="),
    _clue(r"\bnp_utils\b", BEFORE_KERAS3, "np_utils"),
    _clue(r"\b(?:Adam|SGD|RMSprop|Adagrad|Adadelta|Adamax|Nadam)\s*\([^)]*\blr\s*=", BEFORE_KERAS3, "lr="),
    _clue(r"\bpredict_classes\s*\(", BEFORE_KERAS3, "predict_classes()"),
    _clue(
        # the legacy text utilities (Tokenizer, one_hot, text_to_word_sequence): Keras 3 has no
        # keras.preprocessing.text (3.15.1: ModuleNotFoundError); tf.keras kept it through 2.15
        r"\bkeras\.preprocessing\.text\b|\bfrom\s+(?:tensorflow\.)?keras\.preprocessing\s+import\s+[^\n]*\btext\b",
        BEFORE_KERAS3,
        "keras.preprocessing.text",
    ),
    _clue(
        r"\bborder_mode\s*=|\bnb_filter\s*=|\bsamples_per_epoch\s*=|\binit\s*=\s*['\"]",
        MULTI_BACKEND,
        "Keras 1 argument names",
    ),
    _clue(
        r"\bkeras\.(?:engine|layers\.(?:core|convolutional|pooling|recurrent))\b",
        BEFORE_KERAS3,
        "keras.engine / keras.layers.core",
    ),
    _clue(
        # tf.set_random_seed is TensorFlow 1's; keras.utils.set_random_seed (TF 2.7+, Keras 3)
        # is not, nor is tf.random.set_seed.
        r"\b(?:tf|tensorflow)\.set_random_seed\b|\bfrom\s+tensorflow\s+import\s+[^\n]*\bset_random_seed\b"
        r"|\btf\.Session\s*\(|\btf\.placeholder\s*\(|\btf\.contrib\b|\bConfigProto\s*\("
        r"|\btensorflow_backend\b",
        TENSORFLOW1,
        "TensorFlow 1 API",
    ),
    _clue(
        r"\butils\.set_random_seed\b|\bfrom\s+(?:tensorflow\.)?keras\.utils\s+import\s+[^\n]*\bset_random_seed\b",
        frozenset({TF22, KERAS3}),
        "keras.utils.set_random_seed()",
    ),
    _clue(
        r"\bTensorBoard\s*\([^)]*\b(?:write_grads|batch_size)\s*=", TENSORFLOW1, "TensorBoard(write_grads=…)"
    ),
    _clue(_HISTORY + r"(?:val_)?accuracy['\"]", ALL - LOGS_ACC, "history['accuracy']"),
    _clue(
        r"\bkeras\.ops\b|\bfrom\s+keras\s+import\s+[^\n]*\bops\b|\bkeras_core\b|\bkeras\.src\b"
        r"|\bkeras\.config\.|\bPyDataset\b",
        frozenset({KERAS3}),
        "Keras 3 API (keras.ops, …)",
    ),
    _clue(r"\bimport\s+tf_keras\b|\bfrom\s+tf_keras\b", frozenset({TF22}), "tf_keras"),
)
# 'acc' read from the history of a metric written 'accuracy': only the eras that log it so.
_ACC_READ = re.compile(_HISTORY + r"(val_)?acc['\"]")
_ACC_WRITTEN = re.compile(r"""['"]acc['"]""")


def clues_in(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The eras every clue in the script allows (``ALL`` when none, or when they contradict
    each other) and the evidence that narrowed them."""
    eras = ALL
    evidence: list[str] = []
    for clue in CLUES:
        if clue.pattern.search(text) is None:
            continue
        narrowed = eras & clue.eras
        if not narrowed:
            return ALL, ()  # contradicting clues: nothing is known
        if narrowed != eras:
            eras = narrowed
            evidence.append(clue.evidence)
    reads = _ACC_READ.findall(text)  # each read: "val_" or ""
    plain = sum(1 for prefix in reads if not prefix)  # history['acc'] holds an 'acc' literal too
    written_acc = len(_ACC_WRITTEN.findall(text)) > plain  # 'acc' written as a metric elsewhere
    if reads and not written_acc and re.search(r"""['"]accuracy['"]""", text):
        narrowed = eras & LOGS_ACC
        if not narrowed:
            return ALL, ()
        if narrowed != eras:
            eras = narrowed
            evidence.append("history['acc'] of a metric written 'accuracy'")
    return eras, tuple(evidence)
