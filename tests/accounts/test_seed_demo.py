from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from evc.accounts.models import Role, User


@pytest.mark.django_db
def test_seed_demo_refuses_in_production_mode(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_that_can_log_in(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("seed_demo")
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for user in User.objects.filter(email__endswith="@demo.evc.test"):
        client = Client()
        assert client.login(email=user.email, password="evc-demo-2026")
        assert client.get("/overzicht/", follow=True).status_code == 200
    count = User.objects.count()
    call_command("seed_demo")  # a second run changes nothing
    assert User.objects.count() == count

    # Walk every page a demo user can reach by following links: nothing may answer with a server error.
    for user in User.objects.filter(email__endswith="@demo.evc.test"):
        client = Client()
        client.force_login(user)
        visited = _crawl(client, start="/overzicht/", limit=120)
        assert len(visited) > 5, f"{user.email} reached only {visited}"


_HREF = re.compile(r'href="([^"#]+)"')
# Links that change state or end the session are not followed by a crawler.
_SKIP = ("/account/uitloggen/", "/admin/", "/i18n/", "/static/")


def _crawl(client: Client, *, start: str, limit: int) -> set[str]:
    seen: set[str] = set()
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in _HREF.findall(response.content.decode()):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(_SKIP):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen
