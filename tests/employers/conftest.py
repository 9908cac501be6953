from __future__ import annotations

import pytest

from tests.employers import fakes


@pytest.fixture
def fake_engine(settings):  # type: ignore[no-untyped-def]
    """The deterministic keyword matcher, and tasks run inline."""
    settings.EVC_EMPLOYER_MATCHER = "tests.employers.fakes.keyword_matcher"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EVC_PSEUDONYM_KEY = "test-pseudonym-key-not-secret"
    fakes.CALLS.clear()
    return fakes
