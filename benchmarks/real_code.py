"""What lossguard says about real code: findings per rule, and what changed since the last run.

Why: precision and recall are judged on public code nobody here wrote. This runs the checker, as
a user would, over folders of such code (one folder per repository), keeps the raw results, and
prints what a reviewer needs before reading the findings: how many of each code, how many files
were checked, skipped, not checked (LG903) or not parsed (LG900). With ``--baseline`` (the
``--out`` folder of an earlier run, or any folder of ``<name>.json`` files holding lossguard's
JSON array), it lists the findings that appeared and disappeared, keyed by the file's path inside
its folder, the code and the text of the line (so an edit above a finding does not count as a
change). The folders themselves are never written.

Usage:
    python benchmarks/real_code.py CORPUS/owner+repo ... [--out DIR] [--baseline DIR]
        [--keras-version 2.15] [--jobs N] [--no-summary]

``--out`` (default ``real_code_results``) gets ``<folder name>.json`` (lossguard's JSON array,
unchanged) and ``<folder name>.summary.json`` (files checked/skipped/not checked) per folder.
Only the standard library and lossguard's command line (``python -m lossguard``) are used.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

Key = tuple[str, str, str, str]  # folder name, path inside the folder, code, line text


def lossguard(args: list[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"},
    )


def check_json(folder: str, extra: list[str]) -> list[dict]:
    done = lossguard(["check", folder, "--format", "json", "--no-cache", "--exit-zero", *extra])
    try:
        return json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        sys.stderr.write(
            f"{folder}: lossguard did not print JSON (rc {done.returncode}):\n{done.stderr[-2000:]}\n"
        )
        return []


SUMMARY = re.compile(
    r"(?P<checked>\d+) files? checked"
    r"(?:, (?P<skipped>\d+) skipped by the prefilter[^,)]*)?"
    r"(?:, (?P<unreadable>\d+) not checked \(LG903\))?"
)


def check_summary(folder: str, extra: list[str]) -> dict[str, int]:
    """Files checked / skipped / not checked, read from the text report's summary line."""
    done = lossguard(["check", folder, "--no-cache", "--exit-zero", *extra])
    for line in reversed((done.stdout + done.stderr).splitlines()):
        match = SUMMARY.search(line)
        if match:
            return {k: int(v or 0) for k, v in match.groupdict().items()}
    return {"checked": -1, "skipped": -1, "unreadable": -1}


def relative(path: str, folder: str) -> str:
    try:
        return os.path.relpath(path, folder)
    except ValueError:
        return path


def inside_folder(path: str, folder: str, name: str) -> str:
    """A finding's path inside its repository folder, wherever that folder was when it ran."""
    if path.startswith(folder + os.sep):
        return relative(path, folder)
    marker = os.sep + name + os.sep
    if marker in path:
        return path.split(marker, 1)[1]
    return relative(path, folder)


_notebooks: dict[str, list[list[str]]] = {}


def line_text(path: str, finding: dict) -> str:
    """The stripped text of the line a finding points at ('' when it cannot be read)."""
    try:
        if path.endswith(".ipynb") and finding.get("cell") is not None:
            if path not in _notebooks:
                data = json.loads(Path(path).read_text(encoding="utf-8", errors="replace"))
                cells = data.get("cells") or [
                    c for ws in data.get("worksheets", []) for c in ws.get("cells", [])
                ]
                code = [c for c in cells if c.get("cell_type") == "code"]
                sources = [c.get("source", c.get("input", "")) for c in code]
                _notebooks[path] = [("".join(s) if isinstance(s, list) else s).split("\n") for s in sources]
            return _notebooks[path][finding["cell"] - 1][finding["cell_line"] - 1].strip()
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == finding.get("line"):
                    return text.strip()
    except (OSError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        pass
    return ""


def keys(name: str, folder: str, findings: list[dict]) -> collections.Counter[Key]:
    out: collections.Counter[Key] = collections.Counter()
    for f in findings:
        out[(name, relative(f["path"], folder), f["code"], line_text(f["path"], f))] += 1
    return out


def where(f: dict) -> str:
    if f.get("cell") is not None:
        return f"{f['path']}:cell {f['cell']}:line {f['cell_line']}"
    return f"{f['path']}:{f.get('line')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="one folder per repository")
    parser.add_argument("--out", default="real_code_results", help="where the per-folder results go")
    parser.add_argument("--baseline", help="the --out folder of an earlier run, to compare with")
    parser.add_argument("--keras-version", help="passed to lossguard check")
    parser.add_argument("--jobs", type=int, help="passed to lossguard check")
    parser.add_argument(
        "--no-summary", action="store_true", help="skip the text run that counts files checked"
    )
    args = parser.parse_args(argv)

    extra: list[str] = []
    if args.keras_version:
        extra += ["--keras-version", args.keras_version]
    if args.jobs:
        extra += ["--jobs", str(args.jobs)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    per_code: collections.Counter[str] = collections.Counter()
    totals: collections.Counter[str] = collections.Counter()
    now: collections.Counter[Key] = collections.Counter()
    before: collections.Counter[Key] = collections.Counter()
    by_key: dict[Key, dict] = {}
    print(f"{'folder':50} {'checked':>8} {'skipped':>8} {'LG903':>6} {'LG900':>6} {'findings':>9}")
    for folder in args.folders:
        folder = os.path.abspath(folder)
        name = os.path.basename(folder.rstrip(os.sep))
        findings = check_json(folder, extra)
        (out / f"{name}.json").write_text(json.dumps(findings, indent=2, ensure_ascii=False) + "\n")
        summary = {"checked": -1, "skipped": -1, "unreadable": -1}
        if not args.no_summary:
            summary = check_summary(folder, extra)
        (out / f"{name}.summary.json").write_text(json.dumps(summary) + "\n")
        codes = collections.Counter(f["code"] for f in findings)
        per_code.update(codes)
        for field in ("checked", "skipped", "unreadable"):
            totals[field] += max(summary[field], 0)
        totals["LG900"] += codes["LG900"]
        lg903 = summary["unreadable"] if summary["unreadable"] >= 0 else codes["LG903"]
        print(
            f"{name[:50]:50} {summary['checked']:>8} {summary['skipped']:>8} {lg903:>6} "
            f"{codes['LG900']:>6} {len(findings):>9}"
        )
        mine = keys(name, folder, findings)
        now.update(mine)
        for f in findings:
            by_key.setdefault((name, relative(f["path"], folder), f["code"], line_text(f["path"], f)), f)
        if args.baseline:
            old_file = Path(args.baseline) / f"{name}.json"
            if old_file.exists():
                old = json.loads(old_file.read_text() or "[]")
                for f in old:
                    inside = inside_folder(f["path"], folder, name)
                    k = (name, inside, f["code"], line_text(os.path.join(folder, inside), f))
                    before[k] += 1
                    by_key.setdefault(k, {**f, "path": os.path.join(folder, inside)})
            else:
                print(f"  (no baseline for {name})")

    print()
    print(
        f"files checked {totals['checked']}, skipped by the prefilter {totals['skipped']}, "
        f"not checked (LG903) {totals['unreadable']}, not parsed (LG900 findings) {totals['LG900']}"
    )
    print(f"\n{'code':8} {'findings':>9}")
    for code in sorted(per_code):
        print(f"{code:8} {per_code[code]:>9}")
    print(f"{'total':8} {sum(per_code.values()):>9}")

    if args.baseline:
        appeared = now - before
        gone = before - now
        print(
            f"\nagainst {args.baseline}: {sum(appeared.values())} appeared, {sum(gone.values())} disappeared"
        )
        for label, diff in (("+", appeared), ("-", gone)):
            for k in sorted(diff):
                f = by_key[k]
                print(f"{label} {k[2]} {where(f)}  {k[3][:100]}")
        table = collections.Counter()
        for k, n in appeared.items():
            table[(k[2], "+")] += n
        for k, n in gone.items():
            table[(k[2], "-")] += n
        if table:
            print(f"\n{'code':8} {'appeared':>9} {'gone':>6}")
            for code in sorted({c for c, _ in table}):
                print(f"{code:8} {table[(code, '+')]:>9} {table[(code, '-')]:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
