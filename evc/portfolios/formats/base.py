"""What every adapter shares: the inspection context and the rejection error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from evc.portfolios.verification.common import Remote


class FormatError(ValueError):
    """The file cannot be imported. The message is a sentence a person understands."""


@dataclass
class Context:
    confirmed_emails: list[str] | None
    now: dt.datetime
    remote: Remote = field(default_factory=Remote)
    depth: int = 0  # nesting of wrapped credentials (baked images, CLR), bounded
