"""Matching services: the catalogue from the database, cached vectors, claims in, results out.

The engine itself (`evc.matching.engine`) knows nothing of Django; this module feeds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from functools import cache, partial
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme
from evc.portfolios.claims import Claim
from evc.portfolios.formats.stated_in_text import sizes_read_from_text

from .engine import fusion, signals
from .engine.encoders import Encoder, EncoderConfigError, get_encoder
from .engine.matcher import MatchIndex, reference_words
from .engine.results import CatalogueOutcome, CatalogueUnit, CredentialInput, MatchResult, PrecedentLookup
from .models import MatchFeedback, OutcomeEmbedding

logger = logging.getLogger("evc.matching")

LEXICAL_MODEL_ID = fusion.LEXICAL_MODEL_ID


class MatchingError(Exception):
    """A matching request that cannot be served; the message is meant for a person."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- encoder and fusion model --------------------------------------------------------------


def current_encoder() -> Encoder | None:
    """The configured encoder (loaded once per process), or None when embeddings are switched off."""
    if not settings.EVC_USE_EMBEDDINGS:
        return None
    try:
        return get_encoder(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
    except EncoderConfigError as exc:
        raise MatchingError(str(exc)) from exc


def fusion_model_for(encoder: Encoder | None) -> fusion.FusionModel:
    return fusion.load_model(encoder.model_id if encoder else LEXICAL_MODEL_ID)


def engine_fingerprint() -> str:
    """Changes when the configured engine may suggest otherwise: another model, refitted weights or
    changed engine code. Read from the settings and files, without loading a model. Stored suggestions are
    re-computed when it changes (`rematch_cases`)."""
    from .engine.encoders import model_name

    if not settings.EVC_USE_EMBEDDINGS:
        name = LEXICAL_MODEL_ID
    else:
        try:
            name = model_name(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
        except EncoderConfigError:  # matching itself reports the configuration error
            name = f"{settings.EVC_EMBEDDING_BACKEND}:{settings.EVC_EMBEDDING_MODEL_PATH}"
    weights = fusion.weights_file_for(name)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest() if weights.is_file() else "no weights"
    return f"{name}|{digest}|code {engine_code_digest()}"


ENGINE_DIR = Path(fusion.__file__).resolve().parent


@cache
def engine_code_digest(folder: Path = ENGINE_DIR) -> str:
    """A hash of the engine's code and word lists (the .py and .txt files of `folder`). A change to
    how the engine scores, explains or advises re-matches open cases even without a refit; a change
    that alters nothing costs one needless re-run per open case, which is cheap and safe."""
    digest = hashlib.sha256()
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.txt")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# --- catalogue -----------------------------------------------------------------------------


def _versions(programme_codes: Sequence[str], academic_year: str | None) -> list[CurriculumVersion]:
    if not programme_codes:
        raise MatchingError("Name at least one programme to match against.")
    versions = []
    for code in dict.fromkeys(programme_codes):
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            raise MatchingError(f"Unknown programme {code!r}.")
        if academic_year:
            version = programme.versions.filter(academic_year=academic_year).first()
        else:
            version = programme.current_version()
        if version is None:
            year = f" for {academic_year}" if academic_year else ""
            raise MatchingError(f"Programme {code!r} has no curriculum version{year}.")
        versions.append(version)
    return versions


def catalogue_load(
    programme_codes: Sequence[str], academic_year: str | None = None
) -> tuple[list[CatalogueOutcome], list[CatalogueUnit], str]:
    """The outcomes and units of the programmes' versions, plus a fingerprint of their content."""
    versions = _versions(programme_codes, academic_year)
    rows = (
        LearningOutcome.objects.filter(unit__version__in=versions)
        .select_related("unit__version__programme")
        .order_by("unit__version__programme__code", "unit__code", "position", "code")
    )
    outcomes: list[CatalogueOutcome] = []
    units: dict[int, CatalogueUnit] = {}
    digest = hashlib.sha256()
    for lo in rows:
        unit = lo.unit
        programme = unit.version.programme.code
        if unit.pk not in units:
            units[unit.pk] = CatalogueUnit(
                reference=f"{programme}/{unit.code}", programme=programme, code=unit.code, name=unit.name,
                name_en=unit.name_en, description=unit.description, ects=float(unit.ects),
                eqf_level=unit.eqf_level, unit_id=unit.pk, level_below_accepted=unit.version.level_below_accepted,
            )
            digest.update(json.dumps([unit.pk, unit.code, unit.name, unit.name_en, unit.description,
                                      str(unit.ects), unit.eqf_level, unit.version.level_below_accepted]).encode())
        refs = lo.framework_refs if isinstance(lo.framework_refs, list) else [str(lo.framework_refs)]
        outcomes.append(
            CatalogueOutcome(
                reference=f"{programme}/{unit.code}/{lo.code}", programme=programme, unit=unit.code, code=lo.code,
                text=lo.text, language=lo.language, framework_refs=signals.split_refs(refs), outcome_id=lo.pk,
            )
        )
        digest.update(json.dumps([lo.pk, lo.code, lo.text, lo.language, refs]).encode())
    return outcomes, list(units.values()), digest.hexdigest()


# --- cached vectors ------------------------------------------------------------------------


def embeddings_for(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Vectors for catalogue texts: from the cache when (model, exact text) was encoded before, else encoded now.

    Rows with another dimension than the model's are ignored (and replaced): nothing stale is used.
    """
    hashes = [text_hash(t) for t in texts]
    wanted = set(hashes)
    found: dict[str, np.ndarray] = {}
    unique = list(wanted)
    for start in range(0, len(unique), 900):  # stay below SQLite's variable limit
        for row in OutcomeEmbedding.objects.filter(model_id=encoder.model_id, text_hash__in=unique[start : start + 900]):
            vector = np.frombuffer(bytes(row.vector), dtype="<f4")
            if row.dimension == encoder.dimension and vector.shape[0] == encoder.dimension:
                found[row.text_hash] = vector
    missing = [(h, t) for h, t in dict(zip(hashes, texts, strict=True)).items() if h not in found]
    if missing:
        vectors = encoder.encode([t for _, t in missing])
        for (h, _), v in zip(missing, vectors, strict=True):
            found[h] = v.astype("<f4")
        with transaction.atomic():
            OutcomeEmbedding.objects.filter(model_id=encoder.model_id, text_hash__in=[h for h, _ in missing]).delete()
            OutcomeEmbedding.objects.bulk_create(
                [OutcomeEmbedding(model_id=encoder.model_id, text_hash=h, dimension=encoder.dimension,
                                  vector=found[h].astype("<f4").tobytes()) for h, _ in missing],
                ignore_conflicts=True,
            )
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.stack([found[h] for h in hashes]).astype(np.float32)


def embeddings_rebuild(*, programme_codes: Sequence[str] | None = None) -> int:
    """Re-encode every catalogue text (and word) for the configured model; returns the number encoded."""
    encoder = current_encoder()
    if encoder is None:
        raise MatchingError("Embeddings are switched off (EVC_USE_EMBEDDINGS=false); nothing to rebuild.")
    codes = list(programme_codes or Programme.objects.values_list("code", flat=True))
    texts: list[str] = []
    for code in codes:
        for version in Programme.objects.get(code=code).versions.all():
            outcomes, units, _ = catalogue_load([code], version.academic_year)
            texts += [o.text for o in outcomes] + [u.context_text() for u in units]
            # The outcomes' content words too (the word-meaning signal reads their vectors).
            texts += MatchIndex(outcomes, units, model_id=encoder.model_id).words
    unique = list(dict.fromkeys([*texts, *reference_words()]))
    hashes = [text_hash(t) for t in unique]
    OutcomeEmbedding.objects.filter(model_id=encoder.model_id, text_hash__in=hashes).delete()
    embeddings_for(encoder, unique)
    _indexes.clear()
    _references.clear()
    return len(unique)


# --- the index, cached per process ---------------------------------------------------------

_indexes: OrderedDict[tuple, MatchIndex] = OrderedDict()
_index_lock = threading.Lock()
_MAX_INDEXES = 8
_references: dict[str, np.ndarray] = {}  # model id -> vectors of the reference vocabulary


def reference_vectors(encoder: Encoder) -> np.ndarray:
    """The reference vocabulary's vectors for this model (word hubness, see the matcher), once per process."""
    vectors = _references.get(encoder.model_id)
    if vectors is None:
        vectors = _references[encoder.model_id] = embeddings_for(encoder, list(reference_words()))
    return vectors


def index_for(
    programme_codes: Sequence[str], academic_year: str | None = None, encoder: Encoder | None = None
) -> MatchIndex:
    outcomes, units, fingerprint = catalogue_load(programme_codes, academic_year)
    if not outcomes:
        raise MatchingError("The chosen programmes have no learning outcomes to match against.")
    model_id = encoder.model_id if encoder else LEXICAL_MODEL_ID
    key = (fingerprint, model_id)
    with _index_lock:
        if key in _indexes:
            _indexes.move_to_end(key)
            return _indexes[key]
    outcome_vectors = unit_vectors = None
    if encoder is not None:
        outcome_vectors = embeddings_for(encoder, [o.text for o in outcomes])
        unit_vectors = embeddings_for(encoder, [u.context_text() for u in units])
    index = MatchIndex(outcomes, units, model_id=model_id, outcome_vectors=outcome_vectors, unit_vectors=unit_vectors,
                       encode_words=None if encoder is None else partial(embeddings_for, encoder),
                       hub_reference=None if encoder is None else reference_vectors(encoder))
    with _index_lock:
        _indexes[key] = index
        while len(_indexes) > _MAX_INDEXES:
            _indexes.popitem(last=False)
    return index


# --- claims --------------------------------------------------------------------------------


def achievement_key(claim: Claim) -> str:
    """'issuer|achievement': the same badge class across applicants; '' when the credential has no id."""
    if not claim.achievement_id:
        return ""
    issuer = claim.issuer.id or claim.issuer.url or claim.issuer.name
    return f"{issuer.strip().lower()}|{claim.achievement_id.strip()}"


def _as_float(value: Decimal | float | None) -> float | None:
    return float(value) if value is not None else None


def credential_input(claim: Claim, *, verified: bool | None = None) -> CredentialInput:
    issued = claim.issued_on or claim.valid_from
    level = claim.eqf_level if claim.eqf_level is not None else claim.nlqf_level
    return CredentialInput(
        text=claim.matching_text(),
        title=claim.title,
        language=(claim.language or "").lower()[:2],
        alignment_refs=tuple(r for a in claim.alignments for r in (a.target_code, a.target_url) if r),
        eqf_level=level,
        ects=signals.credential_ects(_as_float(claim.ects), _as_float(claim.hours)),
        issued_on=issued.date() if isinstance(issued, dt.datetime) else issued,
        verified=verified,
        achievement_key=achievement_key(claim),
        read_from_text=sizes_read_from_text(claim),
    )


def match_inputs(
    inputs: Sequence[CredentialInput],
    programme_codes: Sequence[str],
    *,
    top_k: int = 10,
    academic_year: str | None = None,
    precedents: PrecedentLookup | None = None,
    max_age_years: float | None = None,
    today: dt.date | None = None,
) -> list[MatchResult]:
    encoder = current_encoder()
    index = index_for(programme_codes, academic_year, encoder)
    model = fusion_model_for(encoder)
    return index.match_many(list(inputs), model, encoder, top_k=top_k, precedents=precedents, today=today,
                            max_age_years=max_age_years)


def match_claim(
    claim: Claim,
    programme_codes: Sequence[str],
    *,
    top_k: int = 10,
    academic_year: str | None = None,
    verified: bool | None = None,
    precedents: PrecedentLookup | None = None,
    max_age_years: float | None = None,
    today: dt.date | None = None,
) -> MatchResult:
    return match_claims([claim], programme_codes, top_k=top_k, academic_year=academic_year,
                        verified=[verified], precedents=precedents, max_age_years=max_age_years, today=today)[0]


def match_claims(
    claims: Sequence[Claim],
    programme_codes: Sequence[str],
    *,
    top_k: int = 10,
    academic_year: str | None = None,
    verified: Sequence[bool | None] | None = None,
    precedents: PrecedentLookup | None = None,
    max_age_years: float | None = None,
    today: dt.date | None = None,
) -> list[MatchResult]:
    flags = list(verified) if verified is not None else [None] * len(claims)
    if len(flags) != len(claims):
        raise MatchingError("Give one verification status per claim.")
    inputs = [credential_input(c, verified=v) for c, v in zip(claims, flags, strict=True)]
    return match_inputs(inputs, programme_codes, top_k=top_k, academic_year=academic_year, precedents=precedents,
                        max_age_years=max_age_years, today=today)


def match_texts(
    texts: Sequence[str], programme_codes: Sequence[str], *, top_k: int = 10, academic_year: str | None = None
) -> list[MatchResult]:
    unique = list(dict.fromkeys(texts))
    inputs = [CredentialInput(text=t, title=t.strip().splitlines()[0][:200] if t.strip() else "") for t in unique]
    results = dict(zip(unique, match_inputs(inputs, programme_codes, top_k=top_k, academic_year=academic_year),
                       strict=True))
    return [results[t] for t in texts]


# --- feedback ------------------------------------------------------------------------------


def feedback_record(
    *,
    outcome: LearningOutcome,
    achievement_key: str,
    claim_text: str,
    accepted: bool,
    reviewer=None,
    score: float | None = None,
) -> MatchFeedback:
    """Store an assessor's accept/reject of a suggested outcome as a labelled example."""
    return MatchFeedback.objects.create(
        outcome=outcome, achievement_key=achievement_key[:500], claim_text_hash=text_hash(claim_text),
        claim_text=claim_text, accepted=accepted, reviewer=reviewer, score=score,
    )
