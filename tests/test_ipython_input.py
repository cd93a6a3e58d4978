"""The notebook transformer against IPython itself: the same Python for every cell.

Generated cells leave out pasted ``>>>``/``In [1]:`` prompts: IPython 9.18 strips those with
heuristics of its own (prompts inside triple-quoted strings); lossguard keeps IPython 8's rule
for them, and the two plain prompt cases below agree.

``lossguard.reading.ipython_input`` re-implements IPython's ``TransformerManager`` so that lossguard
never imports IPython; here both transform the same cells and their ASTs must be equal (or both
must fail to parse). Ours must also keep one line per cell line. Where IPython 9 fails on a
cell whose first line alone is indented, ours follows IPython 8, which ran it (saved notebooks).
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell

from lossguard.reading.ipython_input import AUTOMAGICS, transform_lines

SHELL = InteractiveShell.instance()  # transform_cell: the static transforms, then automagic


def _dump(code: str) -> str | None:
    try:
        return ast.dump(ast.parse(code))
    except SyntaxError:
        return None


def assert_same_as_ipython(cell: str) -> None:
    theirs = _transformed(cell)
    if theirs is None or _dump(theirs) is None:  # IPython 9 fails: compare with IPython 8's indent rule
        theirs = _transformed(_ipython8_indent(cell))
    try:
        lines, magic = transform_lines(cell)
    except Exception:
        assert theirs is None or _dump(theirs) is None, cell
        return
    assert len(lines) == len(cell.split("\n")), "one output line per cell line"
    if magic is not None:
        assert theirs is not None
        call = ast.parse(theirs).body[0].value  # get_ipython().run_cell_magic(name, args, body)
        assert isinstance(call, ast.Call) and call.func.attr == "run_cell_magic"
        assert [a.value for a in call.args] == [magic.name, magic.args, magic.body]
        return
    code = "\n".join(lines)
    ours = _dump(code if code.endswith("\n") else code + "\n")
    assert ours == (_dump(theirs) if theirs is not None else None), (cell, "\n".join(lines), theirs)


def _transformed(cell: str) -> str | None:
    try:
        return SHELL.transform_cell(cell)
    except Exception:  # IPython refuses the cell (RuntimeError, …): so may we, or we fail to parse
        return None


def _ipython8_indent(cell: str) -> str:
    """IPython ≤ 8's ``leading_indent``: the first line's indent removed from every line that
    starts with it (IPython 9 removes only the indent common to all lines)."""
    lines = cell.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return cell
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip(" \t"))]
    return "".join(lines[:first] + [x[len(indent) :] if x.startswith(indent) else x for x in lines[first:]])


CELLS = [
    # The causes of false LG900 seen on public notebooks:
    "!pip install tensorflow \\\n    keras \\\n    numpy\nimport keras\n",
    "ds = load(\n    label_mode='categorical',  # what type?\n    seed=1)\n",
    "x = 1  # what is this?\ny = 2\n",
    "    import keras\n    model = keras.Sequential()\n    model.compile(loss='mse')\n",
    # Saved by IPython ≤ 8, which removed the first line's indent: IPython 9 refuses it.
    "    model.add(Flatten())\n    \nmodel.summary()\n",
    "\n  x = 1\n  if x:\n      y = 2\nz = 3\n",
    "value = (a\n    % b)\n",
    "total = (a +\n%b)\n",
    # Every IPython form:
    "%matplotlib inline\nimport numpy as np\n",
    "%%time\nmodel.fit(x, y)\n",
    "%%time\n!ls\nmodel.fit(x, y)\n",
    "%%bash\nls -la\necho done\n",
    "%%writefile train.py\nimport keras\n",
    "files = !ls *.csv\nprint(files)\n",
    "out = %timeit -o sum(range(10))\n",
    "!!ls\n",
    "np.mean?\n",
    "np.mean??\n",
    "?np.mean\n",
    "%timeit?\n",
    "np.*load*?\n",
    "?\n",
    "%%timeit?\n",
    ",f a b c\n",
    ";f a b c\n",
    "/f a b\n",
    "if True:\n    !echo inside\n    x = 1\n",
    "for i in range(3):\n    %time f(i)\n",
    ">>> x = 1\n>>> print(x)\n",
    "In [1]: x = 1\n   ...: y = 2\n",
    "\n\n   x = 1\n   y = 2\n",
    "x = '!not a command'\ny = \"%not a magic\"\n",
    "s = '''\n!not shell\n%not magic\n'''\n",
    "a = b = %foo\n",
    "x = !echo a \\\nb\n",
    "%env CUDA_VISIBLE_DEVICES=0\n%load_ext autoreload\n%autoreload 2\n",
    "print('a')\n%config InlineBackend.figure_format = 'retina'\n",
    "x = [1,\n     2]?\n",
    "def f():\n    return 1\nf?\n",
    "broken(\n",
    "TODO: fill in the model here\n",
    "x == y?\n",
    "await asyncio.sleep(0)\n",
    "d = {'a': 1}\nd['a']?\n",
    "x = 1; !echo\n",
    "\tx = 1\n\ty = 2\n",
    "",
    "\n\n",
    "# only a comment?\n",
    # Automagic: a one-line cell naming a line magic runs it (public notebooks: `pip install x`).
    "pip install networkx",
    "pip install -U tensorflow-addons\n",
    "\n\npip install x",
    "  cd ..",
    "matplotlib inline",
    "ls -la",
    "pwd",
    "load_ext autoreload",
    "time sleep(1)",
    "pip install x  # a comment",
    "pip = 3",
    "ls, x = 1, 2",
    "pip.install(x)",
    "pip install x\n\n",  # two lines for IPython: no automagic, a syntax error there too
    "pip install x\nimport os\n",
    "print(1)",
]


@pytest.mark.parametrize("cell", CELLS)
def test_cell_is_transformed_as_ipython_does(cell: str) -> None:
    assert_same_as_ipython(cell)


PYTHON_LINES = [
    "import keras",
    "model.compile(loss='mse')",
    "x = (1 +",
    "     2)",
    "if x:",
    "    y = 1",
    "else:",
    "    y = 2",
    "print('?')  # why?",
    "def f(a):",
    "    return a % 2",
    "s = '%s' % x",
    "z = [i for i in range(3)]",
    "",
    "# a comment",
    "result = a\\",
    "    + b",
]
IPYTHON_LINES = [
    "!ls -la",
    "!pip install keras \\",
    "    numpy",
    "%matplotlib inline",
    "%time x = 1",
    "files = !ls",
    "out = %timeit -o f()",
    "np.mean?",
    "obj.attr??",
    "%%time",
    "    indented = True",
    "?",
    "%%bash",
]


@pytest.mark.slow  # a thousand generated cells, each through IPython too
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PYTHON_LINES + IPYTHON_LINES), min_size=1, max_size=8),
    st.sampled_from(["", "  ", "\t"]),
)
def test_generated_cells_are_transformed_as_ipython_does(lines: list[str], indent: str) -> None:
    assert_same_as_ipython(indent + "\n".join(lines) + "\n")


def test_a_name_bound_before_shadows_its_magic() -> None:
    """IPython runs a magic only when no variable of that name exists: here, names bound by the
    notebook's earlier cells."""
    SHELL.user_ns["run"] = lambda *args: None
    try:
        theirs = SHELL.transform_cell("run train.py")
    finally:
        del SHELL.user_ns["run"]
    lines, _ = transform_lines("run train.py", {"run"})
    assert lines == ["run train.py"] and theirs == "run train.py\n"
    assert transform_lines("run train.py")[0][0] == "get_ipython().run_line_magic('run', 'train.py')"


def test_the_automagic_names_are_ipythons() -> None:
    line_magics = set(SHELL.magics_manager.magics["line"])
    assert line_magics >= AUTOMAGICS
    assert {"pip", "cd", "ls", "matplotlib", "load_ext", "time", "run"} <= AUTOMAGICS
