"""Domain errors of the reports app; their messages are shown to people as they are."""

from __future__ import annotations


class ReportsError(Exception):
    """Base class: `str(error)` is a translated sentence a person understands."""


class SigningError(ReportsError):
    """The key material is missing or unusable, or pyHanko refused to sign."""


class RenderError(ReportsError):
    """The snapshot lacks something the letter must show."""
