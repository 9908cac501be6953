"""Verification checks: each a small, named result a person can read."""

from __future__ import annotations

from evc.portfolios.verification.checks import FAILED, PASSED, UNKNOWN, Check, overall

__all__ = ["FAILED", "PASSED", "UNKNOWN", "Check", "overall"]
