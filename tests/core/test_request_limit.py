from __future__ import annotations

import pytest
from django.test import Client

from evc.core.middleware import max_request_bytes


@pytest.mark.django_db
def test_an_oversized_request_is_refused_before_its_body_is_read(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(applicant)
    # Only the declared length matters: the body is never read.
    response = client.generic("POST", "/portfolio/", b"x", CONTENT_LENGTH=str(max_request_bytes() + 1))
    assert response.status_code == 413
    assert "te groot" in response.content.decode()


@pytest.mark.django_db
def test_the_refusal_speaks_the_persons_language_whatever_the_thread_served_before(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.utils import translation

    client = client_for(applicant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("nl")  # the language a previous request left on this thread
    try:
        response = client.generic("POST", "/portfolio/", b"x", CONTENT_LENGTH=str(max_request_bytes() + 1))
    finally:
        translation.deactivate()
    assert response.status_code == 413 and "too large" in response.content.decode()
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    translation.activate("en")
    try:
        response = client.generic("POST", "/portfolio/", b"x", CONTENT_LENGTH=str(max_request_bytes() + 1),
                                  HTTP_ACCEPT_LANGUAGE="nl")
    finally:
        translation.deactivate()
    assert "te groot" in response.content.decode()


@pytest.mark.django_db
def test_normal_requests_pass() -> None:
    assert Client().get("/catalogus/").status_code == 200


def test_the_limit_covers_the_largest_upload_we_accept(settings) -> None:  # type: ignore[no-untyped-def]
    assert max_request_bytes() > settings.EVC_MAX_STAFF_UPLOAD_BYTES > settings.EVC_MAX_UPLOAD_BYTES
