"""JSON Schema checks: OB 3.0 `credentialSchema` and OB 2.0 extension schemas.

Schemas are fetched through the guarded fetcher (never loaded from elsewhere); a `$ref` to another
document is not followed. A schema that cannot be fetched gives an `unknown` that does not make the
verdict undecided: the structure check already covers what the spec requires.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import exceptions as schema_errors
from jsonschema.validators import validator_for

from evc.lib import jsonld
from evc.portfolios.verification.checks import SCHEMA, Check, failed, passed, unknown
from evc.portfolios.verification.common import Remote, as_list

SCHEMA_TYPES = {"1EdTechJsonSchemaValidator2019", "JsonSchemaValidator2018", "JsonSchema"}
MAX_ERRORS = 3


def _validate(instance: Any, schema: Any, label: str) -> Check:
    if not isinstance(schema, dict):
        return failed(SCHEMA, "The {label} is not a JSON Schema.", label=label, decisive=False)
    try:
        cls = validator_for(schema)
        cls.check_schema(schema)
        errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
    except schema_errors.SchemaError:
        return unknown(SCHEMA, "The {label} is itself not a valid JSON Schema.", label=label, decisive=False)
    except Exception as exc:  # unresolvable $ref (remote references are never fetched), odd formats
        return unknown(SCHEMA, "The {label} could not be applied ({error_type}).", label=label, error_type=exc.__class__.__name__, decisive=False)
    if errors:
        described = "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or 'the document'}: {e.message[:160]}" for e in errors[:MAX_ERRORS])
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        return failed(SCHEMA, "The credential does not match the {label}: {described}{more}.", label=label, described=described, more=more)
    return passed(SCHEMA, "The credential matches the {label}.", label=label)


def credential_schema_checks(credential: dict[str, Any], remote: Remote) -> list[Check]:
    """Validate against each `credentialSchema` the credential names (OB 3.0 §8.2)."""
    checks = []
    instance = copy.deepcopy(credential)
    # The VC data model allows one proof object; the published OB 3.0 schema build wants an array.
    if isinstance(instance.get("proof"), dict):
        instance["proof"] = [instance["proof"]]
    for entry in as_list(credential.get("credentialSchema")):
        if not isinstance(entry, dict) or str(entry.get("type")) not in SCHEMA_TYPES or not isinstance(entry.get("id"), str):
            continue
        schema, error, _disabled = remote.json(entry["id"])
        if schema is None:
            checks.append(unknown(SCHEMA, "The schema {id} could not be fetched: {error}", id=entry['id'], error=error, decisive=False))
            continue
        checks.append(_validate(instance, schema, f"schema {entry['id']}"))
    return checks


def _last_segment(value: str) -> str:
    return value.replace("#", "/").replace(":", "/").rstrip("/").rsplit("/", 1)[-1].lower()


def _rules(context_urls: list[str]) -> list[tuple[str, str, str]]:
    """(context url, validatesType segment, schema url) from the `obi:validation` of each context."""
    found = []
    for url in context_urls:
        document = jsonld.cached_document(url)
        if not isinstance(document, dict):
            continue
        for rule in as_list(document.get("obi:validation")):
            if isinstance(rule, dict) and isinstance(rule.get("obi:validationSchema"), str):
                found.append((url, _last_segment(str(rule.get("obi:validatesType", ""))), rule["obi:validationSchema"]))
    return found


def extension_checks(nodes: list[dict[str, Any] | None], remote: Remote) -> list[Check]:
    """OB 2.0 extensions name their JSON Schema in their context (`obi:validation`); apply it.

    As the OB 2.0 validator does, the extension node is first compacted against the extension's
    own context, so full IRIs become the property names the schema speaks of.
    """
    checks = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        top = [c for c in as_list(node.get("@context")) if isinstance(c, str)]
        for key, extension in node.items():
            if not key.startswith("extensions:") or not isinstance(extension, dict):
                continue
            own = [c for c in as_list(extension.get("@context")) if isinstance(c, str)]
            types = {_last_segment(str(t)) for t in as_list(extension.get("type"))}
            for context_url, validates, schema_url in _rules(own + top):
                if validates and validates not in types:
                    continue
                schema, error, _disabled = remote.json(schema_url)
                if schema is None:
                    checks.append(unknown(SCHEMA, "The schema of {key} at {schema_url} could not be fetched: {error}", key=key, schema_url=schema_url, error=error, decisive=False))
                    continue
                body = {k: v for k, v in extension.items() if k != "@context"}
                try:
                    compacted = jsonld.compact({"@context": top + own, **body}, context_url)
                except (jsonld.UnknownContext, jsonld.JsonLdError) as exc:
                    checks.append(failed(SCHEMA, "The extension {key} cannot be read: {exc}", key=key, exc=exc))
                    continue
                compacted.pop("@context", None)
                checks.append(_validate(compacted, schema, f"schema of the extension {key}"))
    return checks
