"""The probe's child process and everything it starts: contained, bounded, never left behind.

Levels of containment, the strongest this machine allows (``containment()`` says which):

* **namespaces** (Linux with unprivileged user namespaces, ``unshare`` on PATH): the child runs
  in new user, network, mount and PID namespaces — no network at all (not even loopback), the
  user's folders mounted read-only, and when the child ends every process it started ends with
  it (they live in its PID namespace).
* **process** (elsewhere): the child leads its own process group and dies with lossguard
  (``PR_SET_PDEATHSIG`` on Linux); lossguard is a child subreaper while probing, so descendants
  that leave the group (``setsid``, a daemon) are re-parented to it, found in ``/proc`` and
  killed. Network and writes are then guarded in Python only (``sandbox.py``): best effort.

Either way: output is drained into bounded tails, every wait is bounded, and on every exit path
(success, timeout, Ctrl-C, SIGTERM, an exception) the whole tree is killed before returning.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import IO, Any

TAIL_BYTES = 64 * 1024
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


class Tail:
    """Reads a pipe to its end in a thread, keeping only the last ``TAIL_BYTES``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.data = bytearray()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]
                self.data += chunk
                if len(self.data) > 2 * TAIL_BYTES:
                    del self.data[:-TAIL_BYTES]

    def text(self) -> str:
        self.thread.join(timeout=1.0)  # a grandchild may hold the pipe open: do not wait on it
        return bytes(self.data[-TAIL_BYTES:]).decode("utf-8", "replace")


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@cache
def namespaces_available() -> bool:
    """Can this machine run a child in new user, network, mount and PID namespaces?"""
    if (
        os.name != "posix"
        or shutil.which("unshare") is None
        or os.environ.get("LOSSGUARD_PROBE_NO_NAMESPACES")
    ):
        return False
    try:
        probe = subprocess.run(
            [*_UNSHARE, "true"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


_UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--mount", "--pid", "--fork", "--kill-child"]


def containment() -> str:
    return "namespaces" if namespaces_available() else "process"


def isolated(command: Sequence[str], read_only: Sequence[Path], writable: Sequence[Path] = ()) -> list[str]:
    """``command`` inside new namespaces, with ``read_only`` folders mounted read-only, then the
    ``writable`` ones (the probe's own folder) mounted writable again wherever a read-only one
    covers them (a script under /tmp, a run from / ), and the mounts locked: the command runs in
    a nested user namespace, where they can be neither remounted writable nor unmounted."""
    mounts = []
    for path in dict.fromkeys(read_only):
        if not path.is_dir():
            continue
        quoted = shlex.quote(str(path))
        # "/" is a mount already (and ``mount --bind / /`` fails in a container): remount it.
        bind = f"mount --bind {quoted} {quoted}" if str(path) != "/" else "true"
        mounts.append(f"{bind} && mount -o remount,bind,ro {quoted}")
    for path in dict.fromkeys(writable):
        quoted = shlex.quote(str(path))
        mounts.append(f"mount --bind {quoted} {quoted} && mount -o remount,bind,rw {quoted}")
    # No exec: the shell stays PID 1 of the namespace (the kernel drops signals an init sends
    # itself, so the script must not be init); it exits with 128+n when the script died of n.
    locked = 'unshare --user --map-root-user --mount "$@"'
    script = " && ".join([*mounts, locked])
    return [*_UNSHARE, "--propagation", "private", "sh", "-c", script, "sh", *command]


def _child_setup(limits: Callable[[], None] | None) -> Callable[[], None]:
    def setup() -> None:
        libc = _libc()
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with lossguard
        if limits is not None:
            limits()

    return setup


def _process_table() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, start time in clock ticks), from /proc (Linux); empty elsewhere."""
    table: dict[int, tuple[int, int]] = {}
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                table[int(name)] = (int(fields[1]), int(fields[19]))
            except (OSError, IndexError, ValueError):
                continue
    return table


def descendants(root: int, table: dict[int, tuple[int, int]]) -> set[int]:
    found: set[int] = set()
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


class Child:
    """A running probe child; ``stop()`` kills it and everything it started."""

    def __init__(self, process: subprocess.Popen[bytes], started_ticks: int) -> None:
        self.process = process
        self.started_ticks = started_ticks
        self.out = Tail(process.stdout)  # type: ignore[arg-type]
        self.err = Tail(process.stderr)  # type: ignore[arg-type]

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        table = _process_table()
        doomed = descendants(self.process.pid, table)
        # Orphans re-parented to us (we are a subreaper) that started after the child did.
        doomed |= {p for p in descendants(os.getpid(), table) if table[p][1] >= self.started_ticks}
        doomed.discard(os.getpid())
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in doomed | {self.process.pid}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        _reap()


def _reap() -> None:
    """Collect the exit status of re-parented orphans we killed (no zombies left behind)."""
    with contextlib.suppress(ChildProcessError, OSError):
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return


def _ticks_now() -> int:
    try:
        with open("/proc/self/stat", "rb") as handle:
            own_start = int(handle.read().rsplit(b")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(own_start, int(uptime * os.sysconf("SC_CLK_TCK")) - 1)
    except (OSError, ValueError, IndexError):
        return 0


_ending = threading.Event()  # set while a probe is under ``ending_on_signals``


@contextlib.contextmanager
def ending_on_signals() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGINT end the probe: the first one unwinds (the child's whole tree
    killed, the temporary folders removed), and any number of later ones wait for that to finish
    instead of interrupting it. Then the run ends with the first signal's status."""
    if threading.current_thread() is not threading.main_thread() or _ending.is_set():
        yield
        return
    unwinding = False

    def end(signum: int, frame: Any) -> None:
        nonlocal unwinding
        if unwinding:
            return  # already cleaning up: a second Ctrl-C must not leave processes or files
        unwinding = True
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    watched = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {number: signal.signal(number, end) for number in watched}
    _ending.set()
    try:
        yield
    finally:
        unwinding = True
        _ending.clear()
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def running(
    command: Sequence[str], *, env: dict[str, str], cwd: Path, limits: Callable[[], None] | None
) -> Iterator[Child]:
    """Start the child; whatever happens in the block, nothing it started survives the block."""
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    started = _ticks_now()
    child: Child | None = None
    try:
        with ending_on_signals():
            process = subprocess.Popen(
                list(command),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_child_setup(limits) if os.name == "posix" else None,
            )
            child = Child(process, started)
            try:
                yield child
            finally:
                child.stop()
    finally:
        if libc is not None:
            libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
