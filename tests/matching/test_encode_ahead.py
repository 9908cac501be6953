"""EncodeAhead: a batch's chunks encoded by a helper thread and the caller, handed back in order."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest

from evc.matching.engine.encode_ahead import EncodeAhead


class Recorder:
    """An `encode` that records which chunk ran in which thread, and how far ahead of the caller it was.
    The first call in each thread waits for a call in the other one: it proves both threads encode."""

    def __init__(self, ahead: int, fail_on: int = -1, pause: float = 0.0) -> None:
        self.ahead = ahead
        self.fail_on = fail_on
        self.pause = pause
        self.taken = 0  # set by the test as it takes chunks
        self.calls: list[tuple[int, str, int]] = []  # (chunk, thread, chunks the caller had taken)
        self._meet = threading.Barrier(2, timeout=10)
        self._met: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, i: int) -> tuple[int, str]:
        name = threading.current_thread().name
        with self._lock:
            self.calls.append((i, name, self.taken))
            first = name not in self._met
            self._met.add(name)
        if first:
            self._meet.wait()
        if i == self.fail_on:
            raise RuntimeError(f"chunk {i} failed")
        time.sleep(self.pause)
        return i, name


def test_chunks_come_back_in_order_and_both_threads_encode():
    encode = Recorder(ahead=3)
    got = []
    with EncodeAhead(12, encode, ahead=3) as chunks:
        for i in range(12):
            got.append(chunks.get(i)[0])
            encode.taken = i + 1
    assert got == list(range(12))
    assert sorted(i for i, _, _ in encode.calls) == list(range(12))  # each chunk encoded once
    assert {name for _, name, _ in encode.calls} == {threading.current_thread().name, "evc-encode"}


def test_no_chunk_is_encoded_more_than_ahead_beyond_the_last_one_taken():
    encode = Recorder(ahead=2)
    with EncodeAhead(10, encode, ahead=2) as chunks:
        for i in range(10):
            chunks.get(i)
            encode.taken = i + 1
    # `taken` is recorded before the test updates it, so it may lag one chunk behind: never more.
    assert all(i < taken + 2 + 1 for i, _, taken in encode.calls)
    assert max(i - taken for i, _, taken in encode.calls) >= 1  # it did work ahead


def test_a_failed_chunk_reaches_the_caller_at_its_turn_and_stops_the_encoding():
    encode = Recorder(ahead=50, fail_on=2, pause=0.02)  # the bound alone would let it encode all 20
    with EncodeAhead(20, encode, ahead=50) as chunks:
        assert chunks.get(0)[0] == 0
        time.sleep(0.2)  # matching chunk 0 takes a while: long enough to encode ten more
        assert chunks.get(1)[0] == 1
        with pytest.raises(RuntimeError, match="chunk 2 failed"):
            chunks.get(2)
    # Chunks 0 and 1, the failed chunk 2, and at most the one the other thread had claimed as it failed.
    assert sorted(i for i, _, _ in encode.calls)[:3] == [0, 1, 2] and max(i for i, _, _ in encode.calls) <= 3


def test_an_interrupt_while_the_caller_encodes_is_raised_at_once():
    helper_busy, release = threading.Event(), threading.Event()

    def encode(i: int) -> int:
        if threading.current_thread().name == "evc-encode":
            helper_busy.set()
            release.wait(10)
            return i
        raise KeyboardInterrupt  # Ctrl-C while the caller encodes a later chunk

    with pytest.raises(KeyboardInterrupt), EncodeAhead(4, encode, ahead=3) as chunks:
        assert helper_busy.wait(10)  # the helper holds chunk 0, so the caller takes chunk 1
        try:
            chunks.get(0)  # without re-raising, this would wait for chunk 0 and hand it back
        finally:
            release.set()


def test_a_taken_chunk_is_let_go():
    class Encoded:  # stands for a chunk's vectors
        pass

    made: list[weakref.ref[Encoded]] = []

    def encode(i: int) -> Encoded:
        value = Encoded()
        made.append(weakref.ref(value))
        return value

    with EncodeAhead(6, encode, ahead=2) as chunks:
        for i in range(6):
            chunks.get(i)  # the result is dropped at once, as the matcher drops a matched chunk
        gc.collect()
        assert all(ref() is None for ref in made)


def test_ahead_must_allow_one_chunk():
    with pytest.raises(ValueError, match="at least 1"):
        EncodeAhead(3, lambda i: i, ahead=0)


def test_the_helper_stops_when_the_caller_leaves_early():
    encode = Recorder(ahead=2)
    with pytest.raises(KeyError), EncodeAhead(50, encode, ahead=2) as chunks:
        chunks.get(0)
        raise KeyError("the caller failed while matching")
    assert not any(t.name == "evc-encode" and t.is_alive() for t in threading.enumerate())
    assert len(encode.calls) <= 3


def test_the_caller_encodes_its_chunks_its_own_way_when_given_one():
    """The helper hands its chunks on (to a child process in the matcher); the caller encodes its own."""
    helper = Recorder(ahead=3)
    ways: dict[int, str] = {}

    def by_helper(i: int) -> tuple[int, str]:
        ways[i] = "helper's way"
        return helper(i)

    def by_caller(i: int) -> tuple[int, str]:
        ways[i] = "caller's way"
        return helper(i)

    with EncodeAhead(12, by_helper, ahead=3, encode_in_caller=by_caller) as chunks:
        for i in range(12):
            chunks.get(i)
            helper.taken = i + 1
    threads = {i: name for i, name, _ in helper.calls}
    assert set(threads.values()) == {threading.current_thread().name, "evc-encode"}  # both encoded (Recorder meets)
    assert all(ways[i] == ("helper's way" if name == "evc-encode" else "caller's way") for i, name in threads.items())
