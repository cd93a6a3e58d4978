"""The probe's guards against the outside world: no network, no downloads, no pretrained fetches.

Python-level guards in the child process: best-effort against a determined script, complete for
what Keras and ordinary training scripts do (the README states the level of containment).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import Any

from lossguard.probe.context import RUN


class NetworkBlocked(OSError):
    pass


def _blocked(*_args: Any, **_kwargs: Any) -> Any:
    raise NetworkBlocked("network access is disabled inside the lossguard probe")


def guard_network() -> None:
    """No connection, datagram or name lookup leaves the process (Python level; children get
    dead proxies). Under namespaces the child has no network at all, so this is a second line."""
    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        original = getattr(socket.socket, name)

        def guarded(self: socket.socket, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if self.family == getattr(socket, "AF_UNIX", None) and _own_socket(args[0] if args else None):
                return _original(self, *args, **kwargs)
            raise NetworkBlocked("network access is disabled inside the lossguard probe")

        setattr(socket.socket, name, guarded)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _blocked)
    import _socket

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(_socket, name, _blocked)
    dead = "http://127.0.0.1:9"  # discard port: children's HTTP clients fail at once
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        os.environ[variable] = dead
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = ""


def _own_socket(address: Any) -> bool:
    """A UNIX socket of the probe's own scratch folder (multiprocessing's): a filesystem socket
    elsewhere reaches the user's services (an agent, a daemon), an abstract one the host's."""
    scratch = os.environ.get("LOSSGUARD_PROBE_SCRATCH")
    if not scratch or not isinstance(address, str | bytes | os.PathLike):
        return False
    name = os.fsdecode(address)
    if not name or name.startswith("\0"):
        return False
    real, root = os.path.realpath(name), os.path.realpath(scratch)
    return real.startswith(root + os.sep)


def replace_everywhere(name: str, original: Any, replacement: Any, prefixes: tuple[str, ...]) -> None:
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        try:
            if getattr(module, name, None) is original:
                setattr(module, name, replacement)
        except Exception:
            continue


def patch_downloads(prefix: str) -> None:
    prefixes = (prefix, "tensorflow")
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes) or "applications" not in module_name:
            continue
        for attr in dir(module):
            value = getattr(module, attr, None)
            if not callable(value) or not attr[:1].isupper() or getattr(value, "_lossguard", False):
                continue
            code = getattr(value, "__code__", None)
            if code is None or "weights" not in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
                continue
            replace_everywhere(attr, value, _no_pretrained(value, attr), prefixes)
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        original = getattr(module, "get_file", None)
        if callable(original) and not getattr(original, "_lossguard", False):
            replace_everywhere("get_file", original, _no_download, prefixes)


def _no_download(*args: Any, **kwargs: Any) -> Any:
    """``get_file`` without the network: a file already in Keras' cache is returned."""
    fname = kwargs.get("fname", args[0] if args else None)
    origin = kwargs.get("origin") or (args[1] if len(args) > 1 else None)
    if not fname and origin:
        fname = os.path.basename(str(origin).split("?")[0])
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    folder = os.path.join(kwargs.get("cache_dir") or home, kwargs.get("cache_subdir", "datasets"))
    if fname:
        cached = os.path.join(folder, str(fname))
        for candidate in (cached + "_extracted", cached) if kwargs.get("extract") else (cached,):
            if os.path.exists(candidate):
                return candidate
    raise NetworkBlocked(f"get_file({origin or fname!r}): downloads are disabled inside the lossguard probe")


_no_download._lossguard = True  # type: ignore[attr-defined]


def _no_pretrained(function: Any, name: str) -> Any:
    import inspect

    signature = inspect.signature(function)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        weights = bound.arguments.get("weights", signature.parameters["weights"].default)
        if isinstance(weights, str) and not os.path.exists(weights):
            bound.arguments["weights"] = None
            RUN.notes.append(
                f"{name}(weights={weights!r}) built with weights=None (no downloads in the probe)"
            )
        return function(*bound.args, **bound.kwargs)

    wrapper._lossguard = True  # type: ignore[attr-defined]
    wrapper.__name__ = name
    return wrapper


class NoShell:
    """``get_ipython()`` for a probed notebook: magics and shell escapes do nothing.

    The notebook's code reaches the probe as IPython turned it into Python (``!pip install``
    became ``get_ipython().system(...)``); nothing of it runs: no shell, no magics.
    """

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def __getattr__(self, name: str) -> Any:
        def ignored(*args: Any, **kwargs: Any) -> None:
            RUN.notes.append(f"IPython {name}{args!r} skipped by the probe")

        return ignored


# ----- writes: only inside the scratch folder ----------------------------------------------------


class WriteGuard:
    """Python-level write containment: the script's working directory is a scratch folder that
    shows the script's own folder through symbolic links (for reading); a write through such a
    link replaces the link with a file of the scratch folder, a write elsewhere is redirected
    under ``<scratch>/outside/``, and deletes or renames outside the scratch folder are refused.
    """

    def __init__(self, scratch: str) -> None:
        self.scratch = os.path.realpath(scratch)
        self.real_open = open
        self.real_os = {name: getattr(os, name) for name in _OS_WRITES}

    def inside(self, path: Any, dir_fd: int | None = None) -> bool:
        real = os.path.realpath(self.absolute(path, dir_fd))
        return real == self.scratch or real.startswith(self.scratch + os.sep) or real in HARMLESS

    @staticmethod
    def absolute(path: Any, dir_fd: int | None = None) -> str:
        """The path a call means: a name relative to ``dir_fd`` (``shutil.rmtree``, ``os.remove(
        name, dir_fd=…)``) is relative to that folder, not to the working directory."""
        name = os.fsdecode(os.fspath(path))
        if dir_fd is not None and not os.path.isabs(name):
            try:
                folder = os.readlink(f"/proc/self/fd/{dir_fd}")
            except OSError:
                folder = "/nonexistent-folder-of-an-unknown-descriptor"
            return os.path.join(folder, name)
        return os.path.abspath(name)

    def target(self, path: Any, dir_fd: int | None = None) -> Any:
        """Where a write to ``path`` goes."""
        if isinstance(path, int) or self.inside(path, dir_fd):
            return path
        absolute = self.absolute(path, dir_fd)
        if absolute.startswith(self.scratch + os.sep) and os.path.islink(absolute):
            self.real_os["unlink"](absolute)  # the view's link: write a file of our own instead
            return absolute
        redirected = os.path.join(self.scratch, "outside", absolute.lstrip(os.sep))
        self.real_os["makedirs"](os.path.dirname(redirected), exist_ok=True)
        RUN.notes.append(f"write to {absolute} redirected into the probe's scratch folder")
        return redirected

    def refuse(self, what: str, path: Any, dir_fd: int | None = None) -> None:
        if not isinstance(path, int) and not self.inside(path, dir_fd):
            raise PermissionError(
                f"{what} {os.fspath(path)!r}: the lossguard probe changes nothing outside its scratch folder"
            )

    def install(self) -> None:
        guard = self

        def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if isinstance(mode, str) and any(flag in mode for flag in "wax+"):
                file = guard.target(file)
            return guard.real_open(file, mode, *args, **kwargs)

        def guarded_os_open(
            path: Any, flags: int, *args: Any, dir_fd: int | None = None, **kwargs: Any
        ) -> Any:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
                redirected = guard.target(path, dir_fd)
                if redirected is not path:
                    path, dir_fd = redirected, None
            return guard.real_os["open"](path, flags, *args, dir_fd=dir_fd, **kwargs)

        def refusing(name: str) -> Any:
            real = guard.real_os[name]

            def refused(path: Any, *args: Any, **kwargs: Any) -> Any:
                dir_fd = kwargs.get("dir_fd", kwargs.get("src_dir_fd"))
                guard.refuse(name, path, dir_fd)
                for other in args[:1]:
                    if isinstance(other, str | bytes | os.PathLike):
                        guard.refuse(name, other, kwargs.get("dst_dir_fd", kwargs.get("dir_fd")))
                return real(path, *args, **kwargs)

            return refused

        def redirecting(name: str) -> Any:
            real = guard.real_os[name]

            def redirected(path: Any, *args: Any, dir_fd: int | None = None, **kwargs: Any) -> Any:
                moved = guard.target(path, dir_fd)
                if moved is not path:
                    return real(moved, *args, **kwargs)
                return (
                    real(path, *args, dir_fd=dir_fd, **kwargs)
                    if dir_fd is not None
                    else real(path, *args, **kwargs)
                )

            return redirected

        def linking(name: str) -> Any:
            real = guard.real_os[name]

            def linked(
                source: Any, destination: Any, *args: Any, dir_fd: int | None = None, **kwargs: Any
            ) -> Any:
                moved = guard.target(destination, dir_fd)  # the link is made at the destination
                if moved is not destination:
                    return real(source, moved, *args, **kwargs)
                return real(source, destination, *args, dir_fd=dir_fd, **kwargs)

            return linked

        import _io
        import builtins
        import io

        class GuardedFileIO(io.FileIO):
            def __init__(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> None:
                if isinstance(mode, str) and any(flag in mode for flag in "wax+"):
                    file = guard.target(file)
                super().__init__(file, mode, *args, **kwargs)

        builtins.open = guarded_open
        io.open = guarded_open
        _io.open = guarded_open
        io.FileIO = GuardedFileIO  # type: ignore[misc]
        _io.FileIO = GuardedFileIO  # type: ignore[misc]
        os.open = guarded_os_open
        for name in ("remove", "unlink", "rmdir", "rename", "replace", "truncate", "chmod", "utime"):
            setattr(os, name, refusing(name))
        for name in ("mkdir", "mkfifo", "mknod"):
            setattr(os, name, redirecting(name))
        for name in ("symlink", "link"):
            setattr(os, name, linking(name))
        for name in _EXECS:
            if hasattr(os, name):
                setattr(os, name, _no_exec(name))
        self.guard_tensorflow()

    def guard_tensorflow(self) -> None:
        """TensorFlow writes through its own C++ file system, past every Python-level guard:
        its file functions get the same treatment as ``open`` and ``os``."""
        tf = sys.modules.get("tensorflow")
        gfile = getattr(getattr(tf, "io", None), "gfile", None)
        if tf is None or gfile is None:
            return
        guard = self

        def first_redirected(real: Any) -> Any:
            def redirected(path: Any, *args: Any, **kwargs: Any) -> Any:
                return real(_tf_target(guard, path), *args, **kwargs)

            return redirected

        def first_refused(real: Any, name: str) -> Any:
            def refused(path: Any, *args: Any, **kwargs: Any) -> Any:
                guard.refuse(name, _tf_path(path))
                return real(path, *args, **kwargs)

            return refused

        def second_redirected(real: Any, name: str) -> Any:
            def redirected(source: Any, destination: Any, *args: Any, **kwargs: Any) -> Any:
                if name == "rename":
                    guard.refuse(name, _tf_path(source))
                return real(source, _tf_target(guard, destination), *args, **kwargs)

            return redirected

        real_gfile = gfile.GFile

        class GuardedGFile(real_gfile):  # type: ignore[misc, valid-type]
            def __init__(self, name: Any, mode: str = "r") -> None:
                if any(flag in mode for flag in "wa+"):
                    name = _tf_target(guard, name)
                super().__init__(name, mode)

        gfile.GFile = GuardedGFile
        for name in ("makedirs", "mkdir"):
            setattr(gfile, name, first_redirected(getattr(gfile, name)))
        for name in ("remove", "rmtree"):
            setattr(gfile, name, first_refused(getattr(gfile, name), f"tf.io.gfile.{name}"))
        for name in ("rename", "copy"):
            setattr(gfile, name, second_redirected(getattr(gfile, name), f"tf.io.gfile.{name}"))
        tf.io.write_file = first_redirected(tf.io.write_file)
        checkpoint = getattr(getattr(tf, "train", None), "Checkpoint", None)
        for method in ("write", "save"):
            real = getattr(checkpoint, method, None)
            if real is not None:

                def saved(self: Any, file_prefix: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
                    return _real(self, _tf_target(guard, file_prefix), *args, **kwargs)

                setattr(checkpoint, method, saved)


_EXECS = ("execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe")


def _no_exec(name: str) -> Any:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"os.{name}: the lossguard probe does not let the script replace itself")

    return refused


def _tf_path(path: Any) -> Any:
    """A TensorFlow path argument as a filesystem path (a string tensor gives its value)."""
    numpy = getattr(path, "numpy", None)
    if callable(numpy):
        with contextlib.suppress(Exception):
            path = numpy()
    return os.fsdecode(path) if isinstance(path, str | bytes) else path


def _tf_target(guard: WriteGuard, path: Any) -> Any:
    plain = _tf_path(path)
    if not isinstance(plain, str) or "://" in plain:
        return path  # gs://, s3://: no network in the probe anyway
    return guard.target(plain)


# Writes that change nothing anyone can see (subprocess.DEVNULL opens it for writing).
HARMLESS = {os.devnull}
_OS_WRITES = (
    "open",
    "remove",
    "unlink",
    "rmdir",
    "rename",
    "replace",
    "truncate",
    "chmod",
    "utime",
    "mkdir",
    "makedirs",
    "symlink",
    "link",
    "mkfifo",
    "mknod",
)


def readable_view(folder: Path, scratch: Path) -> None:
    """The scratch folder shows the script's folder: one symbolic link per entry."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            link = scratch / entry.name
            if not os.path.lexists(link):
                with contextlib.suppress(OSError):
                    os.symlink(entry.path, link)
