"""Imports as the evaluator runs them: library names become qualified references, project
modules (``static/modules.py``) run lazily, on the first use of a name taken from them, with
only the definitions those names reach."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from lossguard.static.frames import Frame, dotted_name
from lossguard.static.modules import MAX_IMPORT_DEPTH, Loader, Origin
from lossguard.static.parsing import parse_dependency
from lossguard.static.prune import attributes_taken
from lossguard.static.values import UNKNOWN, ApiRef, Const, LazyImport, ModuleVal, Value


class ImportRunner:
    """The import half of the evaluator (a mixin: the evaluator provides these attributes)."""

    loader: Loader | None
    method_anchor: str | None
    origins: list[Origin]
    frame: Frame
    statement: cst.CSTNode | None
    loaded: dict[str, tuple[dict[str, Value] | None, frozenset[str] | None]]
    star_modules: list[str]
    loading: list[str]
    bind: Callable[..., None]
    exec_stmt: Callable[..., None]

    def exec_import(self, small: cst.Import) -> None:
        """``import m`` / ``import m as n``: a project module runs lazily, a library is a name."""
        for alias in small.names:
            dotted = dotted_name(alias.name)
            top = dotted.split(".")[0]
            found = self.locate(dotted, 0) if alias.asname is not None or dotted == top else None
            fallback = ApiRef(dotted) if alias.asname is not None else ApiRef(top)
            if found is not None:
                bound = alias.asname.name if alias.asname is not None else cst.Name(top)
                text = self.origins[self.frame.origin].parsed.text
                taken = attributes_taken(text, bound.value) if isinstance(bound, cst.Name) else None
                value = self.lazy_module(found, dotted, fallback, taken)
            else:
                value = fallback
            if alias.asname is not None:
                self.bind(alias.asname.name, value)
            else:
                self.frame.env[top] = value

    def exec_import_from(self, small: cst.ImportFrom) -> None:
        level = len(small.relative)
        module = dotted_name(small.module) if small.module is not None else ""
        found = self.locate(module, level) if module or level else None
        if isinstance(small.names, cst.ImportStar):
            namespace = self.load(found, module) if found is not None else None
            if namespace is not None:
                self.frame.env.update({k: v for k, v in namespace.items() if not k.startswith("_")})
            elif module and not level:
                self.star_modules.append(module)
            return
        wanted = frozenset(dotted_name(alias.name) for alias in small.names)
        for alias in small.names:
            name = dotted_name(alias.name)
            target = alias.asname.name if alias.asname is not None else None
            value: Value = ApiRef(f"{module}.{name}") if module and not level else UNKNOWN
            submodule = (
                self.locate(f"{module}.{name}" if module else name, level) if module or level else None
            )
            if found is not None or submodule is not None:
                value = self.lazy_name(found, module, name, submodule, value, wanted)
            if target is not None:
                self.bind(target, value)
            else:
                self.frame.env[name.split(".")[0]] = value

    def locate(self, module: str, level: int) -> tuple[str, str] | None:
        """The project file an import names, seen from the module now running (cheap: no parse)."""
        if self.loader is None:
            return None
        return self.loader(self.origins[self.frame.origin].path, module, level)

    def lazy_module(
        self, found: tuple[str, str], module: str, fallback: Value, wanted: frozenset[str] | None
    ) -> Value:
        """``import module``: its globals, run for the attributes the importer takes (``wanted``)."""

        def resolve() -> Value:
            namespace = self.load(found, module, wanted)
            return ModuleVal(namespace) if namespace is not None else fallback

        return LazyImport(resolve)

    def lazy_name(
        self,
        found: tuple[str, str] | None,
        module: str,
        name: str,
        submodule: tuple[str, str] | None,
        fallback: Value,
        wanted: frozenset[str],
    ) -> Value:
        """``from module import name``: the name in the module's globals, or the submodule.
        ``wanted``: every name the import statement takes from the module."""

        def resolve() -> Value:
            namespace = self.load(found, module, wanted) if found is not None else None
            value = namespace.get(name, UNKNOWN) if namespace is not None else UNKNOWN
            if value is UNKNOWN and submodule is not None:
                loaded = self.load(submodule, f"{module}.{name}")
                value = ModuleVal(loaded) if loaded is not None else UNKNOWN
            if isinstance(value, LazyImport):
                value = value.resolve()
            return value if value is not UNKNOWN or namespace is not None else fallback

        return LazyImport(resolve)

    def load(
        self, found: tuple[str, str], module: str, wanted: frozenset[str] | None = None
    ) -> dict[str, Value] | None:
        """The globals of a project module (None: a cycle, deeper than ``MAX_IMPORT_DEPTH``, or
        not parsable). Imported for ``wanted`` names only, it runs with the definitions those
        cannot reach left out; it runs again only for a name its first run left out."""
        path, text = found
        if len(self.loading) >= MAX_IMPORT_DEPTH or path in self.loading:
            return None  # too deep, or an import cycle
        if path in self.loaded:
            ran, covered = self.loaded[path]
            if ran is None or covered is None or (wanted is not None and wanted <= covered):
                return ran
            wanted = wanted | covered if wanted is not None else None
        self.loaded[path] = (None, None)
        parsed = parse_dependency(path, text, self.method_anchor, wanted)
        if parsed is None:
            return None
        namespace: dict[str, Value] = {"__name__": Const(module or path)}
        self.origins.append(Origin(parsed, namespace))
        saved, saved_statement = self.frame, self.statement
        self.frame = Frame(namespace, 0, len(self.origins) - 1)
        self.loading.append(path)
        try:
            for index, stmt in enumerate(parsed.module.body):
                self.frame.stmt = index
                self.statement = None
                self.exec_stmt(stmt)
        finally:
            self.loading.pop()
            self.frame, self.statement = saved, saved_statement
        self.loaded[path] = (namespace, wanted)
        return namespace
