"""``scripts/new_rule.py`` on a copy of the repository: it writes every place a rule lives, its
placeholders fail the tests, and once the two examples (and the function they need) are
written, the new rule's own tests pass with only its code selected."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lossguard.rules import RULES
from tests.conftest import ROOT

CODE = next(c for c in ("LG029", "LG019", "LG039", "LG009", "LG049") if c not in RULES)
NAME = "hinge-on-probabilities"
SNAKE = NAME.replace("-", "_")
MODULE = {"0": "loss_head", "1": "labels", "2": "metrics", "3": "runtime", "4": "training"}[CODE[3]]
SCRIPT = """from tensorflow import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="{loss}")
"""


def copy_of_the_repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".lossguard_cache", ".pytest_cache", "*.egg-info")
    for folder in ("lossguard", "rules", "fixtures", "tests", "scripts"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    for file in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / file, root / file)
    return root


def new_rule(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/new_rule.py", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The copy's own tests, importing the copy's lossguard (its folder comes first on the path)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_scaffold_writes_every_place_and_refuses_a_taken_code(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path)
    made = new_rule(root, CODE, NAME)
    assert made.returncode == 0, made.stderr
    for path in (
        f"rules/{CODE}-{NAME}.md",
        f"fixtures/bug_{SNAKE}.py",
        f"fixtures/ok_{SNAKE}.py",
        f"fixtures/bug_{SNAKE}.expected.txt",
        f"fixtures/ok_{SNAKE}.expected.txt",
    ):
        assert (root / path).is_file(), path
    assert f'@rule("{CODE}"' in (root / "lossguard" / "rules" / f"{MODULE}.py").read_text()
    assert f'"{CODE}"' in (root / "tests" / "consequences" / "names.py").read_text()
    assert f'pair("{CODE}"' in (root / "tests" / "consequences" / "cases.py").read_text()
    assert f"| {CODE} | {NAME} |" in (root / "README.md").read_text()
    front = (root / "rules" / f"{CODE}-{NAME}.md").read_text().split("---")[1]
    assert {line.split(":")[0] for line in front.strip().splitlines()} == {
        "code",
        "name",
        "severity",
        "summary",
        "since",
        "fix",
    }
    assert "--update-snapshots" in made.stdout  # it tells the snapshot command
    again = new_rule(root, CODE, "another-name")
    assert again.returncode == 2 and "already has a doc" in again.stderr
    taken = new_rule(root, "LG098", NAME, "--module", "metrics")
    assert taken.returncode == 2 and f"another rule is named {NAME}" in taken.stderr
    assert new_rule(root, "LG098", "x-y").returncode == 2  # no module for that decade: say which
    if shutil.which("ruff"):
        lint = subprocess.run(
            ["ruff", "check", "lossguard", "tests", "scripts"], cwd=root, capture_output=True
        )
        assert lint.returncode == 0, lint.stdout


@pytest.mark.slow
def test_a_scaffolded_rule_passes_its_tests_once_its_examples_are_written(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path)
    assert new_rule(root, CODE, NAME).returncode == 0
    selection = ["tests/rules/test_rule_docs.py", "tests/rules/test_gate.py", "-k", CODE]

    unwritten = pytest_in(root, *selection)
    assert unwritten.returncode == 1, unwritten.stdout[-3000:]
    assert f"test_example_yields_exactly_its_code_with_only_its_rule_selected[{CODE}]" in unwritten.stdout

    doc = root / "rules" / f"{CODE}-{NAME}.md"
    text = doc.read_text()
    for heading, loss in (("Example", "hinge"), ("Use instead", "binary_crossentropy")):
        text = re.sub(
            rf"(## {heading}\n```python\n).*?(```)",
            lambda m, loss=loss: m[1] + SCRIPT.format(loss=loss) + m[2],
            text,
            flags=re.S,
        )
    doc.write_text(text)
    module = root / "lossguard" / "rules" / f"{MODULE}.py"
    module.write_text(
        module.read_text()
        .replace(f'@rule("{CODE}", Needs(words=()))', f'@rule("{CODE}", Needs(words=("hinge",)))')
        .replace(
            "    yield from ()\n",
            "    from lossguard.rules.registry import finding\n\n"
            '    if setup.loss is not None and setup.loss.name == "hinge":\n'
            f'        yield finding("{CODE}", "hinge loss on a probability output", setup.loss.location)\n',
        )
    )

    written = pytest_in(root, *selection, "-rA")
    assert written.returncode == 0, written.stdout[-3000:]
    for test in ("only_its_rule_selected", "every_rule_selected"):  # the new rule's own tests ran
        assert (
            f"PASSED tests/rules/test_rule_docs.py::test_example_yields_exactly_its_code_with_{test}[{CODE}]"
            in (written.stdout)
        )
    assert f"PASSED tests/rules/test_gate.py::test_each_rule_gate_admits_its_own_bad_example[{CODE}]" in (
        written.stdout
    )
    left = pytest_in(root, "tests/rules/test_rule_docs.py", "-k", "placeholder")
    assert left.returncode == 1 and f"rules/{CODE}-{NAME}.md:" in left.stdout  # summary, Why, …


def test_a_new_module_is_imported_with_the_other_rule_modules(tmp_path: Path) -> None:
    # The modules are imported as a parenthesised list once ruff format has wrapped the line.
    root = copy_of_the_repository(tmp_path)
    made = new_rule(root, CODE, NAME, "--module", "fresh_rules")
    assert made.returncode == 0, made.stderr
    init = (root / "lossguard" / "rules" / "__init__.py").read_text(encoding="utf-8")
    assert re.search(r"^from lossguard\.rules import \(?[a-z_,\s]*\bfresh_rules\b", init, re.M)
    assert '"fresh_rules"' in init
    assert (root / "lossguard" / "rules" / "fresh_rules.py").exists()
