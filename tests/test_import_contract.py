"""The layers hold: face → pipeline → {static, probe, live, fix} → facts ← rules; reporters see
findings only; nothing imports the face. docs/ARCHITECTURE.md draws this table for readers.

Walks every module of ``lossguard/`` with ``ast`` (imports inside functions count too, and
relative imports are resolved against the importing module) and checks each ``lossguard.*``
import against the layer table below. A module no entry of the table names fails the test: a
new room must be placed in the design before it is used.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "lossguard"

# Layer of a module: the longest matching prefix ("lossguard" itself only matches exactly).
LAYERS = {
    "lossguard": "version",  # __version__, and the public API re-exported lazily from lossguard.api
    "lossguard.__main__": "face",
    "lossguard.api": "face",
    "lossguard.face": "face",
    "lossguard.pipeline": "pipeline",
    "lossguard.reading": "reading",
    "lossguard.static": "static",
    "lossguard.probe": "probe",
    "lossguard.live": "live",
    "lossguard.fix": "fix",
    "lossguard.rules": "rules",
    "lossguard.rules.docs": "docs",
    "lossguard.report": "report",
    "lossguard.facts": "facts",
    "lossguard.findings": "findings",
    "lossguard.keras": "keras",
}
SHARED = {"facts", "keras", "version"}  # everyone may use these
ALLOWED = {
    "face": {"face", "pipeline", "report", "rules", "findings", "docs", "reading", "live"},
    "pipeline": {"pipeline", "static", "probe", "live", "fix", "rules", "findings", "reading"},
    "fix": {"fix", "findings", "reading"},
    "static": {"static", "reading"},
    "probe": {"probe", "reading"},
    "live": {"live", "probe"},  # the probe's readers of a live Keras model, reused in the kernel
    "rules": {"rules", "findings", "docs"},
    "report": {"report", "findings", "docs"},
    "findings": set(),
    "facts": set(),
    "keras": {"keras"},
    "reading": {"reading"},
    "docs": set(),
    "version": {"face"},  # only lazily: PEP 562 __getattr__ and load_ipython_extension
}


def layer_of(module: str) -> str:
    if module == "lossguard":
        return LAYERS["lossguard"]
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if prefix != "lossguard" and (module == prefix or module.startswith(prefix + ".")):
            return LAYERS[prefix]
    raise KeyError(f"{module} is in no layer of the design: add it to LAYERS")


def allowed(importer: str, imported: str) -> bool:
    target = layer_of(imported)
    return target in SHARED or target in ALLOWED[layer_of(importer)]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str | None:
    """The module a ``from … import`` names, relative imports resolved as Python does."""
    if node.level == 0:
        return node.module
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(path: Path) -> set[str]:
    importer = module_name(path)
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "lossguard"}
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, importer, is_package)
            if not module or module.split(".")[0] != "lossguard":
                continue
            found.add(module)
            found |= {
                f"{module}.{a.name}"
                for a in node.names
                if (PACKAGE.parent / module.replace(".", "/") / f"{a.name}.py").exists()
                or (PACKAGE.parent / module.replace(".", "/") / a.name / "__init__.py").exists()
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
        ("lossguard.report.text", "lossguard.pipeline.engine"),  # reporters importing the engine
        ("lossguard.report.sarif", "lossguard.rules"),  # reporters reading the rule registry
        ("lossguard.report.text", "lossguard.static.extract"),
        ("lossguard.report.text", "lossguard.reading.sources"),  # reporters reading files
        ("lossguard.probe.runner", "lossguard.pipeline.engine"),  # the probe running its own pipeline
        ("lossguard.probe.runner", "lossguard.rules"),
        ("lossguard.probe.runner", "lossguard.findings"),  # the probe making findings itself
        ("lossguard.probe.runner", "lossguard.static.values"),
        ("lossguard.keras.heads", "lossguard.static.values"),
        ("lossguard.static.extract", "lossguard.rules"),
        ("lossguard.pipeline.engine", "lossguard.face.cli"),  # nothing imports the face
        ("lossguard.live.facts", "lossguard.pipeline.engine"),
        ("lossguard.facts", "lossguard.findings"),
        ("lossguard.rules.docs", "lossguard.rules.registry"),
    ],
)
def test_the_contract_catches_known_leaks(importer: str, imported: str) -> None:
    assert not allowed(importer, imported)


def test_every_module_is_in_a_layer() -> None:
    unplaced = []
    for path in MODULES:
        try:
            layer_of(module_name(path))
        except KeyError:
            unplaced.append(module_name(path))
    assert unplaced == []


def test_a_module_outside_the_design_is_refused() -> None:
    with pytest.raises(KeyError):
        layer_of("lossguard.helpers")


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    """``from ..pipeline import engine`` in a reporter is seen as lossguard.pipeline.engine."""
    node = ast.parse("from ..pipeline import engine").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(node, "lossguard.report.text", False) == "lossguard.pipeline"
    node = ast.parse("from .text import render").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(node, "lossguard.report", True) == "lossguard.report.text"


def test_the_architecture_map_names_every_room_and_module() -> None:
    """docs/ARCHITECTURE.md draws the tree a newcomer reads: a new room or module must be put
    on the map (each package as ``name/``, each module by its file name)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for path in MODULES:
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py":
            named = f"{relative.parent.name}/" if relative.parent.parts else "lossguard/"
        else:
            named = path.name
        if named not in text:
            missing.append(str(relative))
    assert missing == [], f"not on the map in docs/ARCHITECTURE.md: {missing}"


def test_handlers_see_the_narrow_interpreter_not_the_evaluator() -> None:
    """No typing cycle in static/: only the extractor, which drives it, imports the evaluator
    (handlers, expressions and the subclass reader type against ``static.interpreter``)."""
    importers = sorted(
        module_name(path)
        for path in (PACKAGE / "static").rglob("*.py")
        if "lossguard.static.evaluator" in imports(path)
    )
    assert importers == ["lossguard.static.extract"]
