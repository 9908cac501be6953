"""Benchmark: credential intake (parse, normalise, verify) per format, offline.

    .venv/bin/python bench/portfolio_intake.py [--repeat 5]

Inspects generated credentials of every signed format (keys made in this run) with remote fetching
switched off, and prints the median wall time per format next to a reference measured in the same
run: `json.loads` + SHA-256 of the same bytes (the least any importer must do). It also times our
work-bounded RDF canonicalisation against PyLD's own `normalize` on the same document, to show what
the poison-graph guard costs. Ratios are the steadier figure on a busy machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median_ms(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evc.settings")
    os.environ["EVC_FETCH_REMOTE"] = "false"
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from pyld import jsonld as pyld

    from evc.lib import jsonld
    from evc.portfolios.intake import inspect_credential
    from tests.portfolios import fixtures as fx

    rsa_key, ed_key = fx.rsa_key(), ed25519.Ed25519PrivateKey.generate()
    docs = fx.ob2_documents()
    hosted = dict(docs["assertion"], verification={"type": "hosted"}, badge=dict(docs["badge"], issuer=docs["issuer"]))
    credential = fx.ob3_credential()
    signed = fx.sign_di(credential, ed_key)
    jwt = fx.sign_jws(credential, rsa_key, {"jwk": fx.jwk(rsa_key)})
    samples = {
        "ob2 (hosted JSON)": (json.dumps(hosted).encode(), "b.json"),
        "ob2-signed (JWS)": (fx.sign_jws(docs["assertion"], rsa_key).encode(), "b.jws"),
        "ob3 (Data Integrity)": (json.dumps(signed).encode(), "b.json"),
        "ob3-jwt (VC-JWT)": (jwt.encode(), "b.jwt"),
        "baked-png (OB 3.0 JWT)": (fx.baked_png("openbadgecredential", jwt), "b.png"),
        "baked-svg (OB 3.0 JSON)": (fx.baked_svg(3, text=json.dumps(signed)), "b.svg"),
    }
    print(f"{'format':26} {'median ms':>10} {'reference ms':>13} {'ratio':>8}")
    for name, (data, filename) in samples.items():
        result = inspect_credential(data, filename)
        assert result.error is None, (name, result.error)
        took = _median_ms(lambda d=data, f=filename: inspect_credential(d, f), args.repeat)
        reference = _median_ms(lambda d=data: (hashlib.sha256(d).hexdigest(), d.strip()[:1] == b"{" and json.loads(d)), args.repeat)
        print(f"{name:26} {took:10.2f} {reference:13.3f} {took / max(reference, 1e-6):8.0f}")
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    ours = _median_ms(lambda: jsonld.canonize(unsigned), args.repeat)
    theirs = _median_ms(
        lambda: pyld.normalize(unsigned, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": jsonld.document_loader}),
        args.repeat,
    )
    assert jsonld.canonize(unsigned) == pyld.normalize(unsigned, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": jsonld.document_loader})
    print(f"\nbounded canonicalisation {ours:.2f} ms vs PyLD normalize {theirs:.2f} ms (ratio {ours / theirs:.2f}); output identical")

    # Sizes stated in the text (formats/stated_in_text.py) are read while the applicant waits: a field
    # of MAX_CHARS full of figures must cost about what an ordinary field of that length does, not its square.
    import re

    from evc.portfolios.claims import Claim
    from evc.portfolios.formats.stated_in_text import MAX_CHARS, complete_from_text

    ordinary = ("Deze leergang van tien dagdelen (ongeveer 140 uur studiebelasting) behandelt het vak in de praktijk. " * 400)[:MAX_CHARS]
    texts = {"ordinary text": ordinary, "text full of figures": ("5 uur " * 4000)[:MAX_CHARS],
             "figures with rates": ("5 uur per week " * 2000)[:MAX_CHARS]}
    print(f"\n{'sizes stated in the text':26} {'median ms':>10} {'reference ms':>13} {'ratio':>8}   (reference: one scan for numbers)")
    for name, text in texts.items():
        took = _median_ms(lambda t=text: complete_from_text(Claim(title="x", description=t)), args.repeat)
        reference = _median_ms(lambda t=text: re.findall(r"\d+", t), args.repeat)
        print(f"{name + f' ({len(text)} chars)':26} {took:10.2f} {reference:13.3f} {took / max(reference, 1e-6):8.0f}")


if __name__ == "__main__":
    main()
