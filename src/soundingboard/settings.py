"""Django settings, read from the environment so that one installed package serves any site.

Environment variables (all optional):
- SOUNDINGBOARD_CONSULTATIONS: consultation folders, separated by the OS path separator.
- SOUNDINGBOARD_DATA_DIR: where the SQLite database and the generated secret key live
  (default: ./soundingboard-data), private to the user that runs soundingboard (core.data_dir).
- DATABASE_URL: e.g. postgresql://user:pass@host/db to use PostgreSQL instead of SQLite.
- SOUNDINGBOARD_SECRET_KEY: required when several machines serve one site; otherwise a key is
  generated once and kept in the data directory.
- SOUNDINGBOARD_ALLOWED_HOSTS: host names, comma-separated (default: all, for local use).
- SOUNDINGBOARD_HTTPS: "1" when served over HTTPS (secure cookies, HSTS).
- SOUNDINGBOARD_DEBUG: "1" for Django's debug pages (never in production).
- SOUNDINGBOARD_RATE_LIMIT: submissions per client address, as COUNT/SECONDS (default
  60/600), or "0" for no limit; SOUNDINGBOARD_RATE_LIMIT_STORE: "memory" or "database".
- SOUNDINGBOARD_IDLE_MINUTES: analysts are signed out after this long without a request
  (default 30).
- SOUNDINGBOARD_EMAIL_URL: where email goes (core.email_settings), such as
  smtp://user:password@mail.example.org:587; none is sent without it.
  SOUNDINGBOARD_EMAIL_FROM: the address it comes from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .core import data_dir
from .core.email_settings import EmailUrlError, email_settings
from .sqlite_tuning import SQLITE_OPTIONS

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SOUNDINGBOARD_DATA_DIR", "soundingboard-data")).resolve()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _secret_key() -> str:
    if key := os.environ.get("SOUNDINGBOARD_SECRET_KEY"):
        return key
    return data_dir.secret_key(DATA_DIR)


SECRET_KEY = _secret_key()
DEBUG = _flag("SOUNDINGBOARD_DEBUG")
HTTPS = _flag("SOUNDINGBOARD_HTTPS")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SOUNDINGBOARD_ALLOWED_HOSTS", "*").split(",") if h.strip()
]

SOUNDINGBOARD_CONSULTATIONS = [
    p for p in os.environ.get("SOUNDINGBOARD_CONSULTATIONS", "").split(os.pathsep) if p
] or [str(PACKAGE_DIR / "example")]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The outbox: tasks (sending email) queued in the database, run by `soundingboard worker`.
    "django_tasks",
    "django_tasks_db",
    # The project's apps, in the order the data flows (docs/architecture.md).
    "soundingboard.core",
    "soundingboard.accounts",
    "soundingboard.publish",
    "soundingboard.collect",
    "soundingboard.analyse",
]

MIDDLEWARE = [
    # Outermost: the last word on whether an answer may be shared by a cache in front.
    "soundingboard.core.shared_cache.SharedCacheGuard",
    "django.middleware.security.SecurityMiddleware",
    # Brotli or gzip for what Django builds, except pages that are a visitor's own.
    "soundingboard.core.compression.CompressPublic",
    # Before the middleware that answers on its own (CORS preflights, static files), so that
    # those answers get the policy too.
    "csp.middleware.CSPMiddleware",
    # django-cors-headers, for the intake API only (see CORS_URLS_REGEX below).
    "soundingboard.collect.api.IntakeCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor state (request.user.is_verified()), then the analysts' idle and absolute
    # session time-outs (soundingboard.accounts.access).
    "django_otp.middleware.OTPMiddleware",
    "soundingboard.accounts.access.AnalystSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The intake API's own, shorter list (soundingboard.wsgi): the same, less what it never uses
# (static files, sessions, CSRF tokens, signed-in users). Security middleware added above
# applies to it too.
# Its policy never carries a nonce, so it is built once (collect.api.IntakeCSPMiddleware).
INTAKE_MIDDLEWARE = [
    "soundingboard.collect.api.IntakeCSPMiddleware"
    if name == "csp.middleware.CSPMiddleware"
    else name
    for name in MIDDLEWARE
    if name
    not in {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "soundingboard.accounts.access.AnalystSessionMiddleware",
    }
]

ROOT_URLCONF = "soundingboard.urls"
WSGI_APPLICATION = "soundingboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "csp.context_processors.nonce",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'soundingboard.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/-/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Analyst accounts (see docs/analyst-accounts.md): Argon2 first; the others only so that a
# password hashed otherwise can still be checked (and is then re-hashed with Argon2).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "analyse:sign-in"
LOGIN_REDIRECT_URL = "analyse:home"
OTP_TOTP_ISSUER = "soundingboard"
# Sign-in throttling (soundingboard.accounts.throttle): never a lock, only waits that grow.
# After FREE_ATTEMPTS failed sign-ins with one username from one client (since that pair's last
# success), each further try waits 2, 4, 8... seconds after the last failure, up to
# MAX_WAIT_SECONDS. From one client, whatever the usernames, after CLIENT_FREE_ATTEMPTS
# failures every try waits likewise, up to CLIENT_MAX_WAIT_SECONDS (short: colleagues behind
# one address must still get in). Failures older than WINDOW_SECONDS are forgotten.
SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
SOUNDINGBOARD_SIGN_IN_MAX_WAIT_SECONDS = 15 * 60
SOUNDINGBOARD_SIGN_IN_CLIENT_FREE_ATTEMPTS = 50
SOUNDINGBOARD_SIGN_IN_CLIENT_MAX_WAIT_SECONDS = 60
SOUNDINGBOARD_SIGN_IN_WINDOW_SECONDS = 24 * 60 * 60
# A one-time password an administrator sets stops working after this many hours.
SOUNDINGBOARD_ONE_TIME_PASSWORD_HOURS = int(
    os.environ.get("SOUNDINGBOARD_ONE_TIME_PASSWORD_HOURS", "72")
)
# Recovery codes shown to an analyst when they set up two-factor authentication.
SOUNDINGBOARD_RECOVERY_CODES = 10
SOUNDINGBOARD_SESSION_IDLE_SECONDS = int(os.environ.get("SOUNDINGBOARD_IDLE_MINUTES", "30")) * 60

# Sessions are for analysts; respondents' details live in their own signed cookie. A session
# ends when the browser closes, after SOUNDINGBOARD_SESSION_IDLE_SECONDS without a request, and
# at the latest SESSION_COOKIE_AGE after signing in.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
# Cookies besides the session's whose presence means a page may be the visitor's own: no
# shared page for them, nothing compressed (core.shared_cache, core.compression). The
# respondents' remembered details (collect.respondent.COOKIE_NAME).
SOUNDINGBOARD_PRIVATE_COOKIES = ["sb_respondent"]
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
CSRF_FAILURE_VIEW = "soundingboard.core.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Spam defence: a form sent sooner than this after it was shown is kept aside as spam, and
# so is one sent from a form older than the maximum age.
SOUNDINGBOARD_FORM_MIN_SECONDS = float(os.environ.get("SOUNDINGBOARD_FORM_MIN_SECONDS", "2"))
SOUNDINGBOARD_FORM_MAX_AGE = 7 * 24 * 60 * 60

# The intake API (/api/intake, see docs/intake-api.md). Cross-origin posts are allowed only
# there, and only from the origins each consultation lists in `allowed_origins` (read by
# soundingboard.collect.api.allow_consultation_origins), so no origin is listed here.
CORS_URLS_REGEX = r"^(/-)?/api/intake$"
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_ALLOW_METHODS = ["POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["content-type", "idempotency-key"]
CORS_EXPOSE_HEADERS = ["Retry-After"]
CORS_PREFLIGHT_MAX_AGE = 600

# Rate limits per client, keeping no IP address (see soundingboard.collect.ratelimit):
# SOUNDINGBOARD_RATE_LIMIT is COUNT/SECONDS per client address, or "0" for none.
# SOUNDINGBOARD_RATE_LIMIT_STORE is "memory" (each worker process counts on its own) or
# "database" (one count shared by every worker and machine, in a table of the database).
SOUNDINGBOARD_RATE_LIMIT = os.environ.get("SOUNDINGBOARD_RATE_LIMIT", "60/600")
SOUNDINGBOARD_RATE_LIMIT_STORE = os.environ.get("SOUNDINGBOARD_RATE_LIMIT_STORE", "memory")
# Proxies whose X-Forwarded-For names the client (soundingboard.core.client_address): only
# those the operator names, by default none; `unix` names a proxy on a unix socket. Falls back
# to gunicorn's FORWARDED_ALLOW_IPS when the operator set that and not this.
SOUNDINGBOARD_TRUSTED_PROXIES = os.environ.get(
    "SOUNDINGBOARD_TRUSTED_PROXIES", os.environ.get("FORWARDED_ALLOW_IPS", "")
)
if SOUNDINGBOARD_RATE_LIMIT_STORE not in ("memory", "database"):
    raise ImproperlyConfigured("SOUNDINGBOARD_RATE_LIMIT_STORE must be memory or database")
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "soundingboard_rate_limit",
        }
        if SOUNDINGBOARD_RATE_LIMIT_STORE == "database"
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "soundingboard-rate-limit",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    ),
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Email (docs/running-in-production.md): sent only by the worker, from the outbox, never while a
# respondent waits. Without SOUNDINGBOARD_EMAIL_URL nothing is sent and no form offers it.
try:
    _EMAIL = email_settings(os.environ.get("SOUNDINGBOARD_EMAIL_URL", ""))
except EmailUrlError as _error:
    raise ImproperlyConfigured(str(_error)) from None
SOUNDINGBOARD_NOTIFY_API_KEY = ""  # these three only for notify:// (core.notify_backend)
SOUNDINGBOARD_NOTIFY_TEMPLATE_ID = ""
SOUNDINGBOARD_NOTIFY_BASE_URL = ""
globals().update(_EMAIL)
SOUNDINGBOARD_EMAIL_ENABLED = bool(_EMAIL)
if not _EMAIL:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("SOUNDINGBOARD_EMAIL_FROM", "soundingboard@localhost")
# Failed sends are tried again after 1, 2, 4... minutes, at most 6 hours apart, for 2 days.
SOUNDINGBOARD_EMAIL_FIRST_RETRY_SECONDS = 60
SOUNDINGBOARD_EMAIL_MAX_RETRY_SECONDS = 6 * 60 * 60
SOUNDINGBOARD_EMAIL_GIVE_UP_SECONDS = 2 * 24 * 60 * 60
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
