from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from evc.accounts.models import Organisation, Role, User
from evc.curricula.models import Programme
from evc.curricula.services import curriculum_import

DEMO_PASSWORD = "evc-demo-2026"  # noqa: S105 - a published demo password; the command refuses to run in production
DEMO_DOMAIN = "demo.evc.test"

# key -> (email local part, role, first name, last name, language)
PERSONAS: dict[str, tuple[str, str, str, str, str]] = {
    "applicant": ("marianne", Role.APPLICANT, "Marianne", "de Vries", "nl"),
    "applicant_leah": ("leah", Role.APPLICANT, "Leah", "Jansen", "en"),
    "applicant_sem": ("sem", Role.APPLICANT, "Sem", "Peters", "nl"),
    "assessor": ("anna.bakker", Role.ASSESSOR, "Anna", "Bakker", "nl"),
    "assessor_2": ("bram.smit", Role.ASSESSOR, "Bram", "Smit", "nl"),
    "committee_member": ("carla.visser", Role.COMMITTEE_MEMBER, "Carla", "Visser", "nl"),
    "committee_member_2": ("dirk.mulder", Role.COMMITTEE_MEMBER, "Dirk", "Mulder", "nl"),
    "chair": ("els.deboer", Role.COMMITTEE_CHAIR, "Els", "de Boer", "nl"),
    "employer": ("fleur.hr", Role.EMPLOYER, "Fleur", "Hendriks", "nl"),
    "admin": ("beheer", Role.ADMIN, "Gert", "Beheerder", "nl"),
}
# Apps that add to the demo world, in dependency order; each may provide demo.seed(world).
DEMO_APPS = ["portfolios", "matching", "assessments", "reports", "employers"]


class Command(BaseCommand):
    help = "Create one account per role and a small demo world (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run the app seeds even if the demo world exists")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off: demo accounts have a published password.")
        exists = User.objects.filter(email=f"beheer@{DEMO_DOMAIN}").exists()
        if exists and not options["force"]:
            self.stdout.write("The demo world already exists.")
        else:
            with transaction.atomic():
                world = self._seed()
            self.stdout.write(f"Demo world created ({', '.join(world['seeded_apps']) or 'accounts only'}).")
        self.stdout.write(f"Demo log-ins (password: {DEMO_PASSWORD}):")
        for key, (local, role, *_rest) in PERSONAS.items():
            self.stdout.write(f"  {Role(role).label:<28} {local}@{DEMO_DOMAIN}  [{key}]")

    def _seed(self) -> dict[str, Any]:
        if not Programme.objects.exists():
            for path in sorted(Path(settings.BASE_DIR, "curricula").glob("*.csv")):
                curriculum_import(path, filename=path.name)
        cz, _ = Organisation.objects.get_or_create(code="cz", defaults={"name": "CZ"})
        users: dict[str, User] = {}
        for key, (local, role, first, last, language) in PERSONAS.items():
            email = f"{local}@{DEMO_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    role=role,
                    first_name=first,
                    last_name=last,
                    preferred_language=language,
                    organisation=cz if role == Role.EMPLOYER else None,
                    is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN,
                    student_number=f"EVC{1000 + len(users)}" if role == Role.APPLICANT else "",
                )
            users[key] = user
        world: dict[str, Any] = {
            "users": users,
            "organisations": {"cz": cz},
            "programmes": {p.code: p for p in Programme.objects.all()},
            "password": DEMO_PASSWORD,
            "seeded_apps": [],
            "stdout": self.stdout,
        }
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"evc.{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"evc.{app}.demo":
                    raise
                continue
            module.seed(world)
            world["seeded_apps"].append(app)
        return world
