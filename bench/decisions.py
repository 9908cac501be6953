"""Benchmark: render and sign N decision letters (default 200), as the signing task does.

    .venv/bin/python bench/decisions.py [--decisions 200] [--with-report] [--seed 7]

Snapshots vary like real decisions (1-6 units of 2-6 outcomes, three in ten in English).
Key material is generated in a temporary directory, so var/ is not touched. Prints the
per-decision time of render + sign (target: under 1 s) next to the render-only time of the
same snapshots measured in the same run, plus verification of each signed letter. Wall time
depends on what else the machine runs; CPU time (process) is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

WORDS = (
    "analyseert ontwerpt realiseert test documenteert adviseert beveiligt automatiseert evalueert "
    "presenteert een schaalbare toegankelijke webapplicatie infrastructuur datamodel met aandacht voor "
    "kwaliteit privacy gebruikers stakeholders in een professionele context volgens de richtlijnen"
).split()


def snapshot(rng: random.Random, number: int) -> dict[str, Any]:
    def sentence(n: int) -> str:
        return "De student " + " ".join(rng.choice(WORDS) for _ in range(n)) + "."

    units = []
    for u in range(rng.randint(1, 6)):
        granted = rng.random() < 0.6
        outcomes = [
            {
                "code": f"U{u + 1}-LO{o + 1}",
                "text": sentence(rng.randint(8, 22)),
                "accepted": granted or rng.random() < 0.5,
                "evidence": [f"Open Badge {rng.choice(WORDS).title()} ({2020 + rng.randint(0, 6)})"]
                * rng.randint(0, 2),
            }
            for o in range(rng.randint(2, 6))
        ]
        units.append(
            {
                "code": f"UNIT-{u + 1}",
                "name": f"Onderwijseenheid {u + 1}: {rng.choice(WORDS)} en {rng.choice(WORDS)}",
                "name_en": f"Course unit {u + 1}",
                "ects": rng.choice(["2.5", "5.0", "7.5", "15.0"]),
                "decision": "granted" if granted else "refused",
                "grounds": sentence(rng.randint(10, 40)),
                "valid_until": "2031-08-31" if granted else None,
                "outcomes": outcomes,
            }
        )
    return {
        "decision_id": f"EVC-2026-{number:06d}",
        "language": "en" if rng.random() < 0.3 else "nl",
        "institution": "Fontys Hogescholen",
        "committee": "Examencommissie HBO-ICT",
        "applicant": {"name": f"Kandidaat {number}", "number": f"S{100000 + number}", "email": "x@example.org"},
        "programme": {
            "code": "HBO-ICT-SE",
            "name": "HBO-ICT Software Engineering",
            "name_en": "ICT Software Engineering",
            "croho_code": "34479",
            "academic_year": "2026-2027",
        },
        "units": units,
        "decided_on": "2026-11-20",
        "decided_by": ["Els de Boer", "Carla Visser"],
        "chair": "Els de Boer",
        "supersedes": None,
        "appeal_deadline": "2027-01-01",
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def summary(label: str, wall: list[float], cpu: list[float]) -> str:
    q = statistics.quantiles(wall, n=20)
    return (
        f"{label:<34} wall mean {statistics.mean(wall) * 1000:7.1f} ms  median {statistics.median(wall) * 1000:7.1f}"
        f"  p95 {q[-1] * 1000:7.1f}  max {max(wall) * 1000:7.1f}   cpu mean {statistics.mean(cpu) * 1000:7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--with-report", action="store_true", help="also render and sign the EVC report")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    keys = Path(tempfile.mkdtemp(prefix="evc-bench-keys-"))
    os.environ["EVC_SIGNING_P12"] = str(keys / "signer.p12")
    os.environ["EVC_SIGNING_PASSPHRASE"] = "bench"  # noqa: S105 - throw-away key in a temp dir
    os.environ["EVC_TSA_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evc.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from evc.reports.rendering import decision_pdf_render, evc_report_pdf_render
    from evc.reports.signing import decision_pdf_sign, dev_signing_material_create
    from evc.reports.verification import signature_inspect

    dev_signing_material_create(p12_path=keys / "signer.p12", passphrase=b"bench", institution="Fontys Hogescholen")
    rng = random.Random(args.seed)
    snapshots = [snapshot(rng, n + 1) for n in range(args.decisions)]
    # Warm-up (fonts, templates, key loading): once per worker process, not per decision.
    decision_pdf_sign(decision_pdf_render(snapshots[0]))

    render_wall, render_cpu, full_wall, full_cpu, verify_wall, verify_cpu, sizes = [], [], [], [], [], [], []
    for snap in snapshots:
        # Same-run reference: rendering alone.
        _pdf, w, c = timed(lambda s=snap: decision_pdf_render(s))
        render_wall.append(w)
        render_cpu.append(c)

        def render_and_sign(s: dict[str, Any] = snap) -> bytes:
            signed = decision_pdf_sign(decision_pdf_render(s))
            if args.with_report:
                decision_pdf_sign(evc_report_pdf_render(s))
            return signed

        signed, w, c = timed(render_and_sign)
        full_wall.append(w)
        full_cpu.append(c)
        sizes.append(len(signed))
        findings, w, c = timed(lambda b=signed: signature_inspect(b))
        assert findings.intact and findings.crypto_valid and findings.trusted and findings.whole_file
        verify_wall.append(w)
        verify_cpu.append(c)

    what = "letter + report" if args.with_report else "letter"
    print(f"{args.decisions} decisions ({what}); {statistics.mean(sizes) / 1024:.0f} KiB per signed letter")
    print(summary("render only (reference)", render_wall, render_cpu))
    print(summary(f"render + sign ({what})", full_wall, full_cpu))
    print(summary("verify signature (per letter)", verify_wall, verify_cpu))
    total = sum(full_wall)
    print(
        f"per decision: {statistics.mean(full_wall):.3f} s wall (target < 1 s: "
        f"{'met' if statistics.mean(full_wall) < 1 else 'NOT met'}); "
        f"render+sign / render-only = {statistics.mean(full_wall) / statistics.mean(render_wall):.2f}x wall, "
        f"{statistics.mean(full_cpu) / statistics.mean(render_cpu):.2f}x cpu; total {total:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
