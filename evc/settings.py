"""Settings for the EVC workbench, read from the environment.

Development defaults work out of the box (SQLite, console email, local worker);
production (DEBUG=false) refuses to start with the development secret.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from evc.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("EVC_VAR_DIR", str(BASE_DIR / "var")))

# Offline by design: no code path may reach a model hub (see ARCHITECTURE.md §3).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production below
DEBUG = envbool("DEBUG", True)
SECRET_KEY = envsecret("SECRET_KEY", DEV_SECRET_KEY)
TESTING = "pytest" in sys.modules or envbool("EVC_TESTING", False)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY and not TESTING:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "evc.core",
    "evc.accounts",
    "evc.curricula",
    "evc.portfolios",
    "evc.matching",
    "evc.assessments",
    "evc.reports",
    "evc.employers",
]

MIDDLEWARE = [
    "evc.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "evc.urls"
WSGI_APPLICATION = "evc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "evc.accounts.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one SQLite file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "evc-workbench@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Uploads: Django keeps at most this much in memory; our own limit is EVC_MAX_UPLOAD_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The cache holds the rate-limit counters. Per process by default (the embedded server is one process);
# with several web processes set EVC_CACHE=database so that they share one count. Room for many more keys
# than Django's default 300: a culled counter (or password-reset generation, evc/accounts/throttle.py)
# would forget what it counted.
CACHE_OPTIONS = {"MAX_ENTRIES": 100_000}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": CACHE_OPTIONS}}
if envstr("EVC_CACHE", "locmem") == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "evc_cache",
                          "OPTIONS": CACHE_OPTIONS}}
# Every password check is counted (evc/accounts/throttle.py): our log-in page and the admin's alike.
AUTHENTICATION_BACKENDS = ["evc.accounts.throttle.ThrottledModelBackend"]
# Rate limits count per client address; behind N reverse proxies set EVC_TRUSTED_PROXIES=N so that the
# address comes from X-Forwarded-For (see evc/core/client_ip.py), not from the proxy itself.
EVC_TRUSTED_PROXIES = envint("EVC_TRUSTED_PROXIES", 0)
RATELIMIT_IP_META_KEY = "evc.core.client_ip.client_ip"

# Background work: the database backend is the embedded default; `manage.py db_worker` runs it.
TASKS = {
    "default": {
        "BACKEND": envstr("EVC_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {
        "evc": {"level": envstr("EVC_LOG_LEVEL", "INFO")},
        # A tampered file posted to the public verify page is an expected input: our verifier reports the
        # verdict. pyHanko's own warning carries a 20 KB traceback per upload, anyone could flood the log.
        "pyhanko.sign.diff_analysis": {"level": "ERROR"},
    },
}

# --- EVC options -----------------------------------------------------------------
EVC_INSTITUTION_NAME = envstr("EVC_INSTITUTION_NAME", "Fontys Hogescholen")
EVC_SITE_URL = envstr("EVC_SITE_URL", "http://127.0.0.1:8000")

# Intake (issue: portfolio intake)
EVC_MAX_UPLOAD_BYTES = envint("EVC_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
EVC_FETCH_REMOTE = envbool("EVC_FETCH_REMOTE", True)
EVC_FETCH_ALLOW_HTTP = envbool("EVC_FETCH_ALLOW_HTTP", False)
EVC_FETCH_TIMEOUT_SECONDS = envint("EVC_FETCH_TIMEOUT_SECONDS", 5)
EVC_FETCH_MAX_BYTES = envint("EVC_FETCH_MAX_BYTES", 1024 * 1024)

# Matching
EVC_EMBEDDING_BACKEND = envstr("EVC_EMBEDDING_BACKEND", "default")
EVC_EMBEDDING_MODEL_PATH = envstr("EVC_EMBEDDING_MODEL_PATH", "")
EVC_USE_EMBEDDINGS = envbool("EVC_USE_EMBEDDINGS", True)

# Assessment workflow
EVC_DECISION_TERM_WEEKS = envint("EVC_DECISION_TERM_WEEKS", 8)
EVC_DECISION_REQUIRES_TWO_MEMBERS = envbool("EVC_DECISION_REQUIRES_TWO_MEMBERS", False)
EVC_APPEAL_TERM_WEEKS = envint("EVC_APPEAL_TERM_WEEKS", 6)

# Decision PDFs
EVC_SIGNING_P12 = envstr("EVC_SIGNING_P12", str(VAR_DIR / "signing" / "signer.p12"))
EVC_SIGNING_PASSPHRASE = envsecret("EVC_SIGNING_PASSPHRASE", "")
EVC_TSA_URL = envstr("EVC_TSA_URL", "")
# PEM of the timestamp authority's certificate (or its CA): tokens must verify against it; needed for a plain-http TSA.
EVC_TSA_CERT = envstr("EVC_TSA_CERT", "")
# PEM file of the CA that verification trusts; empty means ca.pem next to EVC_SIGNING_P12 (the dev CA).
EVC_SIGNING_TRUST_ROOT = envstr("EVC_SIGNING_TRUST_ROOT", "")

# Employers
EVC_PSEUDONYM_KEY = envsecret("EVC_PSEUDONYM_KEY", SECRET_KEY)
EVC_MIN_GROUP_SIZE = envint("EVC_MIN_GROUP_SIZE", 5)
EVC_MAX_STAFF_UPLOAD_BYTES = envint("EVC_MAX_STAFF_UPLOAD_BYTES", 50 * 1024 * 1024)
EVC_MAX_STAFF_ROWS = envint("EVC_MAX_STAFF_ROWS", 250_000)
