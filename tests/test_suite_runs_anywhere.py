"""The suite collects with the test extra alone (no numpy, no TensorFlow): a test module may not
import an optional package at its top unless ``pytest.importorskip`` let it through first.

Checked by reading the modules (``ast``), so it holds on a machine that has every package too;
``pip install -e '.[test]' && python -m pytest -m "not slow" --collect-only`` is the real thing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Not in the test extra: the probe extra's packages and what scripts under test use.
OPTIONAL = {"numpy", "tensorflow", "keras", "tf_keras", "sklearn", "pandas", "tensorflow_datasets"}
MODULES = sorted(
    p for p in (ROOT / "tests").rglob("*.py") if p.name.startswith("test_") or p.name == "conftest.py"
)


def unguarded_imports(path: Path) -> list[str]:
    guarded: set[str] = set()
    found = []
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "importorskip"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                guarded.add(str(node.args[0].value).split(".")[0])
        if isinstance(statement, ast.Import):
            names = [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            names = [statement.module]
        else:
            continue
        for name in names:
            root = name.split(".")[0]
            if root in OPTIONAL and root not in guarded:
                found.append(f"line {statement.lineno}: {name}")
            elif root == "tests" and not _helper_needs(name) <= guarded:
                found.append(f"line {statement.lineno}: {name} (imports an optional package)")
    return found


def _helper_needs(module: str) -> set[str]:
    """The optional packages a test helper (``tests.consequences.cases``) imports at its top."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.is_file() or path.name.startswith("test_"):
        return set()
    needs: set[str] = set()
    for line in unguarded_imports(path):
        name = line.split(": ")[1].split(" ")[0]
        needs |= _helper_needs(name) if name.startswith("tests.") else {name.split(".")[0]}
    return needs


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_optional_package_is_imported_unguarded(path: Path) -> None:
    assert unguarded_imports(path) == []


def test_the_check_sees_an_unguarded_import(tmp_path: Path) -> None:
    bare = tmp_path / "test_bare.py"
    bare.write_text("import numpy as np\nfrom tests.consequences.cases import CASES\n")
    assert unguarded_imports(bare) == [
        "line 1: numpy",
        "line 2: tests.consequences.cases (imports an optional package)",
    ]
    guarded = tmp_path / "test_guarded.py"
    guarded.write_text(
        'import pytest\nnp = pytest.importorskip("numpy")\nfrom tests.consequences.cases import CASES\n'
    )
    assert unguarded_imports(guarded) == []
