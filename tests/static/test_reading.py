"""Files read as Python and IPython read them (issue: read every file the way they run it)."""

from __future__ import annotations

import ast
import codecs
import json
import time

import pytest

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from tests.conftest import check, checked

BUG = (
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='softmax')])\n"
    "model.compile(loss='binary_crossentropy')\n"
)


def notebook(*cells: str | None, nbformat: int = 4, **extra: object) -> bytes:
    if nbformat == 3:
        sheet = [{"cell_type": "code", "input": c, "outputs": []} for c in cells]
        return json.dumps({"nbformat": 3, "worksheets": [{"cells": sheet}]}).encode()
    data = [
        {"cell_type": "code", "source": c, "metadata": {}, "outputs": extra.get("outputs", [])} for c in cells
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": data, "metadata": {}}).encode()


def nb_findings(data: bytes) -> list[tuple[str, int | None, int | None]]:
    options = CheckOptions(Settings(), parse_target("3"), use_cache=False)
    result = checked("nb.ipynb", data, options)
    return [(f.code, f.cell, f.cell_line) for f in result.findings]


# ----- IPython syntax that runs fine is not a syntax error ---------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "!pip install tensorflow \\\n    keras \\\n    numpy\n",
        "ds = dict(\n    label_mode='categorical',  # what type?\n    seed=1)\n",
        "x = 1  # is this right?\ny = 2\n",
        "    import numpy as np\n    x = np.zeros(3)\n",
        "value = (3\n    % 2)\n",
        "%matplotlib inline\nfiles = !ls\n%time x = 1\n",
        "np.mean?\n",
        "%%bash\nls -la | grep x\n",
        "pip install tensorflow-addons",  # automagic: a one-line cell naming a line magic
        "cd ..\n",
    ],
)
def test_ipython_syntax_is_not_lg900_and_later_cells_are_checked(cell: str) -> None:
    assert nb_findings(notebook(cell, BUG)) == [("LG003", 2, 2)]


def test_a_comment_ending_in_a_question_mark_keeps_its_statement() -> None:
    cell = BUG.replace(
        "model.compile(loss='binary_crossentropy')", "model.compile(loss='binary_crossentropy')  # ok?"
    )
    assert nb_findings(notebook(cell)) == [("LG003", 1, 2)]


def test_a_broken_cell_is_one_lg900_at_its_line_and_the_rest_is_checked() -> None:
    found = nb_findings(notebook("x = 1\nTODO: fill in the model here\n", BUG))
    assert found == [("LG900", 1, 2), ("LG003", 2, 2)]


def test_the_broken_cell_message_says_it_was_skipped() -> None:
    options = CheckOptions(Settings(), parse_target("3"), use_cache=False)
    (lg900, _) = checked("nb.ipynb", notebook("def f(:\n", BUG), options).findings
    assert "cell was skipped" in lg900.message and lg900.location.where() == "cell 1, line 1"


def test_python_cell_magic_body_is_analysed() -> None:
    assert nb_findings(notebook("%%time\n" + BUG)) == [("LG003", 1, 3)]


def test_nbformat_3_and_null_sources_are_read() -> None:
    assert nb_findings(notebook(BUG, nbformat=3)) == [("LG003", 1, 2)]
    assert nb_findings(notebook(None, BUG)) == [("LG003", 2, 2)]


def test_a_notebook_large_because_of_its_outputs_is_read() -> None:
    image = {"output_type": "display_data", "data": {"image/png": "A" * 3_000_000}}
    assert nb_findings(notebook(BUG, outputs=[image])) == [("LG003", 1, 2)]


def test_a_utf16_notebook_is_read() -> None:
    data = notebook(BUG).decode().encode("utf-16")
    assert nb_findings(data) == [("LG003", 1, 2)]


# ----- scripts -------------------------------------------------------------------------------------


def test_lg900_is_at_cpythons_position_for_tokenizer_errors_too() -> None:
    source = "import keras\nx = 1\nname = 'unterminated\nmodel.compile(loss='bce')\n"
    with pytest.raises(SyntaxError) as cpython:
        ast.parse(source)
    (finding,) = check(source)
    assert finding.code == "LG900"
    assert (finding.location.line, finding.location.column) == (cpython.value.lineno, cpython.value.offset)
    assert (finding.location.line, finding.location.column) != (1, 1)


def test_tabs_mixed_as_cpython_accepts_are_analysed() -> None:
    source = BUG + "if x:\n    if y:\n\t    z = 2\n"
    assert [f.code for f in check(source)] == ["LG003"]


def test_pep263_and_bom_sources_are_decoded_as_python_does() -> None:
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + BUG).encode("latin-1")
    assert [f.code for f in check_source("a.py", latin, _options()).findings] == ["LG003"]
    utf16 = codecs.BOM_UTF16_LE + BUG.encode("utf-16-le")
    assert [f.code for f in check_source("b.py", utf16, _options()).findings] == ["LG003"]


def _options() -> CheckOptions:
    return CheckOptions(Settings(), parse_target("3"), use_cache=False)


@pytest.mark.parametrize(
    "expression",
    [
        "+".join(["a"] * 8000),
        "a" + ".b" * 20000,
        "a" + ".b" * 2500,
        "+".join(["a"] * 3500),
        "+".join(["a"] * 100_000),
    ],
    ids=["8000-term sum", "20000-link chain", "2500-link chain", "3500-term sum", "100000-term sum"],
)
def test_deep_expressions_never_crash(expression: str) -> None:
    start = time.perf_counter()
    result = check_source("deep.py", (BUG + f"x = {expression}\n").encode(), _options())
    codes = [f.code for f in result.findings]
    assert codes in (["LG003"], ["LG903"])  # analysed, or reported as not analysable
    if codes == ["LG903"]:
        assert "nested too deeply" in result.findings[0].message and not result.internal_error
    assert time.perf_counter() - start < 30


def test_automagic_is_shadowed_by_a_name_an_earlier_cell_bound() -> None:
    """IPython runs `run train.py` as %run unless the notebook defined `run`: then it is Python,
    and invalid."""
    assert nb_findings(notebook("run train.py", BUG)) == [("LG003", 2, 2)]
    assert nb_findings(notebook("def run(*args):\n    pass\n", "run train.py", BUG))[0][:2] == ("LG900", 2)


def test_a_cell_ipython_cannot_tokenise_is_lg900_not_a_crash() -> None:
    """An unindent to no open level makes tokenize raise IndentationError (IPython's transformer
    too): that cell is one LG900 at its line, the others are still checked."""
    found = nb_findings(notebook("if True:\n        x = 1\n    y = 2\n", BUG))
    assert found == [("LG900", 1, 3), ("LG003", 2, 2)]


def test_an_unexpected_error_while_reading_is_lg903_for_that_file_only(monkeypatch) -> None:
    from lossguard.pipeline import engine

    def broken(path: str, data: bytes) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(engine, "read_source", broken)
    result = check_source("nb.ipynb", notebook(BUG), _options())
    assert [f.code for f in result.findings] == ["LG903"] and result.internal_error
    assert "internal error, please report it: ValueError: boom" in result.findings[0].message
