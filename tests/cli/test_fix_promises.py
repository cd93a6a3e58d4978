"""The promises of --fix (#20): a safe fix is right under every Keras the file can target, no fix
creates a finding (fix, then prove), the monitor and the checkpoint file name change together,
and --diff applies with patch and git apply, also on paths with spaces."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from lossguard.findings import Applicability
from lossguard.keras.semantics import ASSUMED_KERAS3, parse_target
from lossguard.pipeline.engine import CheckOptions
from lossguard.pipeline.fixer import fix_source
from lossguard.pipeline.settings import Settings
from tests.conftest import check, run_cli

TF1_SCRIPT = """
import numpy as np
from tensorflow import set_random_seed
from keras.callbacks import EarlyStopping
from keras.layers import Dense
from keras.models import Sequential
set_random_seed(1)
model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(np.random.rand(64, 4), np.random.randint(0, 2, 64), validation_split=0.2,
          callbacks=[EarlyStopping(monitor="val_acc", mode="max")])
"""


def _options(target) -> CheckOptions:
    return CheckOptions(Settings(), target, use_cache=False)


def test_a_guessed_keras_never_makes_a_version_dependent_fix_safe() -> None:
    """Nothing installed (pre-commit, CI) and a TensorFlow 1 script: 'val_acc' is right there,
    so it is not rewritten by --fix; named Keras 3, the same fix is safe."""
    outcome = fix_source("tf1.py", TF1_SCRIPT.encode(), _options(ASSUMED_KERAS3))
    assert not outcome.changed
    modern = TF1_SCRIPT.replace("from tensorflow import set_random_seed\n", "").replace(
        "set_random_seed(1)\n", ""
    )
    guessed = check(modern, keras="3")  # named: the fix is safe
    (lg022,) = [f for f in guessed if f.code == "LG022"]
    assert lg022.autofix is not None and lg022.autofix.applicability is Applicability.SAFE
    outcome = fix_source("modern.py", modern.encode(), _options(ASSUMED_KERAS3))
    assert not outcome.changed  # a guess: unsafe, so --fix alone leaves it
    outcome = fix_source("modern.py", modern.encode(), _options(ASSUMED_KERAS3), unsafe=True)
    assert b'monitor="val_accuracy"' in outcome.fixed


def test_the_monitor_and_the_checkpoint_file_name_are_fixed_together() -> None:
    source = textwrap.dedent("""
        import numpy as np
        from tensorflow import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        best = keras.callbacks.ModelCheckpoint("w-{epoch:02d}-{val_acc:.2f}.keras", monitor="val_acc", save_best_only=True, mode="max")
        model.fit(np.random.rand(64, 4), np.random.randint(0, 2, 64), validation_split=0.2, callbacks=[best])
    """)
    outcome = fix_source("ckpt.py", source.encode(), _options(parse_target("3")))
    assert b'"w-{epoch:02d}-{val_accuracy:.2f}.keras", monitor="val_accuracy"' in outcome.fixed
    assert outcome.result.findings == []


def test_a_fix_that_would_create_a_finding_is_refused() -> None:
    """Dense(1, softmax) on three one-hot classes: the sigmoid + binary cross-entropy rewrite of
    LG003 would make LG011 (one-hot rows into one sigmoid unit): fix, then prove refuses it."""
    source = textwrap.dedent("""
        import numpy as np
        from tensorflow import keras
        y = keras.utils.to_categorical(np.random.randint(0, 3, 150), 3)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(np.random.rand(150, 4), y)
    """)
    before = [f.code for f in check(source)]
    assert "LG003" in before
    outcome = fix_source("iris.py", source.encode(), _options(parse_target("3")), unsafe=True)
    assert [f.code for f in outcome.refused] == ["LG003"]
    assert not outcome.changed


def test_lg005_adds_the_activation_and_makes_no_lg024() -> None:
    source = textwrap.dedent("""
        import numpy as np
        from tensorflow import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(np.random.rand(64, 4), np.random.randint(0, 2, 64))
    """)
    outcome = fix_source("logits.py", source.encode(), _options(parse_target("3")), unsafe=True)
    assert b'keras.layers.Dense(1, activation="sigmoid")' in outcome.fixed
    assert outcome.result.findings == [] and outcome.refused == []


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch")
def test_diff_applies_with_patch_and_git_apply_on_a_path_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "my project"
    folder.mkdir()
    script = folder / "train model.py"
    script.write_text(
        "from tensorflow import keras\n"
        'model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n'
        "model.fit(x, keras.utils.to_categorical(y, 5))\n"
    )
    result = run_cli(
        "check", "my project/train model.py", "--diff", "--no-cache", "--keras-version", "3", cwd=tmp_path
    )
    assert result.returncode == 1 and result.stdout.startswith("--- my project/train model.py\t")
    (tmp_path / "fix.diff").write_text(result.stdout)
    git = subprocess.run(
        ["git", "apply", "-p0", "--check", "fix.diff"], cwd=tmp_path, capture_output=True, text=True
    )
    assert git.returncode == 0, git.stderr
    patched = subprocess.run(["patch", "-p0", "-i", "fix.diff"], cwd=tmp_path, capture_output=True, text=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    assert (
        "'categorical_crossentropy'" in script.read_text()
        or '"categorical_crossentropy"' in script.read_text()
    )


def test_an_unknown_or_float_keras_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.lossguard]\nkeras-version = 2.10\n")
    (tmp_path / "t.py").write_text("import keras\n")
    result = run_cli("check", "t.py", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2 and "quote" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nkeras-version = "2.10"\n')
    assert run_cli("check", "t.py", "--no-cache", cwd=tmp_path).returncode == 0
    unknown = run_cli("check", "t.py", "--no-cache", "--keras-version", "9.9", cwd=tmp_path)
    assert unknown.returncode == 2 and "9.9" in unknown.stderr


def test_replace_keeps_the_target_dataclass() -> None:
    assert replace(parse_target("3"), assumed=True).line == "keras3"


def test_fixes_users_expect(tmp_path: Path) -> None:
    """LG024 on a bare 'accuracy' over logits (keeping the history key), LG002 with a sparse loss
    (softmax), LG001 on an autoencoder (sigmoid)."""
    source = textwrap.dedent("""
        import numpy as np
        from tensorflow import keras
        x = np.random.rand(64, 4)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        m.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
        m.fit(x, np.random.randint(0, 2, 64), validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max")])
        s = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="sigmoid")])
        s.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        s.fit(x, np.random.randint(0, 5, 64))
        (images, _), _ = keras.datasets.mnist.load_data()
        images = images.reshape(-1, 784) / 255.0
        ae = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(784, activation="softmax")])
        ae.compile(optimizer="adam", loss="binary_crossentropy")
        ae.fit(images, images)
    """)
    outcome = fix_source("fixes.py", source.encode(), _options(parse_target("3")), unsafe=True)
    fixed = outcome.fixed.decode()
    assert 'metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]' in fixed
    assert 'keras.layers.Dense(5, activation="softmax")' in fixed
    assert 'keras.layers.Dense(784, activation="sigmoid")' in fixed
    assert outcome.result.findings == [] and outcome.refused == []
    safe_only = fix_source("fixes.py", source.encode(), _options(parse_target("3")))
    assert (
        "BinaryAccuracy" in safe_only.fixed.decode()
        and 'Dense(5, activation="sigmoid")' in safe_only.fixed.decode()
    )


def test_nothing_is_reported_or_fixed_inside_code_that_expects_the_error() -> None:
    source = """
import unittest
import pytest
from tensorflow import keras

class LayerTest(unittest.TestCase):
    def test_rejects_string(self):
        with self.assertRaises(ValueError):
            keras.layers.Dense(2, trainable="yes")

def test_pytest_style():
    with pytest.raises(TypeError):
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(loss="binary_crossentropy")
        model.fit(x, y, shuffle="False")
"""
    assert check(source) == []


def test_github_marks_only_fixes_that_apply(tmp_path: Path) -> None:
    """An unsafe-only fix is '(fixable with --unsafe-fixes)', as --diff would not apply it."""
    (tmp_path / "t.py").write_text(
        "from tensorflow import keras\n"
        'model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="binary_crossentropy")\n'
        "model.fit(x, keras.utils.to_categorical(y, 10))\n"
    )
    plain = run_cli("check", "t.py", "-f", "github", "--no-cache", "--keras-version", "3", cwd=tmp_path)
    assert "(fixable with --unsafe-fixes)" in plain.stdout and "(fixable)" not in plain.stdout
    unsafe = run_cli(
        "check", "t.py", "-f", "github", "--unsafe-fixes", "--no-cache", "--keras-version", "3", cwd=tmp_path
    )
    assert "(fixable)" in unsafe.stdout
