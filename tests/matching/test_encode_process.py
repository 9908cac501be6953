"""The child-process encoder: a long batch's second encoder, beside the matching (see encode_process)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from evc.matching.engine.encode_process import ChildEncoder
from evc.matching.engine.encoders import get_encoder
from evc.matching.engine.fusion import hand_set
from evc.matching.engine.matcher import MatchIndex
from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit, CredentialInput

TEXTS = ["De student ontwerpt een relationele database.", "The student designs a REST API with OpenAPI.",
         "Latte art and milk texturing for baristas.", "Verpleegkundig rekenen en medicatieveiligheid."]


@pytest.fixture(scope="module")
def use():
    return get_encoder("use")


def test_the_child_process_encodes_as_this_process_does(use):
    child = use.in_child_process()
    assert isinstance(child, ChildEncoder) and child is use.in_child_process()  # one per process
    assert child.model_id == use.model_id and child.dimension == use.dimension
    assert child.ready(timeout=60)
    np.testing.assert_allclose(child.encode(TEXTS), use.encode(TEXTS), atol=1e-5)
    assert not child.failed
    assert child._process is not None and child._process.poll() is None and child._process.pid != os.getpid()


class NoChild:
    """The USE encoder without its child process: a batch's helper thread encodes in this process."""

    def __init__(self, encoder) -> None:
        self.model_id, self.dimension, self.encode = encoder.model_id, encoder.dimension, encoder.encode
        self.single_threaded = encoder.single_threaded


def test_a_batch_matches_alike_with_and_without_the_child(use):
    outcomes = [
        CatalogueOutcome("P/DB/LO1", "P", "DB", "LO1", "De student ontwerpt een genormaliseerd relationeel databaseschema.", "nl"),
        CatalogueOutcome("P/DB/LO2", "P", "DB", "LO2", "The student writes SQL queries with joins and aggregates.", "en"),
        CatalogueOutcome("P/API/LO1", "P", "API", "LO1", "The student designs and documents a REST API.", "en"),
        CatalogueOutcome("P/ZORG/LO1", "P", "ZORG", "LO1", "De student berekent medicatiedoseringen foutloos.", "nl"),
    ]
    units = [CatalogueUnit(f"P/{u}", "P", u, u, 5.0, 6) for u in ("DB", "API", "ZORG")]
    index = MatchIndex(outcomes, units, model_id=use.model_id, outcome_vectors=use.encode([o.text for o in outcomes]),
                       unit_vectors=use.encode([u.context_text() for u in units]), encode_words=use.encode)
    model = hand_set(use.model_id)
    creds = [CredentialInput(text=t) for t in TEXTS * 2]
    child = use.in_child_process()
    assert child.ready(timeout=60)
    before = child._process
    with_child = index.match_many(creds, model, use, chunk=2)  # four chunks: the helper hands them to the child
    assert child._process is before and not child.failed  # the same child, still well
    without = index.match_many(creds, model, NoChild(use), chunk=2)
    assert any(r.outcomes for r in with_child)
    for a, b in zip(with_child, without, strict=True):
        assert [(m.reference, round(m.score, 4)) for m in a.outcomes] == [(m.reference, round(m.score, 4)) for m in b.outcomes]


def test_when_the_child_dies_this_process_encodes_and_says_so(use, caplog):
    twin = use.single_threaded()
    child = ChildEncoder(twin)
    try:
        assert child.ready(timeout=60)
        first = child.encode(TEXTS[:2])
        child._process.kill()
        child._process.wait(10)
        with caplog.at_level(logging.WARNING, logger="evc.matching.engine.encode_process"):
            again = child.encode(TEXTS[:2])
        np.testing.assert_allclose(again, first, atol=1e-5)
        assert child.failed and child._process is None
        assert "stopped helping" in caplog.text and "pipe broke" in caplog.text
        np.testing.assert_allclose(child.encode(TEXTS[2:]), use.encode(TEXTS[2:]), atol=1e-5)  # from now on, here
    finally:
        child.close()


def test_a_child_with_another_model_is_not_used(caplog):
    class Other:
        """An encoder of another model: the child's USE vectors would not fit its catalogue."""
        model_id, dimension = "another-model@1", 3

        def encode(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 3), dtype=np.float32)

    child = ChildEncoder(Other())
    try:
        with caplog.at_level(logging.WARNING, logger="evc.matching.engine.encode_process"):
            assert not child.ready(timeout=60)
            vectors = child.encode(["anything"])
        assert vectors.shape == (1, 3) and child.failed
        assert "not 'another-model@1'" in caplog.text
    finally:
        child.close()


def test_the_child_does_not_run_the_parents_script_again(tmp_path):
    """A script without an `if __name__ == "__main__"` guard: multiprocessing's "spawn" would run it
    again in the child (writing twice here); the child runs only the encoder module."""
    marker = tmp_path / "runs.txt"
    script = tmp_path / "batch_script.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        f"open({str(marker)!r}, 'a').write('ran\\n')\n"
        "from evc.matching.engine.encoders import get_encoder\n"
        "child = get_encoder('use').in_child_process()\n"
        "print(child.ready(timeout=60), child.encode(['De student ontwerpt een database.']).shape, child.failed)\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True (1, 512) False"
    assert marker.read_text() == "ran\n"


def test_a_child_that_cannot_start_leaves_the_encoding_here(use, monkeypatch, caplog):
    from evc.matching.engine import encode_process

    def no_processes(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(encode_process.subprocess, "Popen", no_processes)
    with caplog.at_level(logging.WARNING, logger="evc.matching.engine.encode_process"):
        child = ChildEncoder(use.single_threaded())
    assert child.failed and "could not start" in caplog.text
    np.testing.assert_allclose(child.encode(TEXTS[:1]), use.encode(TEXTS[:1]), atol=1e-5)


def test_until_the_child_has_loaded_the_model_this_process_encodes(use):
    child = ChildEncoder(use.single_threaded())
    try:
        os.kill(child._process.pid, signal.SIGSTOP)  # it cannot get as far as loading the model
        np.testing.assert_allclose(child.encode(TEXTS), use.encode(TEXTS), atol=1e-5)
        assert not child.failed and not child.ready()
        os.kill(child._process.pid, signal.SIGCONT)
        assert child.ready(timeout=60)
    finally:
        child.close()


def test_a_child_that_hangs_is_given_up_and_its_late_answer_never_read(use, monkeypatch, caplog):
    from evc.matching.engine import encode_process

    child = ChildEncoder(use.single_threaded())
    try:
        assert child.ready(timeout=60)
        monkeypatch.setattr(encode_process, "REPLY_TIMEOUT", 1.0)
        pid = child._process.pid
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="evc.matching.engine.encode_process"):
            vectors = child.encode(TEXTS[:2])
        assert time.monotonic() - started < 15 and "no answer in 1 s" in caplog.text
        np.testing.assert_allclose(vectors, use.encode(TEXTS[:2]), atol=1e-5)
        assert child.failed and child._process is None  # killed and reaped
        np.testing.assert_allclose(child.encode(TEXTS[2:]), use.encode(TEXTS[2:]), atol=1e-5)
    finally:
        child.close()


def test_a_failure_between_a_chunk_and_its_answer_retires_the_pipe(use):
    """The answer may still come: read for the next chunk it would be the wrong vectors."""
    child = ChildEncoder(use.single_threaded())
    try:
        assert child.ready(timeout=60)
        real = child._conn

        class Interrupted:
            def __getattr__(self, name):
                return getattr(real, name)

            def poll(self, timeout):
                raise KeyboardInterrupt

        child._conn = Interrupted()
        with pytest.raises(KeyboardInterrupt):
            child.encode(TEXTS[:2])  # sent; its answer is left in the pipe
        assert child.failed
        np.testing.assert_allclose(child.encode(TEXTS[2:]), use.encode(TEXTS[2:]), atol=1e-5)
    finally:
        child.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_process_leaves_its_parents_child_alone(use):
    from evc.matching.engine import encode_process

    child = use.in_child_process()
    assert child.ready(timeout=60)
    pid = os.fork()
    if pid == 0:  # the forked copy: the inherited child is not its own, and it touches nothing of it
        ok = encode_process._children == {} and child.failed and child._conn is None and not child.ready()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not child.failed and child.ready()
    np.testing.assert_allclose(child.encode(TEXTS), use.encode(TEXTS), atol=1e-5)
