"""Where users meet lossguard: GitHub annotations, SARIF, configuration, suppressions,
notebooks, the cache and colour — all through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import FIXTURES, ROOT, run_cli

BUGGY = FIXTURES / "seed004_mnist_binary_crossentropy.py"
CLEAN = FIXTURES / "ok_binary_sigmoid_bce.py"
NOTEBOOK = FIXTURES / "nb_fashion_mnist.ipynb"
SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())

SOFTMAX_BCE = """from tensorflow import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return tmp_path


def json_codes(result) -> list[tuple[str, str, int]]:
    return [(Path(d["path"]).name, d["code"], d["line"]) for d in json.loads(result.stdout)]


# ----- GitHub ------------------------------------------------------------------------------


def test_github_annotations_and_escaping(tmp_path: Path) -> None:
    weird = tmp_path / "a,b:c.py"
    weird.write_text(SOFTMAX_BCE)
    result = run_cli("check", str(weird), "--no-cache", "-f", "github")
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=")  # LG001 is a warning: the model still learns
    assert "a%2Cb%3Ac.py" in line
    assert ",line=3,col=38,endLine=3,endColumn=59," in line
    assert ",title=LG001 softmax-binary-crossentropy::" in line
    assert "%0AFix: use loss=" in line
    assert "\n" not in line and "\r" not in line


def test_github_is_the_default_under_github_actions() -> None:
    result = run_cli(
        "check", str(FIXTURES / "bug_mode_min_on_accuracy.py"), "--no-cache", env={"GITHUB_ACTIONS": "true"}
    )
    assert result.stdout.startswith("::error file=")  # LG023 on a checkpoint: it keeps the worst model


def test_github_escape_functions() -> None:
    from lossguard.report.github import escape_data, escape_property

    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_action_yml_is_a_composite_action_with_paths_and_args() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"paths", "args"} <= set(action["inputs"])
    commands = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert 'lossguard" check' in commands and "LOSSGUARD_PATHS" in commands and "LOSSGUARD_ARGS" in commands


def test_pre_commit_hook_definition() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "lossguard"
    assert hook["types_or"] == ["python", "jupyter"]
    assert "--no-probe" in hook["entry"] and hook["language"] == "python"


# ----- SARIF -------------------------------------------------------------------------------


@pytest.mark.slow  # the schema check of every rule (tests/report pins the SARIF fast)
def test_sarif_is_schema_valid_and_complete(tmp_path: Path) -> None:
    result = run_cli("check", str(FIXTURES), "--no-cache", "-f", "sarif")
    assert result.returncode == 1
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, SCHEMA)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"LG001", "LG024", "LG042", "LG900"}
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"] in ("error", "warning")
    result0 = run["results"][0]
    assert result0["ruleId"] == rules[result0["ruleIndex"]]["id"]
    region = result0["locations"][0]["physicalLocation"]["region"]
    assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
    uri = result0["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("fixtures/") and not uri.startswith("/")
    assert all(r["partialFingerprints"]["lossguard/v1"] for r in run["results"])


def test_sarif_fingerprints_survive_unrelated_edits(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(SOFTMAX_BCE)
    first = json.loads(run_cli("check", "train.py", "--no-cache", "-f", "sarif", cwd=tmp_path).stdout)
    target.write_text("# a new comment\nimport os\n\n" + SOFTMAX_BCE)
    second = json.loads(run_cli("check", "train.py", "--no-cache", "-f", "sarif", cwd=tmp_path).stdout)
    (a,) = first["runs"][0]["results"]
    (b,) = second["runs"][0]["results"]
    assert a["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert b["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert a["partialFingerprints"] == b["partialFingerprints"]


# ----- configuration -------------------------------------------------------------------------


def test_pyproject_select_ignore_severity_and_per_file_ignores(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "pyproject.toml": """
[tool.lossguard]
ignore = ["LG040"]
per-file-ignores = { "experiments/*.py" = ["LG001"] }
severity = { LG001 = "warning" }
keras-version = "2.2.4"
""",
            "train.py": SOFTMAX_BCE + "model.fit(x, y, shuffle='False')\n",
            "experiments/try.py": SOFTMAX_BCE,
        },
    )
    result = run_cli("check", ".", "--no-cache", "-f", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert sorted((Path(d["path"]).name, d["code"], d["severity"]) for d in data) == [
        ("train.py", "LG001", "warning"),
        ("train.py", "LG020", "error"),
        ("try.py", "LG020", "error"),
    ]


def test_cli_flags_win_over_the_file(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "pyproject.toml": '[tool.lossguard]\nkeras-version = "2.2.4"\nselect = ["LG02"]\n',
            "train.py": SOFTMAX_BCE,
        },
    )
    assert json_codes(run_cli("check", ".", "--no-cache", "-f", "json", cwd=tmp_path)) == [
        ("train.py", "LG020", 3)
    ]
    assert json_codes(
        run_cli(
            "check", ".", "--no-cache", "-f", "json", "--keras-version", "3", "--select", "LG0", cwd=tmp_path
        )
    ) == [("train.py", "LG001", 3)]


def test_config_found_from_the_checked_path_upwards(tmp_path: Path) -> None:
    project(tmp_path, {"proj/lossguard.toml": 'ignore = ["LG001"]\n', "proj/src/deep/train.py": SOFTMAX_BCE})
    result = run_cli("check", str(tmp_path / "proj" / "src"), "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_exclude_and_force_exclude(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "pyproject.toml": '[tool.lossguard]\nexclude = ["legacy"]\nextend-exclude = ["*_generated.py"]\n',
            "legacy/old.py": SOFTMAX_BCE,
            "model_generated.py": SOFTMAX_BCE,
            "train.py": SOFTMAX_BCE,
        },
    )
    assert [c[0] for c in json_codes(run_cli("check", ".", "--no-cache", "-f", "json", cwd=tmp_path))] == [
        "train.py"
    ]
    explicit = run_cli("check", "legacy/old.py", "--no-cache", "-f", "json", cwd=tmp_path)
    assert json_codes(explicit) == [("old.py", "LG001", 3)]
    forced = run_cli(
        "check", "legacy/old.py", "train.py", "--force-exclude", "--no-cache", "-f", "json", cwd=tmp_path
    )
    assert [c[0] for c in json_codes(forced)] == ["train.py"]


@pytest.mark.parametrize(
    "content, message",
    [
        ('[tool.lossguard]\nselct = ["LG001"]\n', "unknown key 'selct'"),
        ('[tool.lossguard]\nignore = ["LG123"]\n', "unknown rule code 'LG123'"),
        ('[tool.lossguard]\nseverity = { LG001 = "fatal" }\n', 'must be "error" or "warning"'),
        ('[tool.lossguard]\nkeras-version = "banana"\n', "cannot understand Keras version"),
        ("[tool.lossguard\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    project(tmp_path, {"pyproject.toml": content, "train.py": SOFTMAX_BCE})
    result = run_cli("check", ".", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "pyproject.toml" in result.stderr or "keras" in result.stderr.lower()
    assert "Traceback" not in result.stderr


# ----- suppressions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        SOFTMAX_BCE.replace('metrics=["accuracy"])', 'metrics=["accuracy"])  # lossguard: ignore[LG001]'),
        SOFTMAX_BCE.replace("model.compile(", "# lossguard: ignore[LG001]\nmodel.compile("),
        SOFTMAX_BCE.replace('"softmax")])', '"softmax")])  # lossguard: ignore[LG001]'),
        SOFTMAX_BCE.replace('metrics=["accuracy"])', 'metrics=["accuracy"])  # lossguard: ignore'),
        "# lossguard: ignore-file\n" + SOFTMAX_BCE,
        "# lossguard: ignore-file[LG001]\n" + SOFTMAX_BCE,
    ],
    ids=["same-line", "line-above", "related-line", "bare", "ignore-file", "ignore-file-code"],
)
def test_suppressions(tmp_path: Path, source: str) -> None:
    (tmp_path / "train.py").write_text(source)
    assert run_cli("check", "train.py", "--no-cache", cwd=tmp_path).returncode == 0


def test_suppression_of_another_code_does_not_hide(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        SOFTMAX_BCE.replace('metrics=["accuracy"])', 'metrics=["accuracy"])  # lossguard: ignore[LG002]')
    )
    result = run_cli("check", "train.py", "--no-cache", "-f", "json", "--report-unused-ignores", cwd=tmp_path)
    assert sorted(json_codes(result)) == [("train.py", "LG001", 3), ("train.py", "LG902", 3)]


# ----- notebooks -----------------------------------------------------------------------------


@pytest.mark.slow  # four runs of the CLI (tests/report pins each format in-process)
def test_notebook_in_every_format() -> None:
    text = run_cli("check", str(NOTEBOOK), "--no-cache")
    assert f"{NOTEBOOK}:cell 3:line 7:38: LG002" in text.stdout
    assert "(Dense(10, sigmoid) at cell 3, line 5)" in text.stdout
    data = json.loads(run_cli("check", str(NOTEBOOK), "--no-cache", "-f", "json").stdout)
    assert (data[0]["cell"], data[0]["cell_line"]) == (3, 7)
    github = run_cli("check", str(NOTEBOOK), "--no-cache", "-f", "github").stdout
    # ten sigmoid units with a sparse loss: it trains, predictions are no probabilities (warning)
    assert "::warning file=" in github and "::cell 3, line 7: sigmoid output" in github
    sarif = json.loads(run_cli("check", str(NOTEBOOK), "--no-cache", "-f", "sarif").stdout)
    jsonschema.validate(sarif, SCHEMA)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".ipynb")
    assert result["message"]["text"].startswith("cell 3, line 7:")


def test_broken_notebook_is_lg900_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "import keras"')
    (tmp_path / "notjupyter.ipynb").write_text('{"hello": 1}')
    shutil.copy(BUGGY, tmp_path / "train.py")
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json")
    assert sorted(c[:2] for c in json_codes(result)) == [
        ("broken.ipynb", "LG900"),
        ("notjupyter.ipynb", "LG900"),
        ("train.py", "LG001"),
    ]
    assert "Traceback" not in result.stderr


def test_notebook_syntax_error_maps_to_its_cell(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["import keras\n"]},
            {"cell_type": "code", "source": ["model.compile(loss='bce'\n", "y = 2"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    data = json.loads(run_cli("check", "nb.ipynb", "--no-cache", "-f", "json", cwd=tmp_path).stdout)
    assert data[0]["code"] == "LG900" and data[0]["cell"] == 2


# ----- cache ---------------------------------------------------------------------------------


@pytest.mark.slow  # the whole fixtures folder, three times (tests/pipeline covers the cache fast)
def test_cache_cold_warm_and_invalidation(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    cold = run_cli("check", "fixtures", "-f", "json", cwd=tmp_path)
    cache = tmp_path / "fixtures" / ".lossguard_cache"
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    warm = run_cli("check", "fixtures", "-f", "json", cwd=tmp_path)
    assert warm.stdout == cold.stdout and warm.returncode == cold.returncode == 1
    target = tmp_path / "fixtures" / "ok_regression.py"
    target.write_text(target.read_text().replace('metrics=["mae"]', 'metrics=["accuracy"]'))
    edited = run_cli("check", "fixtures", "-f", "json", cwd=tmp_path)
    assert ("ok_regression.py", "LG021") in [
        (Path(d["path"]).name, d["code"]) for d in json.loads(edited.stdout)
    ]


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    shutil.copy(BUGGY, tmp_path / "train.py")
    run_cli("check", "train.py", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / ".lossguard_cache").exists()


def test_cache_key_includes_settings(tmp_path: Path) -> None:
    shutil.copy(BUGGY, tmp_path / "train.py")
    assert run_cli("check", "train.py", "--keras-version", "3", "-f", "json", cwd=tmp_path).returncode == 1
    old = json.loads(
        run_cli("check", "train.py", "--keras-version", "2.2.4", "-f", "json", cwd=tmp_path).stdout
    )
    assert [d["code"] for d in old] == ["LG001", "LG020"]


# ----- output polish -------------------------------------------------------------------------


def test_colour_follows_no_color_and_force_color() -> None:
    plain = run_cli("check", str(BUGGY), "--no-cache")
    assert "\x1b[" not in plain.stdout
    coloured = run_cli("check", str(BUGGY), "--no-cache", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in coloured.stdout
