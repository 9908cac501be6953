"""What every adapter shares: the inspection context and the rejection error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from evc.portfolios.verification.common import Remote
from evc.portfolios.verification.messages import TranslatableError


class FormatError(TranslatableError):
    """The file cannot be imported. The message is a sentence a person understands.

    Made from an English template and its parameters (`FormatError("... {alg} ...", alg=alg)`), so the
    upload page can show it translated; every template is listed in `verification/messages.py`.
    """


@dataclass
class Context:
    confirmed_emails: list[str] | None
    now: dt.datetime
    remote: Remote = field(default_factory=Remote)
    depth: int = 0  # nesting of wrapped credentials (baked images, CLR), bounded
