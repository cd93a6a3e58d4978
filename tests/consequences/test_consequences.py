"""Each rule's message states a consequence; here it is measured with real Keras (Keras 3 and
tf_keras, CPU in CI) on the rule's bad example and its fix. If a Keras release changes what
happens, the test fails instead of the message silently lying.

The claims asserted are the ones the messages and the rule docs' "Measured" lines make
(``python -m tests.consequences.cases`` prints the numbers).
"""

from __future__ import annotations

import math
import os
from functools import cache

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.consequences,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]
# The cases are numpy arrays: without the probe extra this module is skipped, not an error.
pytest.importorskip("numpy", reason="the consequence cases need numpy and Keras (the probe extra)")

from tests.consequences.cases import CASES, SAMPLES, XI, YB, per_class_f1  # noqa: E402
from tests.consequences.harness import FLAVOURS, Run  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _keras() -> None:
    """Real Keras trains these models; imported only when a case runs, never at collection."""
    pytest.importorskip("tensorflow", reason="the consequence cases need TensorFlow (the probe extra)")


@cache
def measured(name: str, flavour: str) -> tuple[Run, Run]:
    chosen = CASES[name]
    return chosen.bad(flavour), chosen.good(flavour)


def bad_good(name: str, flavour: str) -> tuple[Run, Run]:
    bad, good = measured(name, flavour)
    assert good.error is None, f"the fix must train: {good.error}"
    return bad, good


def majority_share() -> float:
    return max(float(YB.mean()), 1 - float(YB.mean()))


flavours = pytest.mark.parametrize("flavour", FLAVOURS)


@flavours
def test_lg001_trains_but_on_a_one_vs_all_objective(flavour) -> None:
    """LG001 (warning): softmax + binary cross-entropy still learns — not as well — and its loss
    is not the categorical one (it starts near the mean of five yes/no losses, not log 5)."""
    bad, good = bad_good("LG001", flavour)
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy >= 0.8
    assert bad.true_accuracy <= good.true_accuracy
    assert bad.losses[0] < good.losses[0] / 2


@flavours
def test_lg002_several_sigmoid_units_train_but_rows_are_not_distributions(flavour) -> None:
    bad, good = bad_good("LG002/several-units", flavour)
    assert bad.true_accuracy is not None and bad.true_accuracy >= 0.9
    assert bad.row_sums is not None and bad.row_sums[1] > 1.3  # predict() rows need not sum to 1
    assert good.row_sums is not None and abs(good.row_sums[1] - 1) < 1e-3


@flavours
def test_lg002_one_sigmoid_unit_has_a_loss_of_exactly_zero_and_learns_nothing(flavour) -> None:
    bad, good = bad_good("LG002/one-unit", flavour)
    assert bad.losses and all(loss == 0.0 for loss in bad.losses)
    assert bad.true_accuracy is not None and bad.true_accuracy <= majority_share() + 0.05
    assert good.true_accuracy is not None and good.true_accuracy >= 0.95


@flavours
def test_lg002_one_sigmoid_unit_with_a_sparse_loss_stops_at_the_first_step(flavour) -> None:
    bad, _ = bad_good("LG002/one-unit-sparse", flavour)
    assert bad.error is not None and bad.error.startswith("InvalidArgumentError")


@flavours
def test_lg003_one_softmax_unit_predicts_one_for_every_input(flavour) -> None:
    """Whatever the loss does, predict() is 1.0 everywhere: accuracy is the majority share."""
    bad, good = bad_good("LG003", flavour)
    assert bad.output_range is not None  # 1.0 to float32 precision (some kernels give 0.99999994)
    assert bad.output_range[0] >= 1 - 1e-6 and bad.output_range[1] <= 1 + 1e-6
    assert bad.true_accuracy is not None and bad.true_accuracy <= majority_share() + 1e-6
    assert good.true_accuracy is not None and good.true_accuracy >= 0.95


@flavours
def test_lg004_tensorflow_warns_and_uses_the_pre_softmax_values(flavour) -> None:
    """On the TensorFlow backend: a warning, and the very training of the fix."""
    bad, good = bad_good("LG004", flavour)
    assert bad.warned("from_logits=True", "softmax")
    assert bad.losses == pytest.approx(good.losses, rel=1e-4)


@flavours
@pytest.mark.parametrize("variant", ["categorical", "sparse"])
def test_lg005_logits_into_a_categorical_loss_fail_to_train(flavour, variant) -> None:
    bad, good = bad_good(f"LG005/{variant}", flavour)
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy <= 0.7 and good.true_accuracy >= 0.95


@flavours
def test_lg005_logits_into_binary_crossentropy_are_clipped_not_probabilities(flavour) -> None:
    """The clipped loss still separates easy classes, but the outputs are no probabilities."""
    bad, _ = bad_good("LG005/binary", flavour)
    assert bad.output_range is not None and (bad.output_range[0] < -1 or bad.output_range[1] > 2)


@flavours
def test_lg006_a_normalisation_after_softmax_breaks_the_probabilities_and_training(flavour) -> None:
    bad, good = bad_good("LG006", flavour)
    assert bad.output_range is not None and (bad.output_range[0] < 0 or bad.output_range[1] > 1)
    assert bad.row_sums is not None and abs(bad.row_sums[0] - 1) > 0.05
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy <= good.true_accuracy - 0.1


@flavours
def test_lg007_learns_but_binary_accuracy_is_inflated(flavour) -> None:
    bad, _good = bad_good("LG007", flavour)
    assert bad.true_accuracy is not None and bad.true_accuracy >= 0.8
    assert bad.row_sums is not None and (bad.row_sums[0] < 0.9 or bad.row_sums[1] > 1.1)
    noise, _ = bad_good("LG007/no-signal", flavour)
    reported = noise.reported("binary_accuracy")
    assert reported is not None and noise.true_accuracy is not None
    assert reported >= 0.78 and reported - noise.true_accuracy >= 0.25


@flavours
@pytest.mark.parametrize("variant", ["relu-categorical", "relu-sparse", "relu-logits"])
def test_lg008_a_relu_output_with_a_categorical_loss_fails(flavour, variant) -> None:
    bad, good = bad_good(f"LG008/{variant}", flavour)
    assert good.true_accuracy is not None and good.true_accuracy >= 0.95
    failed = any(math.isnan(loss) for loss in bad.losses) or (bad.true_accuracy or 0) <= 0.85
    assert failed, bad


@flavours
def test_lg008_relu_with_categorical_crossentropy_gives_a_nan_loss(flavour) -> None:
    bad, _ = bad_good("LG008/relu-categorical", flavour)
    assert all(math.isnan(loss) for loss in bad.losses)


@flavours
@pytest.mark.parametrize("variant", ["relu-binary", "tanh-logits"])
def test_lg008_with_binary_crossentropy_it_learns_but_never_gives_probabilities(flavour, variant) -> None:
    bad, good = bad_good(f"LG008/{variant}", flavour)
    assert bad.true_accuracy is not None and bad.true_accuracy >= 0.85
    if variant == "relu-binary":
        assert bad.output_range is not None and bad.output_range[1] > 1.5  # not probabilities
    else:  # tanh keeps logits in [-1, 1]: sigmoid(1) = 0.73, never confident; the loss stays high
        assert bad.output_range is not None and bad.output_range[0] >= -1 and bad.output_range[1] <= 1
        assert bad.losses[-1] > 4 * good.losses[-1]


@flavours
def test_lg010_labels_beyond_the_units_stop_training_at_the_first_step(flavour) -> None:
    bad, _ = bad_good("LG010", flavour)
    assert bad.error is not None and bad.error.startswith("InvalidArgumentError")


@flavours
def test_lg010_class_indices_on_one_sigmoid_with_bce_train_silently_to_a_negative_loss(flavour) -> None:
    bad, good = bad_good("LG010/bce-class-indices", flavour)
    assert bad.error is None and bad.losses[0] < 0 and bad.losses[-1] < 10 * bad.losses[0]
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy < 0.5 < good.true_accuracy


@flavours
@pytest.mark.parametrize(
    "variant", ["one-hot-width", "binary-column-bce", "binary-column-cce", "id-column-cce", "real-column-cce"]
)
def test_lg010_label_columns_that_do_not_fit_the_units_are_a_shape_error(flavour, variant) -> None:
    bad, _ = bad_good(f"LG010/{variant}", flavour)
    assert bad.error is not None and bad.error.startswith("ValueError")


@flavours
@pytest.mark.parametrize("variant", ["sparse-one-hot", "categorical-indices", "one-probability-one-hot"])
def test_lg011_the_wrong_label_encoding_is_a_shape_error(flavour, variant) -> None:
    bad, _ = bad_good(f"LG011/{variant}", flavour)
    assert bad.error is not None and bad.error.startswith("ValueError")


@flavours
def test_lg020_bare_accuracy_on_multi_label_reports_argmax_accuracy(flavour) -> None:
    bad, good = bad_good("LG020/multi-label", flavour)
    reported = bad.reported("accuracy")
    assert reported is not None and bad.true_accuracy is not None
    assert reported <= 0.6 and bad.true_accuracy >= 0.9
    binary = good.reported("binary_accuracy")
    assert binary is not None and abs(binary - good.true_accuracy) <= 0.05  # type: ignore[operator]


@flavours
def test_lg020_softmax_bce_accuracy_is_resolved_from_shapes_in_these_versions(flavour) -> None:
    """Keras 3 and tf_keras 2.21 resolve it to categorical accuracy (only Keras ≤ 2.3 /
    tf.keras ≤ 2.1 took binary_accuracy from the loss: read in their source, keras/semantics.py)."""
    bad, good = bad_good("LG020/softmax-bce", flavour)
    assert bad.reported("accuracy") == pytest.approx(good.reported("categorical_accuracy"))


@flavours
def test_lg021_accuracy_on_a_regression_is_zero(flavour) -> None:
    bad, _ = bad_good("LG021/regression", flavour)
    assert bad.reported("accuracy") is not None and bad.reported("accuracy") <= 0.01  # type: ignore[operator]


@flavours
def test_lg021_binary_accuracy_on_single_label_classes_counts_the_zeros(flavour) -> None:
    bad, _good = bad_good("LG021/binary-accuracy-multiclass", flavour)
    reported = bad.reported("binary_accuracy")
    assert reported is not None and bad.true_accuracy is not None
    assert reported >= 0.78 and reported - bad.true_accuracy >= 0.25


def test_lg022_keras3_refuses_an_unknown_key_with_mode_auto() -> None:
    bad, _ = bad_good("LG022/auto", "keras")
    assert bad.error is not None and "val_acc" in bad.error


@flavours
def test_lg022_with_a_mode_the_unknown_key_silently_disables_the_callback(flavour) -> None:
    checkpoint, good_checkpoint = bad_good("LG022/checkpoint", flavour)
    assert checkpoint.warned("val_acc")
    # save_best_only never finds its key: Keras 3 then saves every epoch, tf_keras never saves.
    assert checkpoint.checkpoints in (0, checkpoint.epochs_run)
    assert checkpoint.checkpoints != good_checkpoint.checkpoints
    stopping, good_stopping = bad_good("LG022/early-stopping", flavour)
    assert stopping.warned("val_acc")
    assert stopping.epochs_run == 10 and good_stopping.epochs_run < 10  # never stops early
    reduce, _ = bad_good("LG022/reduce-lr", flavour)
    rates = reduce.history.get("learning_rate") or reduce.history.get("lr") or []
    assert rates and len(set(rates)) == 1  # never reduced


@flavours
def test_lg023_mode_min_on_accuracy_keeps_the_worst_model_and_stops_while_it_improves(flavour) -> None:
    checkpoint, good_checkpoint = bad_good("LG023/checkpoint", flavour)
    assert checkpoint.checkpoints <= 2 < good_checkpoint.checkpoints
    stopping, good_stopping = bad_good("LG023/early-stopping", flavour)
    assert stopping.epochs_run <= 4 < good_stopping.epochs_run
    assert stopping.reported("val_accuracy") < good_stopping.reported("val_accuracy")  # type: ignore[operator]
    reduce, _ = bad_good("LG023/reduce-lr", flavour)
    rates = reduce.history.get("learning_rate") or reduce.history.get("lr") or []
    assert rates and rates[-1] < rates[0] / 10  # cut again and again while accuracy rose
    assert reduce.reported("val_accuracy") > reduce.history["val_accuracy"][0]  # it did rise


@flavours
def test_lg024_binary_accuracy_thresholds_logits_at_half(flavour) -> None:
    """The same training, two boundaries: the metric at 0.5 reads differently from the one at
    the logit 0.0 (the model's), because samples with logits in (0, 0.5) change sides."""
    bad, good = bad_good("LG024", flavour)
    assert bad.losses == pytest.approx(good.losses)
    assert bad.reported("binary_accuracy") != pytest.approx(good.reported("binary_accuracy"), abs=1e-4)


@flavours
def test_lg031_nan_inputs_give_a_nan_loss_from_the_first_epoch(flavour) -> None:
    bad, good = bad_good("LG031", flavour)
    assert bad.losses and all(math.isnan(loss) for loss in bad.losses)
    assert not any(math.isnan(loss) for loss in good.losses)


@flavours
def test_lg032_values_outside_0_1_into_a_probability_loss_fail_to_train(flavour) -> None:
    bad, _good = bad_good("LG032", flavour)
    assert bad.true_accuracy is not None and bad.true_accuracy <= 0.5
    assert bad.losses[-1] > bad.losses[0]


@flavours
def test_lg040_the_string_false_means_shuffle(flavour) -> None:
    bad, good = bad_good("LG040", flavour)
    shuffled = measured("LG002/one-unit", flavour)[1]  # the same model and data, shuffle=True
    assert bad.losses == pytest.approx(shuffled.losses)
    assert bad.losses != pytest.approx(good.losses)


@flavours
def test_lg040_the_string_zero_is_not_quiet(flavour) -> None:
    bad, good = bad_good("LG040/verbose", flavour)
    assert bad.printed == bad.epochs_run > 0 and good.printed == 0


@flavours
def test_lg030_binary_labels_beyond_one_drive_the_loss_negative(flavour) -> None:
    bad, _ = bad_good("LG030/binary-labels", flavour)
    assert bad.losses[-1] < bad.losses[0] < 0 and bad.losses[-1] < -10


@flavours
def test_lg041_class_weight_auto_fails_with_an_attribute_error(flavour) -> None:
    bad, _ = bad_good("LG041", flavour)
    assert bad.error is not None and bad.error.startswith("AttributeError")


@flavours
def test_lg042_steps_counted_in_samples_make_each_epoch_batch_size_times_longer(flavour) -> None:
    bad, good = bad_good("LG042", flavour)
    assert good.batches_drawn is not None and bad.batches_drawn is not None
    # One epoch draws steps_per_epoch batches (and a few more the input pipeline prefetches).
    assert bad.batches_drawn >= SAMPLES  # 512 batches of 32: the data 32 times over
    assert good.batches_drawn <= SAMPLES // 32 + 4


@flavours
def test_lg009_softmax_on_multi_hot_rows_learns_a_worse_model(flavour) -> None:
    bad, good = bad_good("LG009", flavour)
    assert bad.error is None and good.true_accuracy is not None and bad.true_accuracy is not None
    assert bad.true_accuracy < 0.85 < 0.95 < good.true_accuracy
    assert bad.losses[-1] > bad.losses[0]  # the loss rises


@flavours
def test_lg013_a_sigmoid_cannot_reach_regression_targets(flavour) -> None:
    bad, good = bad_good("LG013", flavour)
    assert bad.error is None
    assert bad.output_range is not None and bad.output_range[1] <= 1.0
    assert bad.reported("mae") > 40 > 15 > good.reported("mae")


@flavours
def test_lg025_exact_accuracy_reports_zero_on_probabilities(flavour) -> None:
    bad, good = bad_good("LG025", flavour)
    assert bad.reported("accuracy") == 0.0 and bad.true_accuracy is not None and bad.true_accuracy > 0.9
    assert good.reported("categorical_accuracy") > 0.9


@flavours
def test_lg043_class_weight_on_multi_hot_rows_trains_silently_and_worse(flavour) -> None:
    bad, good = bad_good("LG043", flavour)
    assert bad.error is None and not bad.warned("class_weight")
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy < good.true_accuracy - 0.1


@flavours
def test_lg043_class_weight_on_masks_stops_and_per_pixel_sample_weight_trains(flavour) -> None:
    bad, good = bad_good("LG043/masks", flavour)
    error = "TypeError" if flavour == "keras" else "InvalidArgumentError"
    assert bad.error is not None and bad.error.startswith(error)
    assert good.error is None and good.losses[-1] < good.losses[0]


@flavours
def test_lg022_an_unlogged_key_in_a_checkpoint_file_name_stops_fit_after_one_epoch(flavour) -> None:
    """The file-name half of the LG022 fix: with {val_accuracy} the script trains past epoch 1
    and writes its checkpoints."""
    bad, good = bad_good("LG022/filepath", flavour)
    assert bad.error is not None and bad.error.startswith("KeyError") and "Failed to format" in bad.error
    assert good.error is None and good.epochs_run == 3 and good.checkpoints == 3


@flavours
def test_lg011_class_ids_into_a_one_hot_loss_broadcast_silently(flavour) -> None:
    bad, good = bad_good("LG011/one-hot-loss", flavour)
    assert bad.error is None and bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy < 0.5 < 0.9 < good.true_accuracy


@flavours
def test_lg022_a_second_unnamed_metric_is_logged_with_a_number(flavour) -> None:
    bad, good = bad_good("LG022/numbered", flavour)
    assert bad.error is None
    assert "val_auc" not in bad.history and any(k.startswith("val_auc_") for k in bad.history)
    assert "val_auc" in good.history


@flavours
def test_lg021_top_k_on_class_ids_reports_a_wrong_value(flavour) -> None:
    bad, good = bad_good("LG021/top-k", flavour)
    assert bad.error is None  # silent: the claim is about the value it reports
    right = good.reported("sparse_top_k_categorical_accuracy")
    wrong = bad.reported("top_k_categorical_accuracy")
    assert right is not None and wrong is not None and right - wrong > 0.1


@flavours
def test_lg010_a_label_column_broadcast_across_the_units_trains_silently_to_chance(flavour) -> None:
    bad, good = bad_good("LG010/broadcast", flavour)
    assert bad.error is None and bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy < 0.35 < 0.95 < good.true_accuracy


@flavours
def test_lg014_poisson_on_a_linear_output_turns_the_loss_nan(flavour) -> None:
    bad, good = bad_good("LG014", flavour)
    assert bad.error is None and bad.losses and all(math.isnan(v) for v in bad.losses)
    assert good.losses and all(math.isfinite(v) for v in good.losses)


@flavours
def test_lg014_kl_divergence_on_sigmoid_rows_is_not_renormalised(flavour) -> None:
    bad, good = bad_good("LG014/kl-sigmoid", flavour)
    assert bad.error is None and bad.row_sums is not None and bad.row_sums[1] > 3.0
    assert good.row_sums is not None and abs(good.row_sums[1] - 1.0) < 1e-3
    if flavour == "keras":  # Keras 3 also learns the wrong classes; tf_keras only the wrong scale
        assert bad.true_accuracy is not None and bad.true_accuracy < 0.7 < 0.95 < (good.true_accuracy or 0)


@flavours
def test_lg030_mape_on_targets_with_zeros_explodes_and_learns_nothing(flavour) -> None:
    bad, good = bad_good("LG030/mape-zeros", flavour)
    assert bad.error is None and bad.losses[0] > 1e6
    assert bad.true_accuracy is not None and bad.true_accuracy < 0.6
    assert good.true_accuracy is not None and good.true_accuracy > 0.95


@flavours
def test_lg025_binary_accuracy_on_signed_labels_misses_every_negative(flavour) -> None:
    """The same hinge model (hinge maps 0/1 labels to −1/+1): only the labels the metric reads differ."""
    bad, good = bad_good("LG025/signed-labels", flavour)
    assert bad.error is None and bad.losses[-1] < 0.05  # the model separates the classes
    assert bad.reported("binary_accuracy") < 0.6 < 0.99 <= good.reported("binary_accuracy")


def _logged(run, part: str) -> float:
    """The last value of the one metric whose history key contains ``part`` (Keras 3 and
    tf_keras spell the IoU keys alike, F1 ``f1_score``)."""
    keys = [k for k in run.history if part in k and not k.startswith("val_")]
    assert len(keys) == 1, run.history.keys()
    return run.history[keys[0]][-1]


@flavours
def test_lg025_mean_iou_truncates_one_sigmoid_unit(flavour) -> None:
    bad, good = bad_good("LG025/iou-one-unit", flavour)
    assert bad.error is None and bad.true_accuracy is not None and bad.true_accuracy > 0.95
    assert _logged(bad, "io_u") < 0.8 < 0.9 < _logged(good, "io_u")


@flavours
def test_lg025_f1_without_threshold_on_a_broadcast_label_column(flavour) -> None:
    """Keras 3 broadcasts the column silently; tf_keras refuses the shapes."""
    bad, good = bad_good("LG025/f1-column", flavour)
    assert _logged(good, "f1") > 0.9
    if flavour == "tf_keras":
        assert bad.error is not None and "ValueError" in bad.error
        return
    assert bad.error is None and bad.true_accuracy is not None and bad.true_accuracy > 0.95
    assert _logged(bad, "f1") < 0.8


@flavours
def test_lg025_recall_on_a_softmax_misses_unsure_right_answers(flavour) -> None:
    """The same model: Recall() against Recall(top_k=1), read after training."""
    bad, good = bad_good("LG025/recall-softmax", flavour)
    assert bad.error is None and bad.true_accuracy is not None
    assert bad.reported("val_recall") < bad.true_accuracy - 0.1
    assert abs(good.reported("val_recall") - good.true_accuracy) < 0.02


@flavours
def test_lg025_precision_on_a_softmax_counts_only_the_confident_answers(flavour) -> None:
    """The same model: Precision() against Precision(top_k=1), read after training."""
    bad, good = bad_good("LG025/precision-softmax", flavour)
    assert bad.error is None and bad.true_accuracy is not None
    assert bad.reported("val_precision") > bad.true_accuracy + 0.1
    assert abs(good.reported("val_precision") - good.true_accuracy) < 0.02


@flavours
def test_lg025_auc_and_precision_on_class_ids_for_several_units_stop_at_a_shape_error(flavour) -> None:
    bad, good = bad_good("LG025/threshold-ids", flavour)
    assert bad.error is not None and bad.error.startswith(("InvalidArgumentError", "ValueError"))
    assert good.error is None and good.reported("auc") > 0.9


@flavours
def test_lg030_class_ids_divided_by_255_all_become_class_0(flavour) -> None:
    bad, good = bad_good("LG030/ids-scaled", flavour)
    assert bad.error is None and bad.true_accuracy is not None and bad.true_accuracy < 0.3
    assert good.true_accuracy is not None and good.true_accuracy > 0.95


@flavours
def test_lg030_class_ids_from_one_stop_training_at_the_first_step(flavour) -> None:
    """Ratings 1…5 for five units: id 5 has no unit (CPU; TensorFlow documents NaN on a GPU)."""
    bad, good = bad_good("LG030/ids-from-one", flavour)
    assert bad.error is not None and bad.error.startswith("InvalidArgumentError")
    assert good.error is None and good.true_accuracy is not None and good.true_accuracy > 0.95


@flavours
def test_lg030_a_void_label_255_stops_training_and_ignore_class_skips_it(flavour) -> None:
    bad, good = bad_good("LG030/void-255", flavour)
    assert bad.error is not None and bad.error.startswith("InvalidArgumentError")
    assert (
        good.error is None and all(map(math.isfinite, good.losses)) and good.losses[-1] < good.losses[0] / 2
    )


@flavours
@pytest.mark.parametrize("case", ["LG015", "LG015/one-hot"])
def test_lg015_unmasked_padding_is_what_the_model_learns(flavour, case) -> None:
    """Sparse tag ids, or the same ids one-hot encoded under categorical cross-entropy."""
    bad, good = bad_good(case, flavour)
    assert bad.error is None and bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.reported("accuracy") > 0.75 and bad.true_accuracy < 0.1  # the padding, not the tokens
    assert good.true_accuracy > bad.true_accuracy + 0.2


@flavours
def test_lg016_a_loss_list_in_the_wrong_order_trains_and_the_price_learns_nothing(flavour) -> None:
    """Keras pairs the loss list with the outputs by position without an error: the linear price
    given categorical cross-entropy has a loss of 0 (one unit normalised to 1) and never learns;
    in the right order its MAE falls far below."""
    bad, good = bad_good("LG016", flavour)
    assert bad.error is None and bad.history["price_loss"][0] < 1e-3
    assert bad.reported("price_mae") > 40 and good.reported("price_mae") < 20
    assert bad.warned("categorical_crossentropy", "num_classes")  # its only word: one class
    # the classifier, trained with mean squared error, still separates the clusters
    assert bad.true_accuracy is not None and bad.true_accuracy > 0.9


@flavours
def test_lg023_auto_mode_minimises_auc_before_keras_3(flavour) -> None:
    """tf_keras keeps the first (worst) checkpoint of a rising val_auc; Keras 3 asks the metric."""
    bad, good = bad_good("LG023/auto", flavour)
    auc = bad.history["val_auc"]
    assert bad.error is None and auc[-1] > auc[0] + 0.1 and good.checkpoints >= 5
    if flavour == "tf_keras":
        assert bad.checkpoints == 1
    else:
        assert bad.checkpoints == good.checkpoints


@flavours
def test_lg021_a_flat_metric_list_scores_accuracy_on_the_regression_output(flavour) -> None:
    """Before Keras 3 'accuracy' is also computed on the price output (0.0, silently); Keras 3
    raises on a flat list for several outputs."""
    bad, good = bad_good("LG021/shared-metrics", flavour)
    if flavour == "tf_keras":
        assert bad.error is None and bad.reported("price_accuracy") == 0.0
    else:
        assert bad.error is not None
    assert "price_accuracy" not in good.history and good.reported("kind_accuracy") > 0.9


@flavours
def test_lg016_a_loss_dict_key_that_names_no_output_stops_the_first_fit(flavour) -> None:
    """compile() accepts the dict; the first fit() raises before any training step."""
    bad, good = bad_good("LG016/dict-keys", flavour)
    assert bad.error is not None and bad.error.startswith("ValueError") and bad.epochs_run == 0
    if flavour == "keras":
        assert "Expected keys ['kind', 'price'] in loss dict" in bad.error
        assert "loss.keys()=['kind', 'prices']" in bad.error
    else:  # tf_keras' first line is "in user code:"; the cause follows in the traceback
        assert bad.error == "ValueError: in user code:"
    assert good.reported("price_loss") is not None and good.true_accuracy is not None


@flavours
def test_lg022_a_vector_monitor_stops_fit_when_a_callback_compares_it(flavour) -> None:
    """F1Score() logs one F1 per class: EarlyStopping compares the arrays and fit() raises at the
    end of the first epoch (tf_keras) or the second (Keras 3, which keeps the first as the
    best); ModelCheckpoint(save_best_only=True) raises too in tf_keras, while Keras 3 only warns
    and saves every epoch. With average='macro' the key is one number and training goes on."""
    bad, good = bad_good("LG022/vector-monitor", flavour)
    assert bad.error is not None and bad.error.startswith("ValueError")
    assert "truth value of an array with more than one element is ambiguous" in bad.error
    assert bad.epochs_run == (2 if flavour == "keras" else 1)
    assert good.error is None and len(good.history["val_f1_score"]) == good.epochs_run >= 2
    checkpoint = per_class_f1(None, "ModelCheckpoint")(flavour)
    if flavour == "keras":
        assert checkpoint.error is None and checkpoint.warned("monitor", "scalar value")
        assert checkpoint.epochs_run == 4 and checkpoint.checkpoints == 4  # one a epoch, not the best
    else:
        assert checkpoint.error is not None and checkpoint.error.startswith("ValueError")
        assert checkpoint.epochs_run == 1


@flavours
def test_lg021_accuracy_on_a_reconstruction_compares_arg_maxes(flavour) -> None:
    """Several outputs: 'accuracy' is categorical accuracy, which pixel is brightest (0.86 here,
    against a mean error of 0.017), not how close the reconstruction is."""
    bad, good = bad_good("LG021/reconstruction", flavour)
    reported = bad.reported("accuracy")
    assert reported is not None and bad.true_accuracy is not None  # arg-max agreement, by hand
    assert abs(reported - bad.true_accuracy) <= 0.03 and reported <= 0.95
    assert (good.reported("mae") or 1.0) <= 0.03


@flavours
def test_lg021_accuracy_on_a_one_channel_reconstruction_is_the_share_of_zeros(flavour) -> None:
    """One channel: binary accuracy counts the targets equal to the rounded output, so only the
    exact zeros of the background count, whatever the error."""
    bad, good = bad_good("LG021/reconstruction-one-channel", flavour)
    reported = bad.reported("accuracy")
    assert reported is not None and reported == pytest.approx(float((XI == 0).mean()), abs=0.01)
    assert (good.reported("mae") or 1.0) <= 0.03


@flavours
def test_lg014_kl_divergence_on_a_flattened_relu_map_learns_no_distribution(flavour) -> None:
    """A relu map flattened into KL divergence: Keras clips it at 1, so every value is pushed up,
    the loss goes below 0 and the rows stop being distributions; the softmax after the Flatten
    learns the map."""
    bad, good = bad_good("LG014/flattened-map", flavour)
    assert bad.error is None and bad.losses[-1] < 0 < good.losses[-1]
    assert bad.row_sums is not None and bad.row_sums[0] > 20
    assert good.row_sums is not None and abs(good.row_sums[1] - 1.0) < 1e-3
    assert bad.true_accuracy is not None and good.true_accuracy is not None
    assert bad.true_accuracy < 0.25 < 0.9 < good.true_accuracy  # the target's peak pixel found


@flavours
def test_lg025_precision_and_recall_on_two_softmax_units_report_the_accuracy(flavour) -> None:
    """Exactly one of two softmax units exceeds 0.5 in every row: Precision() and Recall() count
    every sample once and both equal the accuracy; the spam class's own (class_id=1) differ."""
    bad, good = bad_good("LG025/pooled-two-softmax", flavour)
    accuracy = bad.reported("val_accuracy")
    assert bad.error is None and accuracy is not None and accuracy < 0.97
    assert bad.reported("val_precision") == pytest.approx(accuracy, abs=1e-4)
    assert bad.reported("val_recall") == pytest.approx(accuracy, abs=1e-4)
    assert good.reported("val_recall") < accuracy - 0.1  # the rarer class is found less often
