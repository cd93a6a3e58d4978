"""The layers hold: face → engine → {static, probe} → facts ← rules; reporters see findings only.

Walks every module of ``lossguard/`` with ``ast`` (imports inside functions count too) and
checks each ``lossguard.*`` import against the layer table below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "lossguard"

# Layer of a module: the longest matching prefix.
LAYERS = {
    "lossguard.cli": "face",
    "lossguard.fix_cli": "face",
    "lossguard.config": "face",
    "lossguard.__main__": "face",
    "lossguard.engine": "engine",
    "lossguard.cache": "engine",
    "lossguard.project": "engine",
    "lossguard.fixer": "engine",
    "lossguard.suppressions": "engine",
    "lossguard.merge": "engine",
    "lossguard.static": "static",
    "lossguard.probe": "probe",
    "lossguard.fix": "fix",
    "lossguard.rules": "rules",
    "lossguard.report": "report",
    "lossguard.facts": "facts",
    "lossguard.findings": "findings",
    "lossguard.settings": "settings",
    "lossguard.keras": "keras",
    "lossguard.sources": "sources",
    "lossguard.ipython_input": "sources",
    "lossguard.docs": "docs",
    "lossguard": "version",
}
SHARED = {"facts", "keras", "sources", "version"}  # everyone may use these
ALLOWED = {
    "face": {"face", "engine", "report", "rules", "findings", "settings", "docs"},
    "engine": {"engine", "static", "probe", "fix", "rules", "findings", "settings"},
    "fix": {"fix", "findings"},
    "static": {"static"},
    "probe": {"probe"},
    "rules": {"rules", "findings", "docs"},
    "report": {"report", "findings", "docs"},
    "findings": set(),
    "settings": {"findings"},
    "facts": set(),
    "keras": {"keras"},
    "sources": {"sources"},
    "docs": set(),
    "version": set(),
}


def layer_of(module: str) -> str:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise KeyError(module)


def allowed(importer: str, imported: str) -> bool:
    target = layer_of(imported)
    return target in SHARED or target in ALLOWED[layer_of(importer)]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "lossguard"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lossguard":
            found.add(node.module)
            found |= {
                f"{node.module}.{a.name}"
                for a in node.names
                if (PACKAGE.parent / node.module.replace(".", "/") / f"{a.name}.py").exists()
            }
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_module_imports_only_its_own_and_lower_layers(path: Path) -> None:
    importer = module_name(path)
    leaks = sorted(imported for imported in imports(path) if not allowed(importer, imported))
    assert leaks == [], f"{importer} ({layer_of(importer)}) reaches {leaks}"


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("lossguard.rules.metrics", "lossguard.static.extract"),  # rules reaching into the extractor
        ("lossguard.report.text", "lossguard.engine"),  # reporters importing Report from the engine
        ("lossguard.report.sarif", "lossguard.rules"),  # reporters reading the rule registry
        ("lossguard.report.text", "lossguard.static.extract"),
        ("lossguard.probe.runner", "lossguard.engine"),  # the probe running its own pipeline
        ("lossguard.probe.runner", "lossguard.rules"),
        ("lossguard.probe.runner", "lossguard.findings"),  # the probe making findings itself
        ("lossguard.probe.runner", "lossguard.static.values"),
        ("lossguard.keras.heads", "lossguard.static.values"),
        ("lossguard.static.extract", "lossguard.rules"),
        ("lossguard.engine", "lossguard.cli"),  # nothing imports the face
        ("lossguard.facts", "lossguard.findings"),
    ],
)
def test_the_contract_catches_the_leaks_of_0_1_0(importer: str, imported: str) -> None:
    assert not allowed(importer, imported)


def test_every_module_is_in_a_layer() -> None:
    for path in MODULES:
        layer_of(module_name(path))
