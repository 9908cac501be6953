from __future__ import annotations

import numpy as np
import pytest

from evc.curricula.models import LearningOutcome
from evc.matching import services
from evc.matching.engine.matcher import MatchIndex, reference_words
from evc.matching.models import MatchFeedback, OutcomeEmbedding
from evc.portfolios.claims import Alignment, Claim, Issuer

from .helpers import HashingEncoder

pytestmark = pytest.mark.django_db


@pytest.fixture
def encoder(monkeypatch):
    enc = HashingEncoder()
    monkeypatch.setattr(services, "current_encoder", lambda: enc)
    services._indexes.clear()
    services._references.clear()
    yield enc
    services._indexes.clear()
    services._references.clear()


def test_vectors_are_cached_by_model_and_text(encoder):
    first = services.embeddings_for(encoder, ["alpha beta", "gamma delta"])
    assert OutcomeEmbedding.objects.filter(model_id=encoder.model_id).count() == 2
    encoder.encoded.clear()
    again = services.embeddings_for(encoder, ["alpha beta", "gamma delta"])
    assert encoder.encoded == []
    assert np.allclose(first, again)


def test_a_changed_text_is_encoded_afresh(encoder):
    services.embeddings_for(encoder, ["alpha beta"])
    encoder.encoded.clear()
    services.embeddings_for(encoder, ["alpha beta gamma"])
    assert encoder.encoded == ["alpha beta gamma"]


def test_another_model_never_reuses_the_vectors_of_the_first(encoder):
    services.embeddings_for(encoder, ["alpha beta"])
    other = HashingEncoder(model_id="test-hashing@2")
    services.embeddings_for(other, ["alpha beta"])
    assert other.encoded == ["alpha beta"]
    assert OutcomeEmbedding.objects.count() == 2


def test_a_vector_of_the_wrong_dimension_is_replaced(encoder):
    OutcomeEmbedding.objects.create(model_id=encoder.model_id, text_hash=services.text_hash("alpha beta"),
                                    dimension=3, vector=np.ones(3, dtype="<f4").tobytes())
    vectors = services.embeddings_for(encoder, ["alpha beta"])
    assert vectors.shape == (1, encoder.dimension)
    assert encoder.encoded == ["alpha beta"]
    assert OutcomeEmbedding.objects.get(text_hash=services.text_hash("alpha beta")).dimension == encoder.dimension


def test_an_edited_outcome_is_matched_with_its_new_text(encoder, catalogue):
    claim = Claim(title="Terraform", description="Provisions infrastructure as code with Terraform modules.")
    before = services.match_claim(claim, [catalogue.code])
    assert before.outcomes[0].outcome == "CLOUD-3"
    outcome = LearningOutcome.objects.get(code="CLOUD-3")
    outcome.text = "The student writes unit tests in Python."
    outcome.save()
    encoder.encoded.clear()
    after = services.match_claim(claim, [catalogue.code])
    assert outcome.text in encoder.encoded  # the new wording was encoded, the old vector not reused
    assert "CLOUD-3" not in [m.outcome for m in after.outcomes[:1]]


def test_the_index_is_built_once_while_the_catalogue_is_unchanged(encoder, catalogue):
    services.match_claim(Claim(title="CI/CD pipelines"), [catalogue.code])
    encoder.encoded.clear()
    services.match_claim(Claim(title="CI/CD pipelines"), [catalogue.code])
    assert encoder.encoded == ["CI/CD pipelines"]  # only the credential's one sentence


def test_rebuild_re_encodes_the_catalogue(encoder, catalogue):
    count = services.embeddings_rebuild()
    outcomes, units, _ = services.catalogue_load([catalogue.code])
    words = MatchIndex(outcomes, units, model_id=encoder.model_id).words
    assert len(words) > 10 and "pipeline" in words
    # outcome texts, unit texts, the outcomes' words and the reference vocabulary of word hubness
    assert count == 6 + 2 + len(set(words) | set(reference_words()))
    assert OutcomeEmbedding.objects.filter(model_id=encoder.model_id).count() == count


def test_every_index_measures_word_hubness_against_the_same_reference_vocabulary(encoder, catalogue):
    index = services.index_for([catalogue.code], None, encoder)
    assert index._hub_reference.shape == (len(reference_words()), encoder.dimension)
    assert len(index.words) < len(reference_words())  # not just the programme's own few words


def test_unknown_programme_is_a_clear_error(encoder, catalogue):
    with pytest.raises(services.MatchingError, match="Unknown programme 'NOPE'"):
        services.match_claim(Claim(title="x"), ["NOPE"])


def test_match_texts_deduplicates_and_keeps_order(encoder, catalogue):
    texts = ["CI/CD pipeline automation", "REST-API ontwerpen met OpenAPI", "CI/CD pipeline automation"]
    results = services.match_texts(texts, [catalogue.code])
    assert len(results) == 3
    assert results[0] is results[2]
    assert encoder.encoded.count("CI/CD pipeline automation") == 1  # its one sentence, once


def test_claim_fields_reach_the_engine():
    claim = Claim(title="T", description="D", achievement_id="https://b.example/class/1",
                  issuer=Issuer(id="https://b.example/issuer", name="B"),
                  alignments=[Alignment(target_code="esco:1", target_url="https://esco/1")],
                  eqf_level=5, hours=56, language="nl-NL")
    cred = services.credential_input(claim, verified=False)
    assert cred.alignment_refs == ("esco:1", "https://esco/1")
    assert cred.ects == 2.0 and cred.eqf_level == 5 and cred.language == "nl" and cred.verified is False
    assert cred.achievement_key == "https://b.example/issuer|https://b.example/class/1"
    assert services.achievement_key(Claim(title="no id")) == ""


def test_feedback_is_recorded(catalogue, assessor):
    outcome = LearningOutcome.objects.get(code="CLOUD-2")
    row = services.feedback_record(outcome=outcome, achievement_key="i|b", claim_text="CI/CD", accepted=True,
                                   reviewer=assessor, score=0.8)
    assert MatchFeedback.objects.get() == row
    assert row.claim_text_hash == services.text_hash("CI/CD")


def test_the_years_level_rule_reaches_the_engine_and_a_change_rebuilds_the_index(encoder, catalogue):
    version = catalogue.current_version()
    _, units, before = services.catalogue_load([catalogue.code])
    assert [u.level_below_accepted for u in units] == [False, False]  # by default the unit's own level
    first = services.index_for([catalogue.code], None, encoder)
    version.level_below_accepted = True
    version.save()
    _, units, after = services.catalogue_load([catalogue.code])
    assert all(u.level_below_accepted for u in units) and after != before
    rebuilt = services.index_for([catalogue.code], None, encoder)
    assert rebuilt is not first and all(u.level_below_accepted for u in rebuilt.units)
