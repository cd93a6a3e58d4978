"""``%lossguard live on`` with real Keras (Keras 3 and tf_keras), each in a process of its own
(``live_session.py``): the model comes from a JSON config and the labels from ``np.load``, so the
static check of the same cells sees nothing; live mode reports LG001 at compile() and LG007 at
fit() (labels from an array, then from a tf.data dataset), once per compile(), without changing the model, the data stream or Keras itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.probe]  # real Keras in a kernel: tens of seconds


def session(flavour: str, folder: Path) -> dict:
    pytest.importorskip(flavour)
    pytest.importorskip("IPython")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("JPY_SESSION_NAME", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.notebook.live_session", flavour, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(lines[0][len("RESULT ") :])


@pytest.mark.parametrize("flavour", ["keras", "tf_keras"])
def test_live_mode_reports_what_the_static_check_cannot_see(flavour: str, tmp_path: Path) -> None:
    result = session(flavour, tmp_path)
    cells = result["cells"]
    assert [c["error"] for c in cells] == [None] * len(cells)
    assert not any("lossguard" in c["stderr"] for c in cells), [c["stderr"] for c in cells]
    shown = [c["shown"] for c in cells]
    assert shown[:5] == [[]] * 5  # the static check of the cells found nothing up to here
    (lg001,) = shown[5]  # model.compile(loss='binary_crossentropy') on the JSON model's softmax
    assert lg001.startswith("lossguard: In [6], line 2: LG001 (live) [softmax-binary-crossentropy] ")
    assert (
        "softmax output (Dense(4, softmax)" in lg001 and "Fix: use loss='categorical_crossentropy'" in lg001
    )
    assert shown[6] == []  # fit() does not repeat what compile() said
    assert shown[7] == []  # a sigmoid head with binary_crossentropy is fine for multi-label data …
    (lg007,) = shown[8]  # … but the labels np.load gave are one-hot single-label rows
    assert lg007.startswith("lossguard: In [8], line 2: LG007 (live) [binary-crossentropy-on-multiclass] ")
    assert "one-hot single-label targets" in lg007 and "line 1 of In [9]" in lg007
    (again,) = shown[9]  # compiled again, and labels from a tf.data dataset's first batch
    assert again.startswith("lossguard: In [10], line 2: LG007 (live) ")  # at compile() …
    assert "(the first batch, line 3)" in again  # … with the labels fit() was given
    assert shown[10:] == [[], [], [], []]
    assert result["unchanged"], "reading the model changed its weights"
    taken_on, taken_off = result["taken"]
    assert taken_on == taken_off == 0, "live mode took a batch from the user's generator"
    assert result["restored"], "live off did not restore Model.fit/compile"


def test_the_static_side_alone_sees_nothing_in_these_cells(tmp_path: Path) -> None:
    """The counter-check: the same cells, read statically, hold no LG001/LG007."""
    import lossguard
    from lossguard.face.editor_checks import notebook_json

    cells = [
        "import numpy as np\nimport keras",
        "x, y = np.load('x.npy'), np.load('labels.npy')",
        "model = keras.models.model_from_json(open('softmax.json').read())",
        "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])",
        "model.fit(x, y, epochs=1, verbose=0)",
        "tagger = keras.models.model_from_json(open('tagger.json').read())\n"
        "tagger.compile(optimizer='adam', loss='binary_crossentropy', metrics=[keras.metrics.CategoricalAccuracy()])",
        "tagger.fit(x, y, epochs=1, verbose=0)",
    ]
    report = lossguard.check(notebook_json(cells), filename=str(tmp_path / "nb.ipynb"), config=False)
    assert not {"LG001", "LG007"} & {f.code for f in report}
