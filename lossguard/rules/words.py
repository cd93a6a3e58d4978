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
# Loss names as keras.vocabulary resolves them (binary_crossentropy, BinaryCrossentropy, 'bce').
BINARY_LOSS = r"binary_?crossentropy|['\"]bce['\"]|sigmoid_cross_entropy"
CATEGORICAL_LOSS = r"categorical_?crossentropy|['\"]s?cce['\"]|softmax_cross_entropy"
CROSSENTROPY_LOSS = r"crossentropy|['\"]s?cce['\"]|['\"]bce['\"]|['\"]ce['\"]|cross_entropy_with_logits"
FROM_LOGITS = r"from_logits|_with_logits"
# Activations whose outputs are neither probabilities nor logits a loss can squash.
NEITHER_ACTIVATION = (
    r"relu|elu|softplus|softsign|tanh|exponential|swish|silu|gelu|mish|squareplus|sparse_plus"
)
RESCALING_LAYER = r"normalization|rescaling"
# 'accuracy'/'acc', binary_accuracy, CategoricalAccuracy, … ('acc' only as a string).
ACCURACY = r"accuracy|['\"]acc['\"]"
THRESHOLD_METRIC = ACCURACY + r"|precision|recall|auc"
CALLBACK = r"EarlyStopping|ModelCheckpoint|ReduceLROnPlateau"
# Every way the extractor learns labels; a bare array's width counts only when its shape is
# written at the call (np.zeros((n, 5))), so the word is that call with a literal shape.
LABELS = (
    r"to_categorical|eye|identity|argmax|randint|one_hot|get_dummies|tensorflow_datasets"
    r"|dataset_from_directory|load_data|flow_from_|encoder|binarizer|load_iris|load_digits|load_wine"
    r"|load_breast_cancer|make_blobs|make_classification|make_multilabel_classification|make_circles"
    r"|make_moons|array\s*\(\s*\["  # np.array([…]): labels written in the script
    + "".join(rf"|{name}\s*\(\s*[(\[]" for name in ("zeros", "ones", "empty", "random", "rand", "randn"))
)
ONE_HOT_LABELS = r"categorical|eye|identity|one_?hot|get_dummies|flow_from_|binarizer"

# A string literal written as the argument (the recorder reads only such literals).
_STRING = r"\s*=\s*\(*\s*[rRuU]?['\"]"
STRING_FOR_BOOL = "|".join(rf"\b{param}{_STRING}" for param in sorted({*BOOL_PARAMS, *INT_PARAMS}))
CLASS_WEIGHT_STRING = r"\bclass_weight" + _STRING
STEPS = r"steps_per_epoch|validation_steps"
# Steps given by position: fit_generator's 2nd and 7th arguments (in fit() they would be the
# 13th and 14th, which the recorder reads too but no one writes; such a file is not gated in).
POSITIONAL_STEPS = r"\.fit_generator\s*\("
# A count of samples: len(x), len(os.listdir(…)), sum(len(files) …), iterator.samples / .n.
SAMPLE_COUNT = r"len|\.samples|\.n\b"

# Multi-hot labels: randint(0, 2, (n, k)), make_multilabel_classification, MultiLabelBinarizer.
MULTI_HOT_LABELS = r"randint|multilabel|multi_label"
# Losses that regress values (MeanSquaredError written as a class too), and Poisson's rate.
REGRESSION_LOSS = r"mse|mae|mean_|mean_?(?:squared|absolute)|huber|log_?cosh|mape|msle|poisson"
# Targets whose range the extractor knows: regression loaders, scalers, random draws, np.where.
RANGED_TARGETS = (
    r"fetch_california|load_diabetes|load_boston|linnerud|boston_housing|california_housing"
    r"|make_regression|scaler|normal|randn|where|exponential|gamma|lognormal|uniform|rand"
    r"|arange|\.range\s*\("
)
METRIC_CLASSES = r"accuracy\s*\(|iou|f1score|fbetascore"
COUNT_METRIC = r"positives|negatives|sensitivity|specificity"
CLASS_WEIGHT = r"class_weight"

# Every loss of keras/loss_contracts.py, as names or class names (MeanSquaredError, KLDivergence).
CONTRACT_LOSS = (
    r"crossentropy|['\"]s?cce['\"]|['\"]bce['\"]|mse|mae|mape|msle|mean_?(?:squared|absolute)|huber"
    r"|log_?cosh|hinge|kld|kl_?divergence|kullback|poisson|cosine|dice|tversky"
)
# The losses LG014 reads the output for (the cross-entropies have their own rules).
CONTRACT_OUTPUT_LOSS = r"focal|kld|kl_?divergence|kullback|poisson|cosine|dice|tversky"
# Every way the extractor learns the labels' values: their encoding, or bounds the code shows.
LABEL_VALUES = LABELS + "|" + RANGED_TARGETS
