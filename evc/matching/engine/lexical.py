"""Lexical signals over the outcome catalogue: BM25 term weighting and rapidfuzz similarity.

The index is a sparse (terms x outcomes) matrix, so scoring a credential against 10,000
outcomes is one sparse product, not a Python loop.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from . import text as textmod

K1 = 1.2
B = 0.75
TOKEN_BLOCK = 256  # query tokens marked at once in group_term_share (256 x 10,000 units = 2.5 MB)


class LexicalIndex:
    def __init__(self, documents: Sequence[str], languages: Sequence[str]) -> None:
        self.doc_terms: list[list[str]] = [textmod.terms(d, lang) for d, lang in zip(documents, languages, strict=True)]
        # The surface word behind each stem, for readable "shared terms" in explanations.
        self.surface: list[dict[str, str]] = []
        for d, lang in zip(documents, languages, strict=True):
            lang = lang if lang in textmod.LANGUAGES else "en"
            forms: dict[str, str] = {}
            for tok in textmod.content_tokens(d):
                forms.setdefault(textmod.stem(tok, lang), tok)
            self.surface.append(forms)
        self.vocabulary: dict[str, int] = {}
        for doc in self.doc_terms:
            for term in doc:
                self.vocabulary.setdefault(term, len(self.vocabulary))
        n_docs = len(self.doc_terms)
        df = Counter(term for doc in self.doc_terms for term in set(doc))
        self.idf = np.zeros(len(self.vocabulary), dtype=np.float32)
        for term, idx in self.vocabulary.items():
            self.idf[idx] = math.log(1 + (n_docs - df[term] + 0.5) / (df[term] + 0.5))
        lengths = np.array([len(doc) for doc in self.doc_terms], dtype=np.float32)
        avgdl = float(lengths.mean()) if n_docs else 1.0
        rows, cols, bm25_vals, cov_vals = [], [], [], []
        for j, doc in enumerate(self.doc_terms):
            counts = Counter(doc)
            idf_mass = sum(self.idf[self.vocabulary[t]] for t in counts) or 1.0
            norm = K1 * (1 - B + B * (lengths[j] / avgdl if avgdl else 1.0))
            for term, tf in counts.items():
                i = self.vocabulary[term]
                rows.append(i)
                cols.append(j)
                bm25_vals.append(self.idf[i] * tf * (K1 + 1) / (tf + norm))
                cov_vals.append(self.idf[i] / idf_mass)
        shape = (len(self.vocabulary), n_docs)
        self._bm25 = sparse.csr_matrix((bm25_vals, (rows, cols)), shape=shape, dtype=np.float32)
        self._coverage = sparse.csr_matrix((cov_vals, (rows, cols)), shape=shape, dtype=np.float32)
        self._bm25.sort_indices()
        self._coverage.sort_indices()
        # Both matrices share one sparsity pattern (same (term, outcome) pairs, same order).
        assert np.array_equal(self._bm25.indices, self._coverage.indices)

    def group_term_share(self, token_stems: list[set[str]], group_of_doc: np.ndarray, n_groups: int) -> np.ndarray:
        """Per group of outcomes (a unit): the share of the query's content tokens that occur in the group."""
        if not token_stems:
            return np.zeros(n_groups, dtype=np.float32)
        if self.__dict__.get("_group_key") != id(group_of_doc):
            incidence = sparse.csr_matrix(
                (np.ones(len(group_of_doc), dtype=np.float32), (np.arange(len(group_of_doc)), group_of_doc)),
                shape=(len(group_of_doc), n_groups),
            )
            self._term_group = ((self._bm25 @ incidence) > 0).astype(np.float32).tocsr()
            self._term_group.sort_indices()
            self._group_key = id(group_of_doc)
        token_of, term_ids = [], []
        for i, forms in enumerate(token_stems):
            for t in {self.vocabulary[s] for s in forms if s in self.vocabulary}:
                token_of.append(i)
                term_ids.append(t)
        if not term_ids:
            return np.zeros(n_groups, dtype=np.float32)
        # (token, group) pairs through the terms' rows; a group counts a token once, whichever form hit.
        # Marked in a token x group table, a block of tokens at a time so a long evidence text stays small.
        positions, owner = gather_rows(self._term_group.indptr, np.array(term_ids, dtype=np.int64))
        tokens, groups = np.array(token_of, dtype=np.int64)[owner], self._term_group.indices[positions]
        counts = np.zeros(n_groups, dtype=np.int64)
        for start in range(0, len(token_stems), TOKEN_BLOCK):
            chosen = (tokens >= start) & (tokens < start + TOKEN_BLOCK)
            if chosen.any():
                hits = np.zeros((TOKEN_BLOCK, n_groups), dtype=bool)
                hits[tokens[chosen] - start, groups[chosen]] = True
                counts += hits.sum(axis=0)
        return counts.astype(np.float32) / len(token_stems)

    def scores(self, stems: set[str]) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, IDF-weighted share of the outcome's terms found in the credential) per outcome."""
        n = self._bm25.shape[1]
        ids = [self.vocabulary[s] for s in stems if s in self.vocabulary]
        if not ids:
            return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
        # Sum the query terms' rows directly (faster than a sparse product for a short query).
        positions, _ = gather_rows(self._bm25.indptr, np.array(ids, dtype=np.int64))
        cols = self._bm25.indices[positions]
        bm25 = np.bincount(cols, weights=self._bm25.data[positions], minlength=n).astype(np.float32)
        coverage = np.bincount(cols, weights=self._coverage.data[positions], minlength=n).astype(np.float32)
        return bm25, np.clip(coverage, 0.0, 1.0)

    def shared_terms(self, j: int, stems: set[str], limit: int = 6) -> list[str]:
        """The outcome's own words that the credential also uses, rarest first."""
        found = {t for t in self.doc_terms[j] if t in stems}
        ranked = sorted(found, key=lambda t: (-self.idf[self.vocabulary[t]], t))  # ties by name: the same order every run
        return [self.surface[j].get(t, t) for t in ranked[:limit]]


def gather_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the stored entries of CSR `rows` (in row order), and which of `rows` each came from.

    One vectorised gather instead of a Python loop of slices or scipy's fancy indexing."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    # Within each row: start + 0, 1, ..., length - 1.
    first = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) - np.repeat(first, lengths) + np.repeat(starts, lengths)
    return positions.astype(np.int64), owner
