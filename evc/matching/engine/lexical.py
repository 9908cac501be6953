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

    def group_term_share(self, token_stems: list[set[str]], group_of_doc: np.ndarray, n_groups: int,
                         groups: np.ndarray) -> np.ndarray:
        """For each of `groups` (groups of outcomes, e.g. units): the share of the query's content
        tokens that occur in the group. Only the groups asked for are computed: the candidates' units,
        not the whole catalogue's."""
        if not token_stems or not len(groups):
            return np.zeros(len(groups), dtype=np.float32)
        if self.__dict__.get("_group_key") != id(group_of_doc):
            incidence = sparse.csr_matrix(
                (np.ones(len(group_of_doc), dtype=np.float32), (group_of_doc, np.arange(len(group_of_doc)))),
                shape=(n_groups, len(group_of_doc)),
            )
            self._group_terms = ((incidence @ self._bm25.T) > 0).tocsr()  # group x term: the group uses the term
            self._group_key = id(group_of_doc)
        # The query as (term, token) pairs sorted by term; a token has a stem per language, so a term
        # may come from several tokens and a token from several terms.
        pairs = sorted({(self.vocabulary[s], i) for i, forms in enumerate(token_stems) for s in forms
                        if s in self.vocabulary})
        if not pairs:
            return np.zeros(len(groups), dtype=np.float32)
        query_terms, query_tokens = np.array(pairs, dtype=np.int64).T
        # Each group's terms, and the run of query pairs holding that term.
        positions, owner = gather_rows(self._group_terms.indptr, np.asarray(groups, dtype=np.int64))
        terms = self._group_terms.indices[positions]
        first = np.searchsorted(query_terms, terms, side="left")
        runs = np.searchsorted(query_terms, terms, side="right") - first
        hit = runs > 0
        owner, first, runs = owner[hit], first[hit], runs[hit]
        pair_index = np.repeat(first - (np.cumsum(runs) - runs), runs) + np.arange(int(runs.sum()))
        # A group counts a token once, whichever of its forms (or terms) hit: marked in a group x token
        # table (a few hundred candidate units by a few hundred tokens at most).
        found = np.zeros((len(groups), len(token_stems)), dtype=bool)
        found[np.repeat(owner, runs), query_tokens[pair_index]] = True
        return (found.sum(axis=1) / len(token_stems)).astype(np.float32)

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
