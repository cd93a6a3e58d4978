"""The Keras a project's requirements pin (face/pins.py), through the real CLI and alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossguard.pipeline.pins import Pin, forget_pins, lookup_pin, pin_of
from tests.cli.test_integrations import SOFTMAX_BCE, project
from tests.conftest import run_cli


def findings(result) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def codes(result) -> list[str]:
    return sorted(f["code"] for f in findings(result))


def test_a_pinned_old_keras_is_the_target(tmp_path: Path) -> None:
    """Keras 2.2 resolved a bare 'accuracy' from the loss (binary accuracy under binary
    cross-entropy); Keras 3, installed here, resolves it from shapes: only the pin tells."""
    project(
        tmp_path, {"requirements.txt": "numpy==1.16.0\nKeras==2.2.4  # the book's\n", "train.py": SOFTMAX_BCE}
    )
    pinned = findings(run_cli("check", "train.py", "--no-cache", "-f", "json", cwd=tmp_path))
    assert sorted(f["code"] for f in pinned) == ["LG001", "LG020"]
    lg020 = next(f for f in pinned if f["code"] == "LG020")
    assert "Keras==2.2.4  # the book's in requirements.txt" not in lg020["message"]
    assert "Keras 2.2.4, Keras==2.2.4 in requirements.txt" in lg020["message"]
    said = run_cli("check", "train.py", "--no-cache", "-f", "json", "--keras-version", "3", cwd=tmp_path)
    assert codes(said) == ["LG001"]  # --keras-version wins over the pin


def test_a_pin_in_pyproject_counts_and_a_lower_bound_does_not(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["tensorflow==2.1.0"]\n',
            "src/train.py": SOFTMAX_BCE,
        },
    )
    assert codes(run_cli("check", "src", "--no-cache", "-f", "json", cwd=tmp_path)) == ["LG001", "LG020"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["tensorflow>=2.1"]\n')
    assert codes(run_cli("check", "src", "--no-cache", "-f", "json", cwd=tmp_path)) == ["LG001"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("environment.yml", "name: old\ndependencies:\n  - python=3.7\n  - tensorflow-gpu=2.1\n  - numpy\n"),
        ("environment.yaml", "dependencies:\n  - pip:\n    - tensorflow==2.1.0\n"),
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='x', install_requires=['numpy', 'tensorflow==2.1.0'])\n",
        ),
        ("setup.cfg", "[options]\ninstall_requires =\n    numpy\n    tensorflow==2.1.0\n"),
    ],
)
def test_a_pin_in_a_conda_environment_or_setup_file_counts(tmp_path: Path, name: str, text: str) -> None:
    """tf.keras 2.1 resolved a bare 'accuracy' from the loss, as the pyproject test shows."""
    project(tmp_path, {name: text, "src/train.py": SOFTMAX_BCE})
    pinned = findings(run_cli("check", "src", "--no-cache", "-f", "json", cwd=tmp_path))
    assert sorted(f["code"] for f in pinned) == ["LG001", "LG020"]
    lg020 = next(f for f in pinned if f["code"] == "LG020")
    assert f"in {name}" in lg020["message"] and "tensorflow" in lg020["message"]
    (tmp_path / name).write_text(text.replace("2.1", "2.15").replace("==2.15.0", ">=2.1"))
    assert codes(run_cli("check", "src", "--no-cache", "-f", "json", cwd=tmp_path)) == ["LG001"]


def test_the_configured_version_wins_over_the_pin(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "requirements.txt": "keras==2.2.4\n",
            "lossguard.toml": 'keras-version = "3"\n',
            "train.py": SOFTMAX_BCE,
        },
    )
    assert codes(run_cli("check", "train.py", "--no-cache", "-f", "json", cwd=tmp_path)) == ["LG001"]


def test_a_pin_above_the_repository_is_another_projects(tmp_path: Path) -> None:
    project(tmp_path, {"requirements.txt": "keras==2.2.4\n", "repo/train.py": SOFTMAX_BCE})
    (tmp_path / "repo" / ".git").mkdir()
    assert lookup_pin(tmp_path / "repo" / "train.py").pin is None
    (tmp_path / "repo" / ".git").rmdir()
    forget_pins()  # a new run
    pin = lookup_pin(tmp_path / "repo" / "train.py").pin
    assert pin is not None and pin.spec == "2.2.4" and pin.file == (tmp_path / "requirements.txt").resolve()


@pytest.mark.parametrize(
    ("lines", "spec"),
    [
        (["keras==2.3.1"], "2.3.1"),
        (["tensorflow-gpu==1.15.0"], "tf1.15.0"),
        (["tensorflow[and-cuda]==2.15.1 ; python_version >= '3.9'"], "tf2.15.1"),
        (["tensorflow==2.4.1", "keras==2.4.3"], "2.4.3"),  # the keras pin says more
        (["keras~=2.3.0"], "2.3.0"),
        (["keras>=2.3", "tensorflow<2.16"], None),  # bounds pin nothing
        (["# keras==2.2.4", "keras-tuner==1.4.7", "tf-keras==2.15.0"], None),
        (["keras==banana"], None),
        (["tensorflow-gpu=1.15"], "tf1.15"),  # conda's release prefix (environment.yml)
    ],
)
def test_requirement_lines(lines: list[str], spec: str | None) -> None:
    found = pin_of(lines)
    assert (found[0] if found else None) == spec


def test_an_unknown_pinned_version_is_no_pin(tmp_path: Path) -> None:
    project(tmp_path, {"requirements.txt": "keras==9.0\n", "train.py": SOFTMAX_BCE})
    result = run_cli("check", "train.py", "--no-cache", "-f", "json", cwd=tmp_path)
    assert codes(result) == ["LG001"]


def test_each_file_gets_the_pin_of_its_own_project(tmp_path: Path) -> None:
    """A subproject with requirements of its own is read by those, whatever the order of the
    paths on the command line (a reading of real repositories: one pin per run misread one)."""
    project(
        tmp_path,
        {
            "requirements.txt": "keras==2.2.4\n",
            "old/train.py": SOFTMAX_BCE,
            "new/requirements.txt": "keras==3.5.0\n",
            "new/train.py": SOFTMAX_BCE,
        },
    )
    for order in (["old", "new"], ["new", "old"], ["."]):
        found = findings(run_cli("check", *order, "--no-cache", "-f", "json", cwd=tmp_path))
        by_file = sorted((Path(f["path"]).parent.name, f["code"]) for f in found)
        assert by_file == [("new", "LG001"), ("old", "LG001"), ("old", "LG020")], order


def test_a_cached_result_is_checked_again_when_a_pin_appears(tmp_path: Path) -> None:
    project(tmp_path, {"train.py": SOFTMAX_BCE})
    assert codes(run_cli("check", "train.py", "-f", "json", cwd=tmp_path)) == ["LG001"]
    (tmp_path / "requirements.txt").write_text("keras==2.2.4\n")
    assert codes(run_cli("check", "train.py", "-f", "json", cwd=tmp_path)) == ["LG001", "LG020"]
    (tmp_path / "requirements.txt").write_text("keras==3.5.0\n")
    assert codes(run_cli("check", "train.py", "-f", "json", cwd=tmp_path)) == ["LG001"]


@pytest.mark.parametrize(
    ("spec", "code", "names"),
    [
        ("tf1.15.0", b"from keras.models import Sequential\n", False),  # multi-backend, its own version
        ("tf1.15.0", b"from tensorflow import keras\n", True),
        ("tf2.4.1", b"import keras\n", False),
        ("tf2.10.0", b"import keras\n", True),  # TensorFlow 2.6+ requires the keras of its release
        ("2.3.1", b"import keras\n", True),
    ],
)
def test_a_tensorflow_pin_says_nothing_of_an_older_standalone_keras(
    spec: str, code: bytes, names: bool
) -> None:
    assert Pin(spec, Path("requirements.txt"), "x").names_keras_of(code) is names
