"""Score fusion: a logistic regression over the signals, weights versioned as JSON per embedding model.

Each weights file (`evc/matching/weights/<model>.json`) holds the feature names, the
coefficients and bias, the "possible" and "strong" thresholds on the fused score, and
the unit-suggestion parameters, together with where they were fitted (the dev split of
the gold set only) and the dev figures at fitting time. `evaluate_matching --fit`
writes a new file; nothing else changes the weights.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"

# Order matters: it is the column order of the feature matrix.
FEATURES = (
    "sem_best",  # best cosine between one credential sentence and the outcome
    "sem_doc",  # cosine between the whole credential text and the outcome
    "sem_top2",  # mean of the two best sentence cosines (several sentences agreeing)
    "unit_sem",  # best cosine between the credential and the unit's names/description
    "sem_gap",  # sem_best minus the credential's best sem_best over the catalogue (<= 0)
    "lex_cov",  # IDF-weighted share of the outcome's terms found in the credential
    "bm25_rel",  # BM25 score relative to the credential's best BM25 score
    "lex_gap",  # lex_cov minus the credential's best lex_cov (<= 0)
    "fuzzy",  # rapidfuzz token-set ratio, best sentence vs outcome
    "align",  # framework alignment on this outcome, weighted by how specific the reference is
    "align_unit",  # a framework alignment on another outcome of the same unit
    "cross",  # 1 when credential and outcome are in different languages
    "cross_sem",  # cross * sem_best: across languages the meaning has to carry the match
    "unit_max_sem",  # best sem_best among the unit's outcomes: evidence clusters per unit
    "unit_max_lex",  # best lex_cov among the unit's outcomes
    "sem_rank",  # 1 / (1 + rank by sem_best over the catalogue)
    "lex_rank",  # 1 / (1 + rank by lex_cov over the catalogue)
    "unit_support",  # share of the credential's sentences whose closest outcome lies in this unit
    "unit_terms",  # share of the credential's content words that occur in this unit's outcomes
    "cred_fit",  # mean over the credential's sentences of their best cosine with any outcome
    "sem_gap_lang",  # sem_best minus the best sem_best among outcomes in the same language (<= 0)
)

# Credential-level features of the gate ("does this credential evidence anything here at all?"),
# read from the best-scoring candidate.
GATE_FEATURES = ("top_logit", "cred_fit", "unit_support", "unit_terms", "sem_best", "lex_cov", "cross", "sem_doc", "unit_sem")

# Display names in explanations.
FEATURE_LABELS = {
    "en": {
        "sem_best": "best sentence meaning",
        "sem_doc": "overall meaning",
        "sem_top2": "supporting sentences",
        "unit_sem": "unit topic",
        "sem_gap": "meaning vs best match",
        "lex_cov": "shared terms",
        "bm25_rel": "term weight (BM25)",
        "lex_gap": "terms vs best match",
        "fuzzy": "wording (fuzzy)",
        "align": "framework alignment",
        "align_unit": "alignment with this unit",
        "cross": "across languages",
        "cross_sem": "meaning across languages",
        "unit_max_sem": "unit's best meaning match",
        "unit_max_lex": "unit's best term match",
        "sem_rank": "rank by meaning",
        "lex_rank": "rank by terms",
        "unit_support": "sentences pointing to this unit",
        "unit_terms": "credential words found in this unit",
        "cred_fit": "credential fits the catalogue",
        "sem_gap_lang": "meaning vs best match in that language",
    },
    "nl": {
        "sem_best": "betekenis beste zin",
        "sem_doc": "betekenis geheel",
        "sem_top2": "ondersteunende zinnen",
        "unit_sem": "onderwerp eenheid",
        "sem_gap": "betekenis t.o.v. beste match",
        "lex_cov": "gedeelde termen",
        "bm25_rel": "termgewicht (BM25)",
        "lex_gap": "termen t.o.v. beste match",
        "fuzzy": "formulering (fuzzy)",
        "align": "kaderkoppeling",
        "align_unit": "koppeling met deze eenheid",
        "cross": "over talen heen",
        "cross_sem": "betekenis over talen heen",
        "unit_max_sem": "beste betekenismatch in eenheid",
        "unit_max_lex": "beste termmatch in eenheid",
        "sem_rank": "rang op betekenis",
        "lex_rank": "rang op termen",
        "unit_support": "zinnen die naar deze eenheid wijzen",
        "unit_terms": "woorden van het bewijsstuk in deze eenheid",
        "cred_fit": "bewijsstuk past bij de catalogus",
        "sem_gap_lang": "betekenis t.o.v. beste match in die taal",
    },
}


@dataclass
class UnitRule:
    """When a unit's coverage becomes an exemption suggestion. A false exemption is the costly error."""

    strong_credit: float = 1.0  # coverage credit of an outcome at or above "strong"
    possible_credit: float = 0.5  # ... at or above "possible"
    exemption_coverage: float = 0.8  # share of the unit's outcomes that must be evidenced
    min_level_fit: float = 0.5  # when the credential states a level
    min_workload_fit: float = 0.5  # when the credential states a workload
    require_level_or_workload: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FusionModel:
    model_id: str
    weights: np.ndarray
    bias: float
    possible: float
    strong: float
    # A credential whose best outcome scores below `gate` evidences nothing in the catalogue:
    # keyword traps and lay-level courses are rejected as a whole, not outcome by outcome.
    gate: float = 0.0
    # Logistic gate over GATE_FEATURES; `gate` is the threshold on its probability. Without
    # gate weights the gate applies to the best outcome's score instead.
    gate_weights: np.ndarray | None = None
    gate_bias: float = 0.0
    features: tuple[str, ...] = FEATURES
    unit_rule: UnitRule = field(default_factory=UnitRule)
    meta: dict[str, Any] = field(default_factory=dict)

    def logits(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights + self.bias

    def scores(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(X)))

    def gate_probability(self, X: np.ndarray) -> float:
        """Probability that the credential (its candidates X, best first) evidences anything at all."""
        if not len(X):
            return 0.0
        top = X[0]
        if self.gate_weights is None:
            return float(self.scores(top[None, :])[0])
        col = {name: i for i, name in enumerate(self.features)}
        values = np.array([float(self.logits(top[None, :])[0]) if name == "top_logit" else float(top[col[name]])
                           for name in GATE_FEATURES], dtype=np.float64)
        return sigmoid(float(values @ self.gate_weights + self.gate_bias))

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        return {name: float(w * v) for name, w, v in zip(self.features, self.weights, x, strict=True) if w * v}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(float(self.bias), 6),
            "thresholds": {"possible": float(self.possible), "strong": float(self.strong), "gate": float(self.gate)},
            "gate": None if self.gate_weights is None else {
                "features": list(GATE_FEATURES),
                "weights": [round(float(w), 6) for w in self.gate_weights],
                "bias": round(float(self.gate_bias), 6),
            },
            "unit_rule": self.unit_rule.to_dict(),
            **self.meta,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FusionModel:
        names = tuple(data["features"])
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"weights file uses unknown features: {sorted(unknown)}")
        # Map onto the engine's feature order; features the file lacks get weight 0.
        by_name = dict(zip(names, data["weights"], strict=True))
        weights = np.array([by_name.get(n, 0.0) for n in FEATURES], dtype=np.float32)
        meta = {k: v for k, v in data.items()
                if k not in {"model_id", "features", "weights", "bias", "thresholds", "unit_rule", "gate"}}
        gate = data.get("gate")
        if gate and list(gate["features"]) != list(GATE_FEATURES):
            raise ValueError("weights file uses other gate features than this engine")
        return cls(
            model_id=data["model_id"],
            weights=weights,
            bias=float(data["bias"]),
            possible=float(data["thresholds"]["possible"]),
            strong=float(data["thresholds"]["strong"]),
            gate=float(data["thresholds"].get("gate", 0.0)),
            unit_rule=UnitRule(**data.get("unit_rule", {})),
            gate_weights=None if not gate else np.array(gate["weights"], dtype=np.float64),
            gate_bias=float(gate["bias"]) if gate else 0.0,
            meta=meta,
        )


def weights_file_for(model_id: str) -> Path:
    """`use-multilingual-v3@0.2.1` -> weights/use-multilingual-v3.json (the version lives inside)."""
    stem = model_id.split("@", 1)[0].replace(":", "-").replace("/", "-")
    return WEIGHTS_DIR / f"{stem}.json"


def hand_set(model_id: str) -> FusionModel:
    """Reasonable weights before any fitting: meaning first, terms second, alignment as strong evidence."""
    by_name = {
        "sem_best": 6.0, "sem_doc": 2.0, "sem_top2": 1.0, "unit_sem": 1.5, "sem_gap": 4.0,
        "lex_cov": 3.0, "bm25_rel": 0.5, "lex_gap": 1.0, "fuzzy": 0.5, "align": 4.0, "align_unit": 1.0,
        "cross": 0.0, "cross_sem": 1.5, "unit_max_sem": 1.0, "unit_max_lex": 0.5, "sem_rank": 1.0, "lex_rank": 0.5,
        "unit_support": 1.0, "unit_terms": 1.0, "cred_fit": 2.0, "sem_gap_lang": 2.0,
    }
    weights = np.array([by_name[n] for n in FEATURES], dtype=np.float32)
    return FusionModel(model_id=model_id, weights=weights, bias=-6.0, possible=0.5, strong=0.75,
                       meta={"fitted_on": "hand-set defaults (not fitted)"})


def load_model(model_id: str) -> FusionModel:
    """The weights file for this embedding model; hand-set defaults when none was fitted yet."""
    path = weights_file_for(model_id)
    if path.exists():
        return FusionModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return hand_set(model_id)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
