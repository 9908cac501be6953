from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from evc.accounts.models import Role

# (url name, label) per role; a link whose app has not defined the URL yet is left out.
_NAV: dict[str, list[tuple[str, Any]]] = {
    Role.APPLICANT: [
        ("portfolios:portfolio", _("Mijn portfolio")),
        ("assessments:my_cases", _("Mijn EVC-aanvragen")),
    ],
    Role.ASSESSOR: [("assessments:queue", _("Mijn dossiers"))],
    Role.COMMITTEE_MEMBER: [("assessments:queue", _("Besluiten"))],
    Role.COMMITTEE_CHAIR: [("assessments:queue", _("Besluiten"))],
    Role.EMPLOYER: [("employers:dashboard", _("Competentie-inventaris"))],
    Role.ADMIN: [("assessments:queue", _("Dossiers")), ("admin:index", _("Beheer"))],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    links = [{"url": reverse("curricula:programme_list"), "label": _("Opleidingen")}]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links.insert(0, {"url": reverse("dashboard"), "label": _("Overzicht")})
        for name, label in _NAV.get(user.role, []):
            try:
                links.append({"url": reverse(name), "label": label})
            except NoReverseMatch:
                continue
    # A section is current on its own pages too (the overview on /overzicht/<role>/).
    for link in links:
        link["current"] = request.path.startswith(link["url"])
    return {"nav_links": links}
