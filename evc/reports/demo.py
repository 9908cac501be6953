"""Demo world: sign the documents of every decided demo case (runs after assessments' seed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from evc.reports.errors import ReportsError
from evc.reports.services import signed_documents_create
from evc.reports.signing import dev_signing_material_create, signing_p12_path, trust_root_path


def seed(world: dict[str, Any]) -> None:
    from evc.assessments.models import Decision

    out = world.get("stdout")
    if not signing_p12_path().exists():
        # `make run` seeds before it runs create_dev_signing_cert --if-missing; sign with the same kind of key.
        dev_signing_material_create(
            p12_path=signing_p12_path(),
            passphrase=settings.EVC_SIGNING_PASSPHRASE.encode() or None,
            institution=settings.EVC_INSTITUTION_NAME,
            ca_path=trust_root_path(),
        )
        if out:
            out.write(f"Created a development signing certificate at {signing_p12_path()}.")
    signed = []
    for decision in Decision.objects.order_by("decided_at"):
        try:
            signed.extend(signed_documents_create(decision=decision))
        except ReportsError as exc:  # a broken key must not take the rest of the demo world down
            if out:
                out.write(f"Could not sign the documents of {decision.public_id}: {exc}")
    world["signed_documents"] = signed
    if out and signed:
        out.write(f"Signed {len(signed)} decision documents; check them at {settings.EVC_SITE_URL}/verify/.")
