"""LG040–LG042: fit() and data arguments that Keras accepts but does not honour."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import ModuleFacts, StepsUnit
from lossguard.findings import Finding
from lossguard.keras.vocabulary import BOOL_PARAMS, INT_PARAMS
from lossguard.rules import fixes
from lossguard.rules import words as w
from lossguard.rules.registry import Needs, finding, rule, safe_fix


@rule("LG040", Needs(anchors=(w.STRING_FOR_BOOL,)), subject="module")
def string_boolean_argument(facts: ModuleFacts) -> Iterator[Finding]:
    for arg in facts.call_arguments:
        if not isinstance(arg.value, str):
            continue
        if arg.param in BOOL_PARAMS and arg.value not in BOOL_PARAMS[arg.param]:
            meaning = "true" if arg.value else "false"
            wanted = arg.value.strip().lower() in ("false", "no", "0", "off", "none", "")
            value = "False" if wanted else "True"
            consequence = (
                f"every non-empty string is {meaning}, so this means {arg.param}="
                f"{'True' if arg.value else 'False'}"
            )
            if arg.param == "trainable":  # measured: Keras 3.15 ValueError, tf_keras 2.21 TypeError
                consequence = (
                    "Keras 3 and tf_keras refuse it (ValueError / TypeError: 'Expected `trainable` to "
                    "be a boolean'); older Keras took every non-empty string as True"
                )
            yield finding(
                "LG040",
                f"{arg.callee}({arg.param}={arg.text}) passes a string where Keras expects a "
                f"bool: {consequence}",
                arg.location,
                fix=f"{arg.param}={value}",
                autofix=safe_fix(f"{arg.param}={value}", fixes.literal_to_code(arg.location, value)),
            )
        elif arg.param in INT_PARAMS and arg.value not in INT_PARAMS[arg.param]:
            number = arg.value.strip()
            yield finding(
                "LG040",
                f"{arg.callee}({arg.param}={arg.text}) passes a string where Keras expects an "
                f"int. {_string_verbosity(number)}",
                arg.location,
                fix=f"{arg.param}={number if number.isdigit() else 1}",
                autofix=safe_fix(f"{arg.param}={number}", fixes.literal_to_code(arg.location, number))
                if number.isdigit()
                else None,
            )


@rule("LG041", Needs(anchors=(w.CLASS_WEIGHT_STRING,)), subject="module")
def removed_argument_value(facts: ModuleFacts) -> Iterator[Finding]:
    for arg in facts.call_arguments:
        if arg.param != "class_weight" or not isinstance(arg.value, str):
            continue
        yield finding(
            "LG041",
            f"{arg.callee}(class_weight={arg.text}): Keras does not compute class weights from a "
            "string. Keras 1 and early Keras 2 silently ignored it (no weighting at all); "
            "Keras 3 and tf_keras fail with an opaque AttributeError",
            arg.location,
            fix=(
                "pass a dict {class_index: weight}, e.g. from "
                "sklearn.utils.class_weight.compute_class_weight('balanced', …)"
            ),
        )


@rule("LG042", Needs(anchors=(w.STEPS, w.POSITIONAL_STEPS), words=(w.SAMPLE_COUNT,)), subject="module")
def steps_are_samples(facts: ModuleFacts) -> Iterator[Finding]:
    for steps in facts.steps:
        if steps.unit is not StepsUnit.SAMPLES:
            continue
        yield finding(
            "LG042",
            f"{steps.param}={steps.text} counts samples, but Keras counts {steps.param} in "
            "batches: every epoch runs batch_size times longer than intended (or runs out of "
            "data)",
            steps.location,
            fix=f"{steps.param}={steps.text} // batch_size, or leave it out and let Keras use len(generator)",
        )


def _string_verbosity(number: str) -> str:
    """What Keras' progress logger does with a string: it tests ``verbose == 1`` and truthiness."""
    if number == "0":
        return "A non-empty string is not 0: Keras prints a line every epoch instead of nothing"
    if number == "1":
        return "It is not 1: Keras prints one line per epoch instead of the progress bar"
    return "Keras treats every value but 0 and 1 as 2 (a line per epoch), so it works by accident only"
