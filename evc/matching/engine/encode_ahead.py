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

    Chunks are claimed in order and at most `ahead` beyond the last one the caller took, which bounds
    the memory held by encoded chunks. After a chunk fails, nothing more is encoded; the caller meets
    the failure when it gets to that chunk."""

    def __init__(self, count: int, encode: Callable[[int], T], *, ahead: int = 3) -> None:
        self._count = count
        self._encode = encode
        self._ahead = ahead
        self._chunks: list[Future[T]] = [Future() for _ in range(count)]
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
        """Chunk i, encoded. While it is not ready, the caller encodes the next unclaimed chunk itself."""
        while not self._chunks[i].done() and (j := self._claim(wait=False)) is not None:
            self._run(j)
        value = self._chunks[i].result()
        with self._state:
            self._taken = i + 1
            self._state.notify_all()
        return value

    def _help(self) -> None:
        while (i := self._claim(wait=True)) is not None:
            self._run(i)

    def _claim(self, *, wait: bool) -> int | None:
        with self._state:
            while wait and not self._stopped and self._claimed < self._count and self._claimed >= self._taken + self._ahead:
                self._state.wait()
            if self._stopped or self._claimed >= self._count or self._claimed >= self._taken + self._ahead:
                return None
            self._claimed += 1
            return self._claimed - 1

    def _run(self, i: int) -> None:
        try:
            self._chunks[i].set_result(self._encode(i))
        except BaseException as exc:  # handed to the caller, in its thread, when it gets to chunk i
            self._chunks[i].set_exception(exc)
            with self._state:
                self._stopped = True
                self._state.notify_all()
