"""A batch's chunks encoded by two threads and matched by one.

A helper thread encodes chunk after chunk, a few ahead of the caller. The caller matches the chunks in
order, and whenever the chunk it needs next is not encoded yet, it encodes a later one itself instead
of waiting. Why: on one BLAS thread the USE encoder takes about twice as long for a chunk as matching
it does (credentials as long as the gold set's), so a caller that only matched would sit idle half of
the time (measured: bench/matching_speed.py). Matching stays in the caller's thread because it may read
the database (precedents), and Django's connections belong to a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class EncodeAhead(Generic[T]):
    """`encode(i)` for chunks 0..count-1, shared by a helper thread and the caller; `get(i)` in order.

    Chunks are claimed in order and at most `ahead` beyond the last one the caller took, and a chunk is
    let go once taken: that bounds the memory held by encoded chunks. After a chunk fails, nothing more
    is encoded; the caller meets the failure when it gets to that chunk (an interrupt in the caller's
    own encoding is raised at once)."""

    def __init__(self, count: int, encode: Callable[[int], T], *, ahead: int = 3,
                 encode_in_caller: Callable[[int], T] | None = None) -> None:
        if ahead < 1:
            raise ValueError("ahead must be at least 1: no chunk could be encoded")
        self._count = count
        self._encode = encode
        # The caller's own way, where the helper's is another (e.g. a child process the helper waits on).
        self._encode_in_caller = encode_in_caller or encode
        self._ahead = ahead
        self._chunks: list[Future[T] | None] = [Future() for _ in range(count)]  # None once taken
        self._claimed = 0  # chunks 0.._claimed-1 have been started, by either thread
        self._taken = 0  # chunks the caller has taken
        self._stopped = False
        self._state = threading.Condition()
        self._helper = threading.Thread(target=self._help, name="evc-encode", daemon=True)

    def __enter__(self) -> EncodeAhead[T]:
        self._helper.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._state:
            self._stopped = True
            self._state.notify_all()
        self._helper.join()

    def get(self, i: int) -> T:
        """Chunk i, encoded; chunks are taken in order, each once. While it is not ready, the caller
        encodes the next unclaimed chunk itself."""
        chunk = self._chunks[i]
        if chunk is None:
            raise ValueError(f"chunk {i} was taken already")
        while not chunk.done() and (claimed := self._claim(wait=False)) is not None:
            self._run(*claimed, in_caller=True)
        self._chunks[i] = None  # let it go: the caller holds the result now
        value = chunk.result()
        with self._state:
            self._taken = i + 1
            self._state.notify_all()
        return value

    def _help(self) -> None:
        while (claimed := self._claim(wait=True)) is not None:
            self._run(*claimed)
            # Let go before waiting for the next claim: the caller may take and drop this chunk meanwhile, and a
            # reference kept here would hold its vectors until this thread woke up.
            del claimed

    def _claim(self, *, wait: bool) -> tuple[int, Future[T]] | None:
        """The next chunk to encode and where its result goes (read under the lock: the caller lets
        go of a chunk once it has taken it)."""
        with self._state:
            while wait and not self._stopped and self._claimed < self._count and self._claimed >= self._taken + self._ahead:
                self._state.wait()
            if self._stopped or self._claimed >= self._count or self._claimed >= self._taken + self._ahead:
                return None
            i = self._claimed
            self._claimed += 1
            chunk = self._chunks[i]
            assert chunk is not None  # chunks are claimed before they are taken
            return i, chunk

    def _run(self, i: int, chunk: Future[T], *, in_caller: bool = False) -> None:
        try:
            chunk.set_result((self._encode_in_caller if in_caller else self._encode)(i))
        except BaseException as exc:  # handed to the caller, in its thread, when it gets to chunk i
            chunk.set_exception(exc)
            with self._state:
                self._stopped = True
                self._state.notify_all()
            if in_caller and not isinstance(exc, Exception):
                raise  # Ctrl-C or exit while the caller encodes: now, not chunks later
