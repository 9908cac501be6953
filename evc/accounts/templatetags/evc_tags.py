from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """Reverse a URL of an app that may not offer that page yet; '' lets the template show a fallback."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
