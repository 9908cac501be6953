"""Who may see which credential.

`credential_visible_to()` allows the owner and administrators. Other apps extend it without this
app importing them (dependencies point one way): the assessments app registers a rule at start-up,

    from evc.portfolios.selectors import register_visibility_rule
    register_visibility_rule(lambda user, credential: <assessor/committee has this case>)

in its `AppConfig.ready()`. A rule returns True to grant read-only access; rules can only grant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VisibilityRule = Callable[[Any, Any], bool]
_rules: list[VisibilityRule] = []


def register_visibility_rule(rule: VisibilityRule) -> None:
    if rule not in _rules:
        _rules.append(rule)


def credential_visible_to(user: Any, credential: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if credential.portfolio.owner_id == user.pk:
        return True
    if getattr(user, "is_administrator", False) or user.is_superuser:
        return True
    return any(rule(user, credential) for rule in _rules)


def credential_editable_by(user: Any, credential: Any) -> bool:
    return getattr(user, "is_authenticated", False) and credential.portfolio.owner_id == user.pk
