"""Responses every app gives alike."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many_requests(request: HttpRequest, *, heading: str, message: str, retry_after: int,
                      way_out: tuple[str, str] | None = None) -> HttpResponse:
    """HTTP 429 with a page that says what happened and when to try again (and Retry-After for machines).

    `way_out` is (link text, URL) of something the person can do now instead of waiting."""
    context = {"heading": heading, "message": message, "way_out": way_out}
    response = render(request, "too_many_requests.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
