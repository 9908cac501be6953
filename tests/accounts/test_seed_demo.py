from __future__ import annotations

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
