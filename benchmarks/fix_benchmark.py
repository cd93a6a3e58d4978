"""Does ``--fix`` do the right thing on real code? Every edit, checked and shown for review.

Why: a *safe* fix is a promise that the user may apply it without reading it. Whether an edit
is right needs a person; whether it broke the file, left its finding or created another does
not. This copies each folder (one per repository) to a temporary directory, twice, and runs
``lossguard check --fix`` on one copy and ``--fix --unsafe-fixes`` on the other. For every file
the fixer changed it checks that the file still parses (``ast`` for scripts; for notebooks valid
JSON and every code cell that parsed before still parsing), that the finding each edit was meant
to fix is gone (the count of that code in that file fell by the number of edits
``--show-fixes`` reports) and that no new finding appeared (codes before vs after, per file).
It prints each changed file as a unified diff (notebooks: their code cells) under the list of
edits applied to it (rule, applicability, line, the fix's message), then a table per mode x
rule x applicability: edits, edits in files that parse, fixed, new findings in the edited files.
The folders given are never written.

Usage:
    python benchmarks/fix_benchmark.py CORPUS/owner+repo ... [--keras-version 2.15]
        [--mode safe|unsafe|both] [--json OUT.json] [--no-diff]

Only the standard library and lossguard's command line (``python -m lossguard``) are used.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import collections
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IGNORED = shutil.ignore_patterns(".git", ".lossguard_cache", "__pycache__")


def lossguard(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossguard", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"},
    )


def findings_of(folder: str, extra: list[str]) -> list[dict]:
    done = lossguard(["check", folder, "--format", "json", "--no-cache", "--exit-zero", *extra])
    try:
        return json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        sys.stderr.write(f"{folder}: no JSON from lossguard (rc {done.returncode}): {done.stderr[-1000:]}\n")
        return []


FILE_LINE = re.compile(r"^- (?P<path>.+):$")
COUNT_LINE = re.compile(r"^\s+(?P<n>\d+) × (?P<code>LG\d+)")


def apply_fixes(folder: str, unsafe: bool, extra: list[str]) -> collections.Counter[tuple[str, str]]:
    """Run the fixer on ``folder``; what it says it fixed: (path, code) -> count."""
    args = ["check", folder, "--fix", "--show-fixes", "--no-cache", "--exit-zero", *extra]
    if unsafe:
        args.append("--unsafe-fixes")
    done = lossguard(args)
    applied: collections.Counter[tuple[str, str]] = collections.Counter()
    path = None
    for line in (done.stdout + "\n" + done.stderr).splitlines():
        file_match = FILE_LINE.match(line)
        if file_match:
            path = file_match["path"]
            continue
        count_match = COUNT_LINE.match(line)
        if count_match and path:
            applied[(os.path.relpath(path, folder), count_match["code"])] += int(count_match["n"])
    return applied


def code_cells(text: str) -> list[str] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    cells = data.get("cells") or [c for ws in data.get("worksheets", []) for c in ws.get("cells", [])]
    out = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            out.append("".join(source) if isinstance(source, list) else str(source))
    return out


def parses_as_python(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def cell_python(cell: str) -> str:
    """A cell with its IPython lines (magics, shell escapes) blanked, for a parse check."""
    return "\n".join("" if line.lstrip().startswith(("%", "!", "?")) else line for line in cell.split("\n"))


def still_parses(path: str, before: str, after: str) -> bool:
    if not path.endswith(".ipynb"):
        return parses_as_python(after) or not parses_as_python(before)
    old, new = code_cells(before), code_cells(after)
    if new is None:
        return False
    if old is None or len(old) != len(new):
        return old is None
    return all(
        parses_as_python(cell_python(b)) or not parses_as_python(cell_python(a))
        for a, b in zip(old, new, strict=True)
    )


def python_text(path: str, text: str) -> str | None:
    if not path.endswith(".ipynb"):
        return text
    cells = code_cells(text)
    return None if cells is None else "\n".join(cell_python(c) for c in cells)


def bound_and_used(text: str) -> tuple[set[str], set[str]]:
    """Names a program binds anywhere (imports, assignments, defs, arguments) and names it reads."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return set(), set()
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, used


def undefined_names(path: str, before: str, after: str) -> list[str]:
    """Names the edit started reading that nothing in the file binds (``keras.`` without import)."""
    old, new = python_text(path, before), python_text(path, after)
    if old is None or new is None:
        return []
    bound, used = bound_and_used(new)
    _old_bound, old_used = bound_and_used(old)
    return sorted(used - old_used - bound - set(dir(builtins)))


def readable(path: str, text: str) -> list[str]:
    if path.endswith(".ipynb"):
        cells = code_cells(text)
        if cells is not None:
            lines: list[str] = []
            for number, cell in enumerate(cells, start=1):
                lines.append(f"# --- code cell {number} ---\n")
                lines.extend(line + "\n" for line in cell.split("\n"))
            return lines
    return text.splitlines(keepends=True)


def where(f: dict) -> str:
    if f.get("cell") is not None:
        return f"cell {f['cell']}:line {f['cell_line']}"
    return f"line {f.get('line')}"


def run_mode(folder: str, mode: str, before: list[dict], extra: list[str], show_diff: bool) -> list[dict]:
    """Fix a fresh copy of ``folder`` in one mode; one record per (file, rule, applicability)."""
    unsafe = mode == "unsafe"
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="lossguard-fixbench-") as tmp:
        copy = os.path.join(tmp, os.path.basename(folder.rstrip(os.sep)))
        shutil.copytree(folder, copy, ignore=IGNORED, symlinks=True)
        applied = apply_fixes(copy, unsafe, extra)
        after = findings_of(copy, extra)
        by_file_before: dict[str, list[dict]] = collections.defaultdict(list)
        for f in before:
            by_file_before[os.path.relpath(f["path"], folder)].append(f)
        codes_after: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for f in after:
            codes_after[os.path.relpath(f["path"], copy)][f["code"]] += 1
        changed = []
        for root, _dirs, files in os.walk(copy):
            for name in files:
                if not name.endswith((".py", ".ipynb")):
                    continue
                rel = os.path.relpath(os.path.join(root, name), copy)
                old = Path(folder, rel).read_text(encoding="utf-8", errors="replace")
                new = Path(copy, rel).read_text(encoding="utf-8", errors="replace")
                if old != new:
                    changed.append((rel, old, new))
        for rel, old, new in sorted(changed):
            olds = by_file_before.get(rel, [])
            codes_before = collections.Counter(f["code"] for f in olds)
            new_codes = codes_after[rel] - codes_before
            ok = still_parses(rel, old, new)
            undefined = undefined_names(rel, old, new)
            edits = []
            for code in sorted({c for (p, c) in applied if p == rel}):
                n = applied[(rel, code)]
                fixable = [
                    f
                    for f in olds
                    if f["code"] == code
                    and f.get("fix")
                    and (f["fix"].get("applicability") == "safe" or unsafe)
                    and f["fix"].get("edits")
                ]
                fixable.sort(key=lambda f: f["fix"].get("applicability") != "safe")
                gone = max(codes_before[code] - codes_after[rel][code], 0)
                for i, f in enumerate(fixable[:n] or [{"code": code, "fix": {"applicability": "?"}}] * n):
                    edits.append(f)
                    records.append(
                        {
                            "folder": os.path.basename(folder.rstrip(os.sep)),
                            "path": rel,
                            "mode": mode,
                            "code": code,
                            "applicability": f["fix"].get("applicability", "?"),
                            "where": where(f) if "line" in f else "?",
                            "message": f["fix"].get("message", ""),
                            "parses": ok,
                            "undefined_names": undefined,
                            "fixed": i < gone,
                            "new_findings": sum(new_codes.values()),
                            "new_codes": sorted(new_codes.elements()),
                        }
                    )
            if show_diff:
                print(f"\n=== [{mode}] {os.path.basename(folder.rstrip(os.sep))}/{rel}")
                print(
                    f"    parses: {'yes' if ok else 'NO'}; new findings: {dict(new_codes) or 'none'}"
                    + (f"; UNDEFINED NAMES: {', '.join(undefined)}" if undefined else "")
                )
                for f in edits:
                    print(
                        f"    edit {f['code']} ({f['fix'].get('applicability')}) "
                        f"at {where(f) if 'line' in f else '?'}: "
                        f"{f['fix'].get('message', '')[:160]}"
                    )
                if not edits:
                    print("    (changed, but --show-fixes listed no edit for this file)")
                sys.stdout.writelines(
                    difflib.unified_diff(readable(rel, old), readable(rel, new), f"a/{rel}", f"b/{rel}", n=2)
                )
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--keras-version", help="passed to lossguard check")
    parser.add_argument("--mode", choices=["safe", "unsafe", "both"], default="both")
    parser.add_argument("--json", help="write one record per edit here")
    parser.add_argument("--no-diff", action="store_true", help="only the table")
    args = parser.parse_args(argv)
    extra = ["--keras-version", args.keras_version] if args.keras_version else []
    modes = ["safe", "unsafe"] if args.mode == "both" else [args.mode]

    records: list[dict] = []
    for folder in args.folders:
        folder = os.path.abspath(folder)
        before = findings_of(folder, extra)
        if not any(f.get("fix") for f in before):
            continue
        for mode in modes:
            records += run_mode(folder, mode, before, extra, not args.no_diff)

    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    table: dict[tuple[str, str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in records:
        row = table[(r["mode"], r["code"], r["applicability"])]
        row["edits"] += 1
        row["parses"] += r["parses"] and not r["undefined_names"]
        row["fixed"] += r["fixed"]
        row["with new findings"] += r["new_findings"] > 0
    print(
        f"\n{'mode':7} {'rule':6} {'applicability':13} {'edits':>6} {'parses':>7} {'fixed':>6} "
        f"{'new findings':>13}"
    )
    for (mode, code, applicability), row in sorted(table.items()):
        print(
            f"{mode:7} {code:6} {applicability:13} {row['edits']:>6} {row['parses']:>7} {row['fixed']:>6} "
            f"{row['with new findings']:>13}"
        )
    print("(parses: the file still parses and the edit reads no name the file does not bind;")
    print(" new findings: edits in a file where a code appeared that was not there before the fix)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
