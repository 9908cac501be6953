"""Matching speed: warm single-credential latency and batch throughput vs encode-only, same model, same run.

    .venv/bin/python bench/matching_speed.py [--outcomes 10000] [--credentials 1000] [--backend use] [--rounds 3]
                                             [--in-turn]

Builds a synthetic catalogue (Dutch and English outcomes, 5 per unit) and synthetic credentials,
then measures with the pure engine (`evc.matching.engine`, no database):
1. warm single-credential match latency, p50 / p95 (target: p95 <= 50 ms);
2. a batch of N credentials through one `MatchIndex.match_many` call (which encodes the next chunk
   while it matches the current one);
3. encode-only throughput of the same encoder on exactly the texts the batch encodes;
and prints batch / encode-only (target: >= 0.70), alternating the two for --rounds rounds (with
--in-turn, each round also times the batch without the overlap); then
4. the matching work alone (given the encoder's output), to show where the batch's time goes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evc.matching.engine.encoders import Encoder, get_encoder
from evc.matching.engine.fusion import load_model
from evc.matching.engine.matcher import MatchIndex, prepare
from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit, CredentialInput

EN_VERBS = ["designs", "implements", "analyses", "evaluates", "documents", "tests", "plans", "advises on", "improves", "explains"]
EN_OBJECTS = ["a relational database", "a cloud architecture", "a care plan", "a lesson series", "a risk assessment",
              "a REST API", "a business process model", "an insurance claim", "a test strategy", "a privacy impact assessment",
              "a marketing plan", "a network topology", "a financial report", "a user interface", "a CI/CD pipeline"]
EN_CONTEXTS = ["for a client organisation", "in a multidisciplinary team", "according to professional standards",
               "using current research", "within legal constraints", "for a small business", "in a hospital ward"]
NL_VERBS = ["ontwerpt", "implementeert", "analyseert", "evalueert", "documenteert", "test", "plant", "adviseert over", "verbetert", "legt uit"]
NL_OBJECTS = ["een relationele database", "een cloudarchitectuur", "een zorgplan", "een lessenreeks", "een risicoanalyse",
              "een REST-API", "een bedrijfsprocesmodel", "een schadeclaim", "een teststrategie", "een privacy-effectbeoordeling",
              "een marketingplan", "een netwerktopologie", "een financieel verslag", "een gebruikersinterface", "een CI/CD-pijplijn"]
NL_CONTEXTS = ["voor een opdrachtgever", "in een multidisciplinair team", "volgens de beroepsstandaard",
               "met actueel onderzoek", "binnen wettelijke kaders", "voor een mkb-bedrijf", "op een verpleegafdeling"]


def catalogue(n_outcomes: int, rng: random.Random) -> tuple[list[CatalogueOutcome], list[CatalogueUnit]]:
    outcomes, units = [], []
    for u in range((n_outcomes + 4) // 5):
        nl = u % 2 == 0
        code = f"U{u:05d}"
        units.append(CatalogueUnit(f"SYN/{code}", "SYN", code, f"Eenheid {u}" if nl else f"Unit {u}", 5.0, 6,
                                   name_en=f"Unit {u}", description=""))
        for k in range(5):
            if len(outcomes) >= n_outcomes:
                break
            verbs, objects, contexts = (NL_VERBS, NL_OBJECTS, NL_CONTEXTS) if nl else (EN_VERBS, EN_OBJECTS, EN_CONTEXTS)
            subject = "De student" if nl else "The student"
            text = f"{subject} {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(contexts)} (variant {u}.{k})."
            outcomes.append(CatalogueOutcome(f"SYN/{code}/LO{k}", "SYN", code, f"LO{k}", text, "nl" if nl else "en"))
    return outcomes, units


def credentials(n: int, rng: random.Random) -> list[CredentialInput]:
    out = []
    for i in range(n):
        nl = i % 3 == 0
        verbs, objects, contexts = (NL_VERBS, NL_OBJECTS, NL_CONTEXTS) if nl else (EN_VERBS, EN_OBJECTS, EN_CONTEXTS)
        holder = "De deelnemer" if nl else "The holder"
        title = f"Certificate {i}: {rng.choice(objects)}"
        sentences = [f"{holder} {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(contexts)}." for _ in range(4)]
        out.append(CredentialInput(text="\n".join([title, *sentences]), title=title, language="nl" if nl else "en"))
    return out


class InTurn:
    """The same encoder without its single-threaded twin: a batch then encodes and matches in turn."""

    def __init__(self, encoder: Encoder) -> None:
        self.model_id, self.dimension, self.encode = encoder.model_id, encoder.dimension, encoder.encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outcomes", type=int, default=10_000)
    parser.add_argument("--credentials", type=int, default=1_000)
    parser.add_argument("--single", type=int, default=200, help="credentials timed one by one")
    parser.add_argument("--backend", default="use")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of encode-only and batch")
    parser.add_argument("--in-turn", action="store_true",
                        help="each round also times the batch encoding and matching in turn, without the overlap")
    args = parser.parse_args()
    rng = random.Random(42)

    started = time.perf_counter()
    encoder = get_encoder(args.backend, os.environ.get("EVC_EMBEDDING_MODEL_PATH", ""))
    encoder.encode(["warm-up"])  # the model loads lazily, on first use
    print(f"model {encoder.model_id} loaded in {time.perf_counter() - started:.1f} s")
    outcomes, units = catalogue(args.outcomes, rng)
    started = time.perf_counter()
    outcome_vectors = encoder.encode([o.text for o in outcomes])
    unit_vectors = encoder.encode([u.context_text() for u in units])
    index = MatchIndex(outcomes, units, model_id=encoder.model_id, outcome_vectors=outcome_vectors, unit_vectors=unit_vectors,
                       encode_words=encoder.encode)
    print(f"catalogue: {len(outcomes)} outcomes, {len(units)} units, indexed in {time.perf_counter() - started:.1f} s (one-off; cached in the database in the app)")
    model = load_model(encoder.model_id)
    creds = credentials(args.credentials, rng)

    # 1. Warm single-credential latency.
    for c in creds[:10]:
        index.match_many([c], model, encoder)
    latencies, encode_latencies = [], []
    for c in creds[: args.single]:
        texts = prepare(c).texts_to_encode()
        t = time.perf_counter()
        encoder.encode(texts)
        encode_latencies.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.match_many([c], model, encoder)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    encode_latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"warm single credential ({len(latencies)} runs): p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 <= 50 ms); "
          f"encoding its texts alone: p50 {statistics.median(encode_latencies):.1f} ms, "
          f"p95 {encode_latencies[int(0.95 * (len(encode_latencies) - 1))]:.1f} ms")

    # 2 and 3. Batch through the engine vs encode-only of exactly the texts the batch encodes (in the
    # encoder's own chunks of 64 credentials). The batch is one `match_many` call, as the application
    # makes it: it overlaps encoding the next chunk with matching this one. The two alternate, round by
    # round, so a machine that gets busier slows both alike; each round's ratio is printed too.
    batch_seconds = encode_seconds = 0.0
    suggested = 0
    ratios: list[float] = []
    chunks = [[s for c in creds[i : i + 64] for s in prepare(c).texts_to_encode()] for i in range(0, len(creds), 64)]
    n_texts = sum(len(texts) for texts in chunks)
    for round_ in range(args.rounds):
        t = time.perf_counter()
        for texts in chunks:
            encoder.encode(texts)
        encoded = time.perf_counter() - t
        t = time.perf_counter()
        results = index.match_many(creds, model, encoder, chunk=64)
        matched = time.perf_counter() - t
        line = f"  round {round_ + 1}: encode-only {encoded:.2f} s, batch {matched:.2f} s, ratio {encoded / matched:.2f}"
        if args.in_turn:
            t = time.perf_counter()
            index.match_many(creds, model, InTurn(encoder), chunk=64)
            in_turn = time.perf_counter() - t
            line += f"; in turn {in_turn:.2f} s, so the overlap is {in_turn / matched:.2f}x as fast"
        print(line)
        ratios.append(encoded / matched)
        encode_seconds += encoded
        batch_seconds += matched
        suggested = sum(len(r.outcomes) for r in results)
    # 4. Where the batch's time goes: the matching work alone, given the encoder's output (the
    # cosine products against the catalogue, then scoring and building the results).
    product_seconds = scoring_seconds = 0.0
    for i in range(0, len(creds), 64):
        prepared = [prepare(c) for c in creds[i : i + 64]]
        encoded = index.encode_prepared(prepared, encoder)
        t = time.perf_counter()
        outcome_sims, unit_sims = index.similarities(np.vstack(encoded))
        product_seconds += time.perf_counter() - t
        t = time.perf_counter()
        offset = 0
        for p, vectors in zip(prepared, encoded, strict=True):
            rows = slice(offset, offset + len(vectors))
            offset += len(vectors)
            index.result(index.score(p, vectors, model, (outcome_sims[rows], unit_sims[rows])), model)
        scoring_seconds += time.perf_counter() - t
    batch_rate = args.rounds * len(creds) / batch_seconds
    encode_rate = args.rounds * len(creds) / encode_seconds
    print(f"batch of {len(creds)} credentials: {batch_rate:.1f} credentials/s over {args.rounds} rounds ({suggested} suggestions each)")
    print(f"encode-only, same {n_texts} texts: {encode_rate:.1f} credentials/s")
    # The median round: one round in which something else ran says little about the engine.
    print(f"ratio batch / encode-only: {statistics.median(ratios):.2f}, the median of {args.rounds} rounds "
          f"(over all rounds {batch_rate / encode_rate:.2f}; target >= 0.70)")
    per = 1000 / len(creds)
    print(f"per credential: encoding {encode_seconds * per / args.rounds:.2f} ms; matching alone {(product_seconds + scoring_seconds) * per:.2f} ms "
          f"(cosine products {product_seconds * per:.2f} ms, scoring and results {scoring_seconds * per:.2f} ms)")
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
