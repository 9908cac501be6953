"""Signals the assessment workflow sends; other apps (reports) listen, we never import them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a committee decision has been committed to the database (via transaction.on_commit).
# sender: evc.assessments.models.Decision
# kwargs: decision -- the new Decision; its `snapshot` holds everything the decision letter shows.
# A correction sends it again for the new decision (whose snapshot names the one it supersedes).
decision_recorded = Signal()

# Sent after commit when a case's state changes. sender: Case; kwargs: case, before, after, actor.
case_transitioned = Signal()
