"""Errors whose message is a sentence for a person, kept as an English template and its parameters."""

from __future__ import annotations

from typing import Any


class SentenceError(ValueError):
    """`str(error)` is the English sentence (logs, command output). `template` and `params` let a page show
    it in the reader's language (`gettext(template).format(**params)`), so each template is a msgid too."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(template.format(**self.params) if self.params else template)
