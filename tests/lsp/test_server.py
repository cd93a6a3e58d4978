"""``lossguard server`` end to end: a real LSP client (pytest-lsp) talks JSON-RPC to the server
in a subprocess — open, edit, save, diagnostics appear and disappear, a quick fix applies, the
hover explains, and a notebook is checked through LSP 3.17 notebook-document sync."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from tests.conftest import ROOT  # noqa: E402

# Each test starts a server subprocess (1–2 s): the full suite runs them; the fast part keeps what
# the server computes, in process (tests/lsp/test_editor_checks.py, tests/api).
pytestmark = pytest.mark.slow

MODE_MIN = (ROOT / "tests" / "data" / "fixes" / "lg023_mode_min_accuracy.py").read_text()
BAD_LINE = 8  # 0-based: stop = keras.callbacks.EarlyStopping(monitor='val_accuracy', mode='min', …)
CLEAN = MODE_MIN.replace("mode='min'", "mode='max'")
SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "lossguard", "server"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT)},
)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[LanguageClient]:
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=tmp_path.as_uri()
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def until(client: LanguageClient, ready: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for diagnostics until ``ready()`` holds."""

    async def loop() -> None:
        while not ready():
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(loop(), timeout)


def codes(client: LanguageClient, uri: str) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(uri, [])]


def open_file(client: LanguageClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        head = "\n".join([*lines[: start.line], lines[start.line][: start.character]])
        tail = "\n".join([lines[end.line][end.character :], *lines[end.line + 1 :]])
        lines = (head + edit.new_text + tail).split("\n")
    return "\n".join(lines)


@pytest.mark.asyncio
async def test_open_shows_the_finding_where_it_is(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "train.py", MODE_MIN)
    await until(client, lambda: codes(client, uri) == ["LG023"])
    (diagnostic,) = client.diagnostics[uri]
    line = MODE_MIN.split("\n")[BAD_LINE]
    call = "keras.callbacks.EarlyStopping("
    assert diagnostic.range.start == types.Position(line=BAD_LINE, character=line.index(call))
    assert diagnostic.range.end == types.Position(line=BAD_LINE, character=len(line))
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.source == "lossguard"
    assert "Fix: mode='max'" in diagnostic.message


@pytest.mark.asyncio
async def test_the_quick_fix_applies_and_the_diagnostic_goes(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "train.py", MODE_MIN)
    await until(client, lambda: codes(client, uri) == ["LG023"])
    (diagnostic,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    (action,) = actions
    assert isinstance(action, types.CodeAction)
    assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred  # LG023's fix is safe
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply(MODE_MIN, list(action.edit.changes[uri]))
    assert fixed == CLEAN
    replace_all(client, uri, 2, fixed)
    await until(client, lambda: codes(client, uri) == [])


@pytest.mark.asyncio
async def test_edits_make_diagnostics_appear_and_disappear(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "train.py", CLEAN)
    await until(client, lambda: uri in client.diagnostics)
    assert codes(client, uri) == []
    replace_all(client, uri, 2, CLEAN + "# typing…\n")  # overtaken at once by the next edit
    replace_all(client, uri, 3, MODE_MIN)
    await until(client, lambda: codes(client, uri) == ["LG023"])
    replace_all(client, uri, 4, CLEAN)
    await until(client, lambda: codes(client, uri) == [])
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))


@pytest.mark.asyncio
async def test_hover_on_a_diagnostic_explains_the_rule(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "train.py", MODE_MIN)
    await until(client, lambda: codes(client, uri) == ["LG023"])
    position = client.diagnostics[uri][0].range.start
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("# LG023 monitor-mode-mismatch")
    assert "## Use instead" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)
        )
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_the_projects_configuration_applies(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nignore = ["LG023"]\n')
    uri = open_file(client, tmp_path / "train.py", MODE_MIN)
    await until(client, lambda: uri in client.diagnostics)
    assert codes(client, uri) == []


@pytest.mark.asyncio
async def test_a_notebook_is_checked_cell_by_cell(client: LanguageClient, tmp_path: Path) -> None:
    setup, callback = MODE_MIN.split("stop = ")
    cells = [setup, "# a comment cell\nstop = " + callback]
    notebook = (tmp_path / "train.ipynb").as_uri()
    uris = [f"vscode-notebook-cell:{tmp_path / 'train.ipynb'}#C{n}" for n in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=u) for u in uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=u, language_id="python", version=1, text=t)
                for u, t in zip(uris, cells, strict=True)
            ],
        )
    )
    await until(client, lambda: codes(client, uris[1]) == ["LG023"])
    assert codes(client, uris[0]) == []
    (diagnostic,) = client.diagnostics[uris[1]]
    assert diagnostic.range.start.line == 1  # the cell's own second line, not the notebook's
    assert diagnostic.range.start.character == cells[1].split("\n")[1].index("keras.callbacks")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uris[1]),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.edit is not None and action.edit.changes
    assert list(action.edit.changes) == [uris[1]]
    fixed = apply(cells[1], list(action.edit.changes[uris[1]]))
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=uris[1], version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
                        )
                    ]
                )
            ),
        )
    )
    await until(client, lambda: codes(client, uris[1]) == [])


@pytest.mark.asyncio
async def test_other_languages_are_left_alone(client: LanguageClient, tmp_path: Path) -> None:
    notes = (tmp_path / "NOTES.md").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=notes, language_id="markdown", version=1, text=MODE_MIN)
        )
    )
    uri = open_file(client, tmp_path / "train.py", MODE_MIN)  # checked after NOTES.md would have been
    await until(client, lambda: codes(client, uri) == ["LG023"])
    assert notes not in client.diagnostics
