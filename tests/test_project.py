"""The project's promises about itself: README commands, settings safety, contracts present."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_commands_exist_in_the_makefile() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    commands = re.findall(r"^make (\w+)", readme, flags=re.M)
    assert {"run", "test"} <= set(commands)
    for target in commands:
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"make {target} is not a Makefile target"


def test_ci_runs_make_test_on_both_databases() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = re.findall(r"^(.*)make test$", ci, flags=re.M)
    assert len(runs) == 2 and "postgres://" in runs[1]


def test_production_refuses_the_development_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "EVC_TESTING"}}
    env.update(DEBUG="false", DJANGO_SETTINGS_MODULE="evc.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    env["SECRET_KEY"] = "a-real-production-secret-of-sufficient-length"
    ok = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True)
    assert ok.returncode == 0


def test_bad_boolean_settings_fail_loudly() -> None:
    env = dict(os.environ, DEBUG="maybe", DJANGO_SETTINGS_MODULE="evc.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_foundation_commands_are_installed() -> None:
    commands = get_commands()
    for name in ["import_curriculum", "export_curriculum", "seed_demo", "serve", "run_worker"]:
        assert name in commands


def _assert_complete(root: Path, *, obsolete_allowed: bool = False) -> None:
    for po in [root / "locale" / "en" / "LC_MESSAGES" / "django.po", *root.glob("evc/*/locale/en/LC_MESSAGES/django.po")]:
        text = po.read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1] + "\n\n"  # past the header, which gettext always marks fuzzy
        # A new text makemessages guessed from a similar old one is fuzzy: never shown, so Dutch in EN.
        fuzzy = re.findall(r'^#, fuzzy.*\n(?:#\|.*\n)*msgid "(.*)"', body, flags=re.M)
        assert not fuzzy, f"{po} has fuzzy entries, untranslated in effect: {fuzzy}"
        assert obsolete_allowed or "\n#~ msgid" not in body, f"{po} has obsolete entries"
        assert not re.search(r'^msgstr ""\n\n', body, flags=re.M), f"{po} has untranslated entries"


def test_the_english_catalogues_are_complete_and_clean() -> None:
    """A stray makemessages once marked our strings obsolete; catch that before users see Dutch in EN."""
    _assert_complete(ROOT)


def test_every_dutch_text_in_the_code_has_an_english_translation(tmp_path: Path) -> None:
    """makemessages on a copy of the sources: a text added or reworded without its translation shows as an empty msgstr."""
    import shutil

    for part in ("evc", "templates", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    done = subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en", "-v", "0"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # A text that was removed or moved leaves an obsolete entry behind: stale, but nobody sees Dutch for it.
    _assert_complete(tmp_path, obsolete_allowed=True)
