"""Source words the rules declare they need (``Needs.words``), each a necessary condition.

A word here must occur in every file from which the static extractor can derive the fact: a
softmax head is written ``softmax`` somewhere (string, ``Softmax`` layer, ``tf.nn.softmax``) or
comes from a pretrained application (``applications``), and so on. Case is ignored. When the
extractor learns a new way to derive a fact, the word list of that fact must grow with it; the
rule-doc and fixture tests fail otherwise.
"""

from __future__ import annotations

from lossguard.keras.vocabulary import BOOL_PARAMS, INT_PARAMS

SOFTMAX_HEAD = r"softmax|applications"
SIGMOID_HEAD = r"sigmoid|applications"
PROBABILITY_HEAD = r"softmax|sigmoid|applications"
BINARY_LOSS = r"binary|bce"
CATEGORICAL_LOSS = r"categorical|cce"
CROSSENTROPY_LOSS = r"crossentropy|['\"](?:s?cce|bce|ce)['\"]"
FROM_LOGITS = r"from_logits"
RESCALING_LAYER = r"normalization|rescaling"
ACCURACY = r"acc"
THRESHOLD_METRIC = r"acc|precision|recall|auc"
CALLBACK = r"EarlyStopping|ModelCheckpoint|ReduceLROnPlateau"
MODE = r"\bmode\b"
# Every way the extractor learns labels (or a 2-D label array's width).
LABELS = (
    r"to_categorical|eye|identity|argmax|randint|one_hot|get_dummies|tensorflow_datasets"
    r"|dataset_from_directory|load_data|flow_from_|zeros|ones|empty|rand"
)
ONE_HOT_LABELS = r"categorical|eye|identity|one_hot|get_dummies|flow_from_"

# A string literal written as the argument (the recorder reads only such literals).
_STRING = r"\s*=\s*\(*\s*[rRuU]?['\"]"
STRING_FOR_BOOL = r"\b(?:" + "|".join(sorted({*BOOL_PARAMS, *INT_PARAMS})) + ")" + _STRING
CLASS_WEIGHT_STRING = r"\bclass_weight" + _STRING
STEPS = r"steps_per_epoch|validation_steps"
# A count of samples: len(x), iterator.samples / .n, or a name that says samples.
SAMPLE_COUNT = r"len|sample|\.n\b"
