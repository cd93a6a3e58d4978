"""Scaffold a new rule: ``python scripts/new_rule.py LG0xx kebab-name [--module NAME]``.

Writes every place a rule lives, each marked ``TODO(new_rule)`` where a person must write:

- the rule function, registered with ``@rule`` in ``lossguard/rules/<module>.py`` (by the
  code's decade, or ``--module``; a new module is imported in ``lossguard/rules/__init__.py``);
- its doc ``rules/LG0xx-kebab-name.md``: front matter, the sections, the Example / Use instead
  pair the rule-doc tests run with only this code selected;
- the fixture twins ``fixtures/bug_<name>.py`` / ``fixtures/ok_<name>.py`` with empty snapshots;
- the consequence case in ``tests/consequences/cases.py`` and its name in ``names.py``;
- the row of the rule table in ``README.md``.

``tests/rules/test_rule_docs.py::test_no_scaffold_placeholder_is_left`` fails until every
``TODO(new_rule)`` is written, so a scaffold cannot pass for a rule.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODO = "TODO(new_rule)"
# The rule module a code's decade goes to (LG00x: the head and the loss, LG01x: labels, …).
MODULES = {"0": "loss_head", "1": "labels", "2": "metrics", "3": "runtime", "4": "training"}


class ScaffoldError(Exception):
    """The code or name is taken or malformed: nothing was written."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("code", help="LG followed by three digits, e.g. LG012")
    parser.add_argument("name", help="kebab-case, e.g. softmax-on-regression")
    parser.add_argument("--module", help="lossguard/rules/<module>.py (default: by the code's decade)")
    parser.add_argument("--severity", choices=("error", "warning"), default="warning")
    parser.add_argument(
        "--subject", choices=("setup", "module"), default="setup", help="a TrainingSetup or ModuleFacts"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.root, args.code, args.name, args.module, args.severity, args.subject)
    except ScaffoldError as exc:
        print(f"new_rule: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(args.root)}")
    print(next_steps(args.code, args.name))
    return 0


def scaffold(root: Path, code: str, name: str, module: str | None, severity: str, subject: str) -> list[Path]:
    if not re.fullmatch(r"LG\d{3}", code):
        raise ScaffoldError(f"{code!r} is not LG followed by three digits")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        raise ScaffoldError(f"{name!r} is not kebab-case")
    if list((root / "rules").glob(f"{code}-*.md")):
        raise ScaffoldError(f"{code} already has a doc in rules/")
    if list((root / "rules").glob(f"LG*-{name}.md")):
        raise ScaffoldError(f"another rule is named {name}")
    module = module or MODULES.get(code[3])
    if module is None or not re.fullmatch(r"[a-z_]+", module):
        raise ScaffoldError(f"no rule module for {code}'s decade: pass --module NAME")
    snake = name.replace("-", "_")
    fixtures = root / "fixtures"
    written = [
        _rule_function(root, code, name, module, subject),
        _write_new(root / "rules" / f"{code}-{name}.md", _doc(root, code, name, severity)),
        _write_new(fixtures / f"bug_{snake}.py", f'"""{TODO}: the mistake {code} catches, for real."""\n'),
        _write_new(fixtures / f"ok_{snake}.py", f'"""{TODO}: the same scenario, written right."""\n'),
        _write_new(fixtures / f"bug_{snake}.expected.txt", ""),
        _write_new(fixtures / f"ok_{snake}.expected.txt", ""),
        *_consequence(root, code),
        _readme_row(root, code, name),
    ]
    return written


def next_steps(code: str, name: str) -> str:
    snake = name.replace("-", "_")
    return f"""
Next, in this order (each TODO({"new_rule"}) marks a place to write):
  1. rules/{code}-{name}.md: summary, What it does, Why, and the Example / Use instead pair
     python -m pytest tests/rules -k {code}          # each example with only {code} selected
  2. the rule function and its Needs words (they gate the file: too narrow and the tests fail)
  3. fixtures/bug_{snake}.py and fixtures/ok_{snake}.py, then the snapshots:
     python -m pytest tests/fixtures --update-snapshots    # review the .expected.txt diff
  4. the consequence case in tests/consequences/cases.py, its claim in test_consequences.py:
     python -m tests.consequences.cases {code}       # the numbers for the doc's **Measured** line
  5. the README row; then python -m pytest (all of it) and ruff check lossguard tests benchmarks scripts
"""


# ----- the pieces -------------------------------------------------------------------------


def _write_new(path: Path, text: str) -> Path:
    if path.exists():
        raise ScaffoldError(f"{path} exists already")
    path.write_text(text, encoding="utf-8")
    return path


def _doc(root: Path, code: str, name: str, severity: str) -> str:
    # The release being prepared: the newest 'since' of the docs, or the package's version.
    init = (root / "lossguard" / "__init__.py").read_text(encoding="utf-8")
    found = re.findall(r'^__version__ = "(\d+\.\d+\.\d+)"', init, re.M)
    for doc in (root / "rules").glob("LG*.md"):
        found += re.findall(r"^since: (\d+\.\d+\.\d+)$", doc.read_text(encoding="utf-8"), re.M)
    since = max(found, key=lambda v: tuple(map(int, v.split("."))), default=TODO)
    return f"""---
code: {code}
name: {name}
severity: {severity}
summary: {TODO} one line, what the rule catches
since: {since}
fix: never
---
## What it does
{TODO}: what the rule flags, in the words of the code it flags.

## Why is this a problem?
{TODO}: what Keras does with it, silently.

**Measured** ({TODO}: `python -m tests.consequences.cases {code}`): what the bad example and its fix did.

## Example
```python
# {TODO}: a whole script with the mistake; {code} reports exactly one finding here.
```

## Use instead
```python
# {TODO}: the same script, fixed; nothing is reported here.
```

## References
- {TODO}: the Keras documentation or source the claim rests on
"""


def _rule_function(root: Path, code: str, name: str, module: str, subject: str) -> Path:
    path = root / "lossguard" / "rules" / f"{module}.py"
    fact = "TrainingSetup" if subject == "setup" else "ModuleFacts"
    argument = "setup" if subject == "setup" else "facts"
    registered = (
        f'@rule("{code}", Needs(words=()))'
        if subject == "setup"
        else (f'@rule("{code}", Needs(words=()), subject="module")')
    )
    stub = f'''

# {TODO} {code}: the Needs words every file this rule can fire on contains (lossguard/rules/words.py).
{registered}
def {name.replace("-", "_")}({argument}: {fact}) -> Iterator[Finding]:
    """{TODO}: what {code} catches, from which facts; silent when one of them is unknown."""
    yield from ()
'''
    if path.exists():
        text = path.read_text(encoding="utf-8")
        for source, imported in (
            ("collections.abc", "Iterator"),
            ("lossguard.facts", fact),
            ("lossguard.findings", "Finding"),
            ("lossguard.rules.registry", "Needs"),
            ("lossguard.rules.registry", "rule"),
        ):
            text = _ensure_import(text, source, imported)
        path.write_text(text.rstrip("\n") + "\n" + stub, encoding="utf-8")
    else:
        header = f'''"""{code}: {TODO} what the rules of this module have in common."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import {fact}
from lossguard.findings import Finding
from lossguard.rules.registry import Needs, rule
'''
        _register_module(root, module)  # first: when it cannot be, nothing is written
        path.write_text(header + stub, encoding="utf-8")
        _tidy(root, root / "lossguard" / "rules" / "__init__.py")
    _tidy(root, path)
    return path


def _ensure_import(text: str, source: str, name: str) -> str:
    """``from source import name`` in ``text``: added to that import line, or as a new line."""
    line = re.search(rf"^from {re.escape(source)} import (?P<names>[^(\n]+)$", text, re.M)
    if line is not None:
        names = [n.strip() for n in line["names"].split(",")]
        if name in names:
            return text
        merged = ", ".join(sorted({*names, name}, key=lambda n: (not n[0].isupper(), n)))
        return text[: line.start("names")] + merged + text[line.end("names") :]
    block = re.search(rf"^from {re.escape(source)} import \((?P<names>[^)]*)\)", text, re.M)
    if block is not None:
        if re.search(rf"\b{name}\b", block["names"]):
            return text
        return text[: block.end("names")] + f"    {name},\n" + text[block.end("names") :]
    future = text.find("from __future__ import annotations\n")
    at = future + len("from __future__ import annotations\n") if future >= 0 else 0
    return text[:at] + f"\nfrom {source} import {name}\n" + text[at:]


def _register_module(root: Path, module: str) -> None:
    init = root / "lossguard" / "rules" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    # one line, or the parenthesised list ruff format makes of a long one (rewritten as one
    # line here; _tidy formats it again)
    line = re.search(
        r"^from lossguard\.rules import (?:\((?P<listed>[a-z_,\s]+)\)|(?P<names>[a-z_, ]+))$", text, re.M
    )
    if line is None:
        raise ScaffoldError(f"{init}: no 'from lossguard.rules import <modules>' line to extend")
    group = "listed" if line["listed"] is not None else "names"
    written = (n.strip() for n in line[group].split(","))
    names = sorted({*(n for n in written if n), module})
    text = text[: line.start()] + "from lossguard.rules import " + ", ".join(names) + text[line.end() :]
    text = re.sub(r'(__all__ = \[\n)((?:    "[^"]+",\n)+)', lambda m: _add_to_all(m, module), text)
    init.write_text(text, encoding="utf-8")


def _add_to_all(match: re.Match[str], module: str) -> str:
    entries = re.findall(r'"([^"]+)"', match[2])
    return match[1] + "".join(f'    "{e}",\n' for e in [*entries, module])  # ruff sorts them


def _consequence(root: Path, code: str) -> list[Path]:
    folder = root / "tests" / "consequences"
    names = folder / "names.py"
    text = names.read_text(encoding="utf-8")
    if f'"{code}"' in text:
        raise ScaffoldError(f"{names}: {code} is listed already")
    names.write_text(text.replace("\n]\n", f'\n    "{code}",  # {TODO}: name each pair of the case\n]\n'))
    cases = folder / "cases.py"
    text = cases.read_text(encoding="utf-8")
    function = f"_{code.lower()}"
    stub = f'''def {function}(flavour: str) -> Run:
    """{TODO}: train the doc's bad example (and, as a second function, its fix) on synthetic
    data with the structure {code} is about, e.g. fits(dense(CLASSES, "softmax"), "…", …)."""
    raise NotImplementedError("{code}: the consequence case is not written yet")


pair("{code}", {function}, {function})


'''
    marker = "def main("
    if marker not in text:
        raise ScaffoldError(f"{cases}: no 'def main(' to put the case before")
    cases.write_text(text.replace(marker, stub + marker, 1), encoding="utf-8")
    return [names, cases]


def _readme_row(root: Path, code: str, name: str) -> Path:
    readme = root / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [i for i, line in enumerate(lines) if re.match(r"\| LG\d{3} \|", line)]
    if not rows:
        raise ScaffoldError(f"{readme}: no rule table")
    after = max((i for i in rows if lines[i][2:7] < code), default=rows[0] - 1)
    lines.insert(after + 1, f"| {code} | {name} | {TODO} what it catches |\n")
    readme.write_text("".join(lines), encoding="utf-8")
    return readme


def _tidy(root: Path, path: Path) -> None:
    """Sort the imports the scaffold added and format the module (when ruff is installed)."""
    ruff = shutil.which("ruff")
    if ruff is None:
        return
    subprocess.run([ruff, "check", "--fix", "--select", "I,RUF022", "-q", str(path)], cwd=root, check=False)
    subprocess.run([ruff, "format", "-q", str(path)], cwd=root, check=False)


if __name__ == "__main__":
    sys.exit(main())
