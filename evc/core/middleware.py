"""Refuse oversized requests before Django reads their body.

Form-level limits (EVC_MAX_UPLOAD_BYTES and friends) only run after the whole upload has been
received and spooled to disk; this stops a 5 GB POST at the door with a 413 and a clear message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

# Room for form fields and multipart framing around the largest file we accept anywhere.
OVERHEAD = 1024 * 1024


def max_request_bytes() -> int:
    return max(settings.EVC_MAX_UPLOAD_BYTES, settings.EVC_MAX_STAFF_UPLOAD_BYTES) + OVERHEAD


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            # This runs before LocaleMiddleware: choose the person's language here (cookie or browser),
            # or the page would speak whatever language this thread served last.
            with translation.override(translation.get_language_from_request(request)):
                message = _("Dit bestand is te groot. Het maximum is %(mb)d MB.") % {
                    "mb": max_request_bytes() // (1024 * 1024)
                }
                body = render_to_string("413.html", {"message": message}, request=request)
            return HttpResponse(body, status=413)
        return self.get_response(request)
