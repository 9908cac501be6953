"""Settings for the killed-worker test: the project's settings, a slow fake matcher, small chunks."""

from __future__ import annotations

from evc.settings import *  # noqa: F403

EVC_EMPLOYER_MATCHER = "tests.employers.fakes.slow_matcher"
EVC_EMPLOYER_CHUNK_SIZE = 10
EVC_PSEUDONYM_KEY = "worker-test-key"
