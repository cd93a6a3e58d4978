"""``%load_ext lossguard`` in a real IPython ``InteractiveShell``: each finding shows once,
under the cell that introduced it; the magic; loading and unloading."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import MagicMock

import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

CELLS = [
    "%load_ext lossguard",
    "from tensorflow import keras\nfrom tensorflow.keras import layers",
    "def build():\n    return keras.Sequential([keras.Input((784,)), layers.Dense(10, activation='softmax')])",
    "model = build()\nmodel.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])",
    "x = 1",
]


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A real shell; TensorFlow is a stand-in (the static check reads the cells, it never
    imports them; the live tests use real Keras)."""
    stand_in = MagicMock()
    monkeypatch.setitem(sys.modules, "tensorflow", stand_in)
    monkeypatch.setitem(sys.modules, "tensorflow.keras", stand_in.keras)
    monkeypatch.chdir(tmp_path)  # the configuration is looked for from here
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    ip = InteractiveShell.instance()
    yield ip
    ip.run_line_magic("unload_ext", "lossguard")
    ip.reset()


def run(shell: InteractiveShell, code: str) -> str:
    """What the cell shows: lossguard's display output (text/plain) and what it printed."""
    with capture_output() as captured:
        result = shell.run_cell(code, store_history=True)
    shown = [o.data.get("text/plain", "") for o in captured.outputs]
    assert result.error_in_exec is None, result.error_in_exec
    printed = [line for line in captured.stdout.splitlines() if not line.startswith("Out[")]
    return "\n".join([*shown, *printed, captured.stderr]).strip()


def test_the_finding_shows_under_the_cell_that_introduces_it(shell: InteractiveShell) -> None:
    outputs = [run(shell, code) for code in CELLS]
    first = shell.execution_count - len(CELLS)
    assert outputs[:3] == ["", "", ""]
    (line,) = outputs[3].splitlines()
    assert line.startswith(
        f"lossguard: In [{first + 3}], line 2: LG001 [softmax-binary-crossentropy] softmax output"
    )
    assert "Fix: use loss='categorical_crossentropy'" in line
    assert outputs[4] == ""  # shown once, not again under every later cell


def test_html_for_notebook_frontends(shell: InteractiveShell) -> None:
    from lossguard.api import check
    from lossguard.face.notebook import FindingsView, Shown

    source = CELLS[1] + "\n" + CELLS[2] + "\n" + CELLS[3]
    finding = check(source, filename="nb.py", config=False).findings[0]
    view = FindingsView([Shown("In [3], line 2", finding)])
    html = view._repr_html_()
    assert "<b style='color:#b26a00'>LG001</b>" in html and "In [3], line 2" in html
    assert "&#x27;categorical_crossentropy&#x27;" in html  # escaped


def test_the_magic_and_unloading(shell: InteractiveShell) -> None:
    run(shell, "%load_ext lossguard")
    assert "live mode off" in run(shell, "%lossguard status")
    assert "usage: %lossguard" in run(shell, "%lossguard banana")
    shell.run_line_magic("unload_ext", "lossguard")
    assert "lossguard" not in shell.magics_manager.magics["line"]
    assert "LG001" not in "".join(run(shell, code) for code in CELLS[1:])
    run(shell, "%load_ext lossguard")


def test_configuration_applies(shell: InteractiveShell, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nignore = ["LG001"]\n')
    outputs = [run(shell, code) for code in CELLS]
    assert not any("LG001" in o for o in outputs)


def test_a_syntax_error_cell_is_left_to_ipython(shell: InteractiveShell) -> None:
    run(shell, "%load_ext lossguard")
    assert "LG900" not in run(shell, "model.compile(loss='bce'")
