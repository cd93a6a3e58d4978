"""``lossguard server``: the language server (pygls), for any editor with an LSP client.

Diagnostics on open, change (debounced) and save, for Python files and, through LSP 3.17
notebook-document sync, for notebooks (each finding published on its cell's URI at the cell's
own line); the fixes as code actions (safe ones preferred quick fixes); the rule's
``lossguard explain`` text as hover on a diagnostic. Checks run in a worker thread so the server
keeps answering; a check overtaken by a newer edit is dropped, never published.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from lossguard import __version__
from lossguard.api import Finding
from lossguard.face.editor_checks import EditorChecks, Outcome, notebook_json, path_of
from lossguard.face.explaining import explain_text

DEBOUNCE_S = 0.3  # a pause in typing this long starts a check
SOURCE = "lossguard"


@dataclass
class Published:
    """What was last said about one checked document: the findings per target URI (the file,
    or each cell of a notebook), to answer code actions and hovers without checking again."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)  # a notebook's code cell URIs, in order


class LossguardServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "lossguard",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.checks = EditorChecks()
        self.published: dict[str, Published] = {}  # document or notebook URI → last findings
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.generation: dict[str, int] = {}

    # ----- scheduling ---------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Check ``uri`` after ``delay`` seconds; a newer request replaces this one."""
        self.generation[uri] = self.generation.get(uri, 0) + 1
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        generation = self.generation[uri]
        if delay:
            await asyncio.sleep(delay)
        snapshot = self._snapshot(uri)
        if snapshot is None:
            return
        path, text, cells = snapshot
        outcome = await asyncio.to_thread(self.checks.check, path, text)
        if self.generation.get(uri) != generation:
            return  # overtaken by an edit or a close: its own check will publish
        self._publish(uri, outcome, cells)

    def _snapshot(self, uri: str) -> tuple[str, str, list[str] | None] | None:
        """(file name, text to check, the code cells' URIs for a notebook) as the document is now."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            cells = [c.document for c in notebook.cells if c.kind == types.NotebookCellKind.Code]
            texts = [self.workspace.get_text_document(c).source for c in cells]
            return path_of(uri, ".ipynb"), notebook_json(texts), cells
        if uri not in self.workspace.text_documents:
            return None
        return path_of(uri), self.workspace.get_text_document(uri).source, None

    def forget(self, uri: str) -> None:
        self.generation[uri] = self.generation.get(uri, 0) + 1
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        published = self.published.pop(uri, None)
        for target in published.findings if published is not None else [uri]:
            self._send(target, [])

    # ----- diagnostics --------------------------------------------------------------------

    def _publish(self, uri: str, outcome: Outcome, cells: list[str] | None) -> None:
        previous = self.published.get(uri, Published())
        current = Published({target: [] for target in (cells or [uri])}, cells or [])
        for found in outcome.findings:
            target = uri
            if cells is not None:
                if found.cell is None or not 1 <= found.cell <= len(cells):
                    continue
                target = cells[found.cell - 1]
            current.findings.setdefault(target, []).append(found)
        self.published[uri] = current
        for target in previous.findings:
            current.findings.setdefault(target, [])  # a cell that had findings is cleared
        for target, listed in current.findings.items():
            diagnostics = [self.diagnostic(target, f) for f in listed]
            if outcome.error is not None and target == (cells[0] if cells else uri):
                diagnostics.insert(0, _config_problem(outcome.error))
            self._send(target, diagnostics)

    def _send(self, target: str, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=target, diagnostics=diagnostics)
        )

    def range_of(self, target: str, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        """1-based lines and code-point columns of a document → the client's units (UTF-16
        unless the client chose another position encoding)."""
        lines = self._lines(target)
        codec = self.workspace.position_codec
        start = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
        end = types.Position(line=max(end_line - 1, 0), character=max(end_column - 1, 0))
        if lines:
            start = codec.position_to_client_units(lines, start)
            end = codec.position_to_client_units(lines, end)
        return types.Range(start=start, end=end)

    def _lines(self, target: str) -> list[str]:
        if target in self.workspace.text_documents:
            return list(self.workspace.get_text_document(target).lines)
        return []

    def finding_range(self, target: str, found: Finding) -> types.Range:
        line, end_line = _rows(found)
        return self.range_of(target, line, found.column, end_line, found.end_column)

    def diagnostic(self, target: str, found: Finding) -> types.Diagnostic:
        message = found.message
        if found.fix is not None:
            message += f"\nFix: {found.fix.message}"
        return types.Diagnostic(
            range=self.finding_range(target, found),
            message=message,
            severity=types.DiagnosticSeverity.Error
            if found.severity == "error"
            else types.DiagnosticSeverity.Warning,
            code=found.code,
            source=SOURCE,
            data={"name": found.name},
        )

    # ----- code actions and hover ---------------------------------------------------------

    def findings_at(self, target: str, wanted: types.Range) -> list[Finding]:
        out = []
        for owner in self.published.values():
            for found in owner.findings.get(target, []):
                if _overlaps(self.finding_range(target, found), wanted):
                    out.append(found)
        return out

    def code_actions(self, target: str, wanted: types.Range) -> list[types.CodeAction]:
        actions = []
        for found in self.findings_at(target, wanted):
            fix = found.fix
            if fix is None or not fix.edits or fix.applicability == "display-only":
                continue
            owner = next((p for p in self.published.values() if target in p.findings), None)
            changes: dict[str, list[types.TextEdit]] = {}
            for edit in fix.edits:
                where = target
                if edit.cell is not None and owner is not None and owner.cells:
                    if not 1 <= edit.cell <= len(owner.cells):
                        break
                    where = owner.cells[edit.cell - 1]
                changes.setdefault(where, []).append(
                    types.TextEdit(
                        range=self.range_of(where, edit.line, edit.column, edit.end_line, edit.end_column),
                        new_text=edit.content,
                    )
                )
            else:
                safe = fix.applicability == "safe"
                actions.append(
                    types.CodeAction(
                        title=f"{found.code}: {fix.message}" + ("" if safe else " (unsafe fix)"),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[self.diagnostic(target, found)],
                        is_preferred=safe,
                        edit=types.WorkspaceEdit(changes=changes),
                    )
                )
        return actions

    def hover(self, target: str, position: types.Position) -> types.Hover | None:
        at = types.Range(start=position, end=position)
        found = self.findings_at(target, at)
        if not found:
            return None
        texts = [explain_text(f.code) or f"{f.code} {f.name}" for f in found]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)),
            range=self.finding_range(target, found[0]),
        )


def _rows(found: Finding) -> tuple[int, int]:
    """The finding's first and last row in its file, or in its cell for a notebook."""
    if found.cell is not None and found.cell_line is not None:
        return found.cell_line, found.cell_line + found.end_line - found.line
    return found.line, found.end_line


def _python(uri: str, language: str) -> bool:
    return language == "python" or uri.endswith((".py", ".pyi"))


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _config_problem(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        message=f"lossguard: configuration problem, nothing was checked: {message}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def make_server() -> LossguardServer:
    server = LossguardServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LossguardServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if not _python(document.uri, document.language_id):
            return  # a client that sends every file (a TOML, a Markdown) gets no checks for them
        if ls.workspace.get_notebook_document(cell_uri=document.uri) is None:
            ls.schedule(document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LossguardServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.generation:
            ls.schedule(params.text_document.uri, DEBOUNCE_S)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LossguardServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri in ls.generation:
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LossguardServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: LossguardServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: LossguardServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, DEBOUNCE_S)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: LossguardServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: LossguardServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: LossguardServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params.text_document.uri, params.range)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LossguardServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params.text_document.uri, params.position)

    return server


def serve() -> None:
    """Run over stdin/stdout until the client says exit."""
    make_server().start_io()
