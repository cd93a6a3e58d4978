"""Models from another file of the project: followed as Python imports them, bounded, cached
with the imported files' content, and reported where the mismatch is visible."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.project import Project, imported_modules, module_file
from lossguard.pipeline.settings import Settings
from tests.conftest import run_cli

SIGMOID_MODEL = """
from tensorflow import keras

def build_model(num_classes):
    return keras.Sequential([
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(num_classes, activation="sigmoid"),
    ])
"""
TRAIN = """
import numpy as np
{import_line}

x = np.random.rand(100, 8)
model = {call}
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(x, np.eye(3)[np.random.randint(0, 3, 100)], epochs=2)
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))


def findings(path: Path, follow_imports: bool = True) -> list:
    options = CheckOptions(Settings(follow_imports=follow_imports), parse_target("3"), use_cache=False)
    result = check_source(str(path), path.read_bytes(), options)
    assert result.error is None, result.error
    return result.findings


@pytest.mark.parametrize(
    "files, import_line, call",
    [
        ({"model.py": SIGMOID_MODEL}, "from model import build_model", "build_model(3)"),
        ({"model.py": SIGMOID_MODEL}, "from model import build_model as make", "make(3)"),
        ({"model.py": SIGMOID_MODEL}, "import model", "model.build_model(3)"),
        ({"model.py": SIGMOID_MODEL}, "import model as m", "m.build_model(3)"),
        (
            {"nets/__init__.py": "", "nets/model.py": SIGMOID_MODEL},
            "from nets.model import build_model",
            "build_model(3)",
        ),
        (
            {"nets/__init__.py": "", "nets/model.py": SIGMOID_MODEL},
            "from nets import model as mm",
            "mm.build_model(3)",
        ),
        (
            {"nets/__init__.py": "from .model import build_model\n", "nets/model.py": SIGMOID_MODEL},
            "from nets import build_model",
            "build_model(3)",
        ),
        ({"model.py": SIGMOID_MODEL}, "from model import *", "build_model(3)"),
    ],
    ids=["from", "from-as", "import", "import-as", "package", "submodule", "reexport", "star"],
)
def test_model_built_in_another_file_is_followed(tmp_path, files, import_line, call) -> None:
    write(tmp_path, {**files, "train.py": TRAIN.format(import_line=import_line, call=call)})
    found = findings(tmp_path / "train.py")
    assert [f.code for f in found] == ["LG002"]
    lg002 = found[0]
    assert lg002.path == str(tmp_path / "train.py") and lg002.location.line == 7
    # The head is named in the other file, as the message and as a related location.
    head_file = next(n for n in files if n.endswith("model.py"))
    assert lg002.related[0].location.path == str(tmp_path / head_file)
    assert f"of {tmp_path / head_file}" in lg002.message


def test_relative_import_inside_a_package(tmp_path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/nets.py": SIGMOID_MODEL,
            "pkg/train.py": TRAIN.format(import_line="from .nets import build_model", call="build_model(3)"),
        },
    )
    assert [f.code for f in findings(tmp_path / "pkg" / "train.py")] == ["LG002"]


def test_the_imported_module_runs_under_its_own_name_with_its_own_globals(tmp_path) -> None:
    """Its __main__ block stays out, and its functions see its globals, not the script's."""
    model = SIGMOID_MODEL.replace("num_classes, activation", "UNITS, activation") + (
        "\nUNITS = 1\nif __name__ == '__main__':\n    UNITS = 5\n"
    )
    train = TRAIN.format(import_line="from model import build_model\nUNITS = 7", call="build_model(3)")
    write(tmp_path, {"model.py": model, "train.py": train})
    (lg002,) = findings(tmp_path / "train.py")
    assert "Dense(1, sigmoid)" in lg002.message  # the one-unit case, so UNITS came from model.py
    assert lg002.severity == "error"


def test_not_followed_when_disabled_or_not_a_project_file(tmp_path) -> None:
    write(
        tmp_path,
        {
            "model.py": SIGMOID_MODEL,
            "train.py": TRAIN.format(import_line="from model import build_model", call="build_model(3)"),
        },
    )
    assert findings(tmp_path / "train.py", follow_imports=False) == []
    (tmp_path / "model.py").unlink()
    assert findings(tmp_path / "train.py") == []


def test_a_mismatch_inside_the_module_is_reported_only_there(tmp_path) -> None:
    module = SIGMOID_MODEL + (
        "\ndef compiled(n):\n    m = build_model(n)\n    m.compile(loss='categorical_crossentropy')\n    return m\n"
    )
    train = TRAIN.replace("model.compile(", "model.summary(").format(
        import_line="from model import compiled", call="compiled(3)"
    )
    write(tmp_path, {"model.py": module, "train.py": train})
    assert findings(tmp_path / "train.py") == []
    assert [f.code for f in findings(tmp_path / "model.py")] == ["LG002"]


def test_import_cycles_and_depth_are_bounded(tmp_path) -> None:
    files = {f"m{i}.py": f"from m{i + 1} import *\n" for i in range(6)}
    files["m6.py"] = SIGMOID_MODEL
    files["a.py"] = "from b import *\n"
    files["b.py"] = "from a import *\nfrom model import build_model\n"
    files["model.py"] = SIGMOID_MODEL
    files["deep.py"] = TRAIN.format(import_line="from m0 import build_model", call="build_model(3)")
    files["cycle.py"] = TRAIN.format(import_line="from a import build_model", call="build_model(3)")
    write(tmp_path, files)
    assert findings(tmp_path / "deep.py") == []  # seven imports deep: not followed, silent
    assert [f.code for f in findings(tmp_path / "cycle.py")] == ["LG002"]


def test_a_module_that_does_not_parse_is_unknown_not_an_error(tmp_path) -> None:
    write(
        tmp_path,
        {
            "model.py": "def build_model(:\n",
            "train.py": TRAIN.format(import_line="from model import build_model", call="build_model(3)"),
        },
    )
    assert findings(tmp_path / "train.py") == []


def test_library_names_are_never_project_files(tmp_path) -> None:
    write(tmp_path, {"keras.py": "", "numpy.py": "", "model.py": ""})
    importer = str(tmp_path / "train.py")
    assert module_file(importer, "keras", 0) is None
    assert module_file(importer, "numpy.random", 0) is None
    assert module_file(importer, "model", 0) == str(tmp_path / "model.py")


def test_imports_are_read_from_every_form() -> None:
    text = b"import a, b.c as d\nfrom .e import f, g\nfrom .. import h\n    from i.j import (k,\n"
    assert imported_modules(text) == [
        ("a", 0),
        ("b.c", 0),
        ("e", 1),
        ("e.f", 1),
        ("e.g", 1),
        ("h", 2),
        ("i.j", 0),
        ("i.j.k", 0),
    ]


def test_project_reads_a_bounded_set_of_files(tmp_path) -> None:
    write(tmp_path, {f"m{i}.py": f"import m{i + 1}\n" for i in range(30)})
    project = Project.around(str(tmp_path / "m0.py"), (tmp_path / "m0.py").read_bytes())
    assert 0 < len(project.files) <= 16


def test_cache_is_keyed_on_the_imported_module_too(tmp_path) -> None:
    write(
        tmp_path,
        {
            "model.py": SIGMOID_MODEL,
            "train.py": TRAIN.format(import_line="from model import build_model", call="build_model(3)"),
        },
    )

    def run() -> list[str]:
        result = run_cli("check", "train.py", "--format", "json", cwd=tmp_path)
        return [d["code"] for d in json.loads(result.stdout)]

    assert run() == ["LG002"]
    assert run() == ["LG002"]  # from the cache
    (tmp_path / "model.py").write_text(textwrap.dedent(SIGMOID_MODEL).replace("sigmoid", "softmax"))
    assert run() == []
    assert (tmp_path / ".lossguard_cache").is_dir()


def test_notebook_importing_a_module_keeps_the_module_line(tmp_path) -> None:
    cells = [TRAIN.format(import_line="from model import build_model", call="build_model(3)")]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    write(tmp_path, {"model.py": SIGMOID_MODEL, "train.ipynb": json.dumps(notebook)})
    (lg002,) = findings(tmp_path / "train.ipynb")
    assert lg002.cell == 1
    assert lg002.related[0].location.cell is None and lg002.related[0].location.line == 7


def test_following_is_switched_by_flag_and_config(tmp_path) -> None:
    train = TRAIN.format(import_line="from model import build_model", call="build_model(3)")
    write(tmp_path, {"model.py": SIGMOID_MODEL, "train.py": train})

    def codes(*args: str) -> list[str]:
        result = run_cli("check", "train.py", "--no-cache", "--format", "json", *args, cwd=tmp_path)
        assert result.returncode in (0, 1), result.stderr
        return [d["code"] for d in json.loads(result.stdout)]

    assert codes() == ["LG002"]
    assert codes("--no-follow-imports") == []
    (tmp_path / "lossguard.toml").write_text("follow-imports = false\n")
    assert codes() == []
    assert codes("--follow-imports") == ["LG002"]
    (tmp_path / "lossguard.toml").write_text("follow-imports = 'no'\n")
    result = run_cli("check", "train.py", cwd=tmp_path)
    assert result.returncode == 2 and "'follow-imports' must be true or false" in result.stderr


# A model module with more in it than the script needs: helpers the builder uses, a constant,
# and definitions nothing imported reaches (these are left out of the parse, not of the facts).
LARGER_MODULE = """
from tensorflow import keras

HEAD = "sigmoid"

def block(x, width):
    return keras.layers.Dense(width, activation="relu")(x)

def build_model(num_classes):
    inputs = keras.Input((8,))
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation=HEAD)(block(inputs, 16)))

def build_softmax(num_classes):
    inputs = keras.Input((8,))
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(inputs))

class Unused:
    def method(self):
        return build_softmax(3)

def evaluate_only():
    return Unused()

if __name__ == "__main__":
    evaluate_only()
"""


def test_a_module_imported_for_some_names_keeps_what_they_reach() -> None:
    import ast

    from lossguard.static.prune import reached_definitions

    tree = ast.parse(textwrap.dedent(LARGER_MODULE))
    reached = reached_definitions(tree, frozenset({"build_model"}))
    assert {"build_model", "block", "HEAD", "keras"} <= reached
    assert not {"build_softmax", "Unused", "evaluate_only"} & reached  # the __main__ block never runs
    assert "build_softmax" in reached_definitions(tree, frozenset({"evaluate_only"}))


def test_unreached_definitions_are_not_parsed() -> None:
    from lossguard.static.parsing import parse_dependency

    text = textwrap.dedent(LARGER_MODULE)
    parsed = parse_dependency("model.py", text, None, frozenset({"build_model"}))
    assert parsed is not None
    assert "def block" in parsed.text and "def build_model" in parsed.text
    assert "build_softmax" not in parsed.text and "class Unused" not in parsed.text
    assert parsed.text.count("\n") == text.count("\n")  # every line stays where it was
    assert len(parsed.module.body) == len(ast_body(text))  # and every top-level statement
    whole = parse_dependency("model.py", text, None, None)
    assert whole is not None and "build_softmax" in whole.text


def ast_body(text: str) -> list:
    import ast

    return ast.parse(text).body


@pytest.mark.parametrize(
    "import_line, call, expected",
    [
        ("from model import build_model", "build_model(3)", ["LG002"]),
        ("import model", "model.build_model(3)", ["LG002"]),
        ("import model as m", "m.build_model(3)", ["LG002"]),
        # Two imports from the same module: the second name is run too (the module runs again).
        ("from model import build_model\nfrom model import build_softmax", "build_softmax(3)", []),
        ("from model import build_model\nfrom model import build_softmax", "build_model(3)", ["LG002"]),
        # The module object is passed on: attributes cannot be listed, the whole module runs.
        (
            "import model as m\ndef make(module, n):\n    return module.build_model(n)",
            "make(m, 3)",
            ["LG002"],
        ),
    ],
    ids=["from", "import", "import-as", "second-import", "first-of-two", "module-passed-on"],
)
def test_facts_are_the_same_with_unreached_definitions_left_out(
    tmp_path, import_line, call, expected
) -> None:
    module = (
        LARGER_MODULE
        + "\ndef compiled():\n    m = build_softmax(3)\n    m.compile(loss='categorical_crossentropy')\n"
    )
    write(tmp_path, {"model.py": module, "train.py": TRAIN.format(import_line=import_line, call=call)})
    found = findings(tmp_path / "train.py")
    assert [f.code for f in found] == expected
    if expected:
        assert "Dense(3, sigmoid)" in found[0].message  # HEAD and block() came from model.py


def test_attributes_taken_from_an_imported_module() -> None:
    from lossguard.static.prune import attributes_taken

    text = "import nets as n\nmodel = n.build(3)\nx = n . layer\nfrom nets import n2\n"
    assert attributes_taken(text, "n") == frozenset({"build", "layer"})
    assert attributes_taken(text + "run(n)\n", "n") is None  # passed on: the whole module
    assert attributes_taken("import nets\n# nets is ours\n", "nets") is None  # a comment: whole too
    assert attributes_taken("import nets\nnets2 = 1\nx.nets\n", "nets") == frozenset()


def test_a_module_checked_earlier_in_the_run_is_not_parsed_again(tmp_path, monkeypatch) -> None:
    from lossguard.static import parsing

    parsed: list[str] = []
    real = parsing.parse_file

    def counting(path: str, *args, **kwargs):
        parsed.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(parsing, "parse_file", counting)
    compiled = "\ndef compiled():\n    m = build_softmax(3)\n    m.compile(loss='categorical_crossentropy')\n"
    write(
        tmp_path,
        {
            "model.py": LARGER_MODULE + compiled,
            "train.py": TRAIN.format(import_line="from model import build_model", call="build_model(3)"),
        },
    )
    assert findings(tmp_path / "model.py") == []  # checked first: it is the larger file
    assert [f.code for f in findings(tmp_path / "train.py")] == ["LG002"]
    assert parsed == ["model.py", "train.py"]  # the model module was not parsed again as a dependency


def test_a_module_parsed_for_more_names_serves_an_import_of_fewer(monkeypatch) -> None:
    from lossguard.static import parsing

    parsed: list[frozenset[str] | None] = []
    real = parsing.parse_file

    def counting(path: str, text: str, anchor=None, wanted=None):
        parsed.append(wanted)
        return real(path, text, anchor, wanted)

    monkeypatch.setattr(parsing, "parse_file", counting)
    text = textwrap.dedent(LARGER_MODULE) + "\n# a variant of the module no other test parses\n"
    both = parsing.parse_dependency("variant.py", text, None, frozenset({"build_model", "build_softmax"}))
    assert parsing.parse_dependency("variant.py", text, None, frozenset({"build_softmax"})) is both
    assert parsing.parse_dependency("variant.py", text, None, frozenset({"evaluate_only"})) is not both
    assert parsing.parse_dependency("variant.py", text, None, None) is not None
    assert parsing.parse_dependency("variant.py", text, None, frozenset({"Unused"})) is not both
    assert len(parsed) == 3  # the whole module serves every later import of it
