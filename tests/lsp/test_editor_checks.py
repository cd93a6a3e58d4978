"""The server's checker without a client: file names from URIs, notebooks, the cache."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lossguard.face.editor_checks import EditorChecks, notebook_json, path_of
from tests.conftest import ROOT

MODE_MIN = (ROOT / "tests" / "data" / "fixes" / "lg023_mode_min_accuracy.py").read_text()


def test_uris_become_file_names(tmp_path: Path) -> None:
    assert path_of((tmp_path / "a b.py").as_uri()) == str(tmp_path / "a b.py")
    assert path_of((tmp_path / "nb.ipynb").as_uri(), ".ipynb") == str(tmp_path / "nb.ipynb")
    assert path_of("untitled:Untitled-1").endswith("Untitled-1.py")


def test_notebook_json_is_read_like_a_notebook_on_disk() -> None:
    data = json.loads(notebook_json(["x = 1\n", "%matplotlib inline"]))
    assert [c["source"] for c in data["cells"]] == ["x = 1\n", "%matplotlib inline"]


def test_a_text_checked_once_is_answered_from_the_cache(tmp_path: Path) -> None:
    checks = EditorChecks()
    path = str(tmp_path / "train.py")
    first = checks.check(path, MODE_MIN)
    assert [f.code for f in first.findings] == ["LG023"]
    assert checks.check(path, MODE_MIN) is first and checks.runs == 1
    checks.check(path, MODE_MIN + "\n")
    assert checks.runs == 2


def test_an_edited_configuration_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    checks = EditorChecks()
    path = str(tmp_path / "train.py")
    assert len(checks.check(path, MODE_MIN).findings) == 1
    time.sleep(0.01)
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nignore = ["LG023"]\n')
    assert checks.check(path, MODE_MIN).findings == ()
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nignore = ["LG99"]\n')
    outcome = checks.check(path, MODE_MIN)
    assert outcome.error is not None and "LG99" in outcome.error


def test_an_edited_requirements_pin_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    """The installed Keras 3 resolves a bare 'accuracy' from shapes; a Keras 2.2 pinned in a
    requirements.txt written next, from the loss (LG020)."""
    checks = EditorChecks()
    path = str(tmp_path / "train.py")
    text = (
        "from tensorflow import keras\n"
        'model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\n'
    )
    assert "LG020" not in [f.code for f in checks.check(path, text).findings]
    time.sleep(0.01)
    (tmp_path / "requirements.txt").write_text("keras==2.2.4\n")
    assert "LG020" in [f.code for f in checks.check(path, text).findings]


def test_edits_in_quick_succession_are_checked_once() -> None:
    """Debounce and overtaking: three edits inside the pause → one check, one publication,
    of the last text; a check overtaken while it runs is never published."""
    import asyncio

    import pytest

    pytest.importorskip("pygls")
    from lossguard.face.editor_checks import Outcome
    from lossguard.face.server import LossguardServer

    server = LossguardServer()
    texts = iter(["a = 1\n", "a = 2\n", "a = 3\n"])
    current = {"text": ""}
    published: list[str] = []
    server._snapshot = lambda uri: ("/tmp/x.py", current["text"], None)  # type: ignore[method-assign]
    server._publish = lambda uri, outcome, cells: published.append(current["text"])  # type: ignore[method-assign]

    async def session() -> None:
        for _ in range(3):
            current["text"] = next(texts)
            server.schedule("file:///tmp/x.py", 0.2)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.6)
        # overtaken while running: the slow check's result is dropped
        slow_started = asyncio.Event()

        def slow(path: str, text: str) -> Outcome:
            asyncio.run_coroutine_threadsafe(_set(slow_started), loop)
            import time

            time.sleep(0.3)
            return Outcome(())

        async def _set(event: asyncio.Event) -> None:
            event.set()

        loop = asyncio.get_running_loop()
        server.checks.check = slow  # type: ignore[method-assign]
        current["text"] = "b = 1\n"
        server.schedule("file:///tmp/x.py", 0)
        await slow_started.wait()
        server.forget("file:///tmp/x.py")  # closed while its check runs
        await asyncio.sleep(0.5)

    server._send = lambda target, diagnostics: None  # type: ignore[method-assign]
    asyncio.run(session())
    assert server.checks.runs == 1
    assert published == ["a = 3\n"]
