"""Responses every app gives alike."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many_requests(request: HttpRequest, *, heading: str, message: str, retry_after: int) -> HttpResponse:
    """HTTP 429 with a page that says what happened and when to try again (and Retry-After for machines)."""
    response = render(request, "too_many_requests.html", {"heading": heading, "message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
