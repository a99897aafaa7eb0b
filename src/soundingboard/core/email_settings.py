"""Django's email settings from one address, `SOUNDINGBOARD_EMAIL_URL`.

- `smtp://USER:PASSWORD@HOST:PORT` sends through an SMTP server, upgrading the connection with
  STARTTLS (port 587 unless given); `?starttls=no` sends in the clear, only for a relay on the
  same machine.
- `smtps://USER:PASSWORD@HOST:PORT` connects over TLS from the start (port 465 unless given).
- `notify://API_KEY@/TEMPLATE_ID` sends through GOV.UK Notify (core.notify_backend), with a
  template whose subject is `((subject))` and whose body is `((body))`.

Either SMTP form takes `?timeout=SECONDS` (default 10), and `?certfile=PATH&keyfile=PATH` for a
client certificate. A user name or password with `@`, `:` or `/` in it is percent-encoded
(`%40`, `%3A`, `%2F`). Written by hand rather than with dj-email-url, whose `smtps://` means
STARTTLS (with a deprecation warning) where mail servers mean TLS from the start.

Without the variable no email is sent, and the forms do not offer any.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
NOTIFY_BACKEND = "soundingboard.core.notify_backend.NotifyEmailBackend"
NOTIFY_API = "https://api.notifications.service.gov.uk"
DEFAULT_TIMEOUT = 10
_YES, _NO = {"1", "yes", "true", "on"}, {"0", "no", "false", "off"}


class EmailUrlError(ValueError):
    """SOUNDINGBOARD_EMAIL_URL cannot be used; the message says why, without the password."""


def email_settings(url: str) -> dict[str, Any]:
    """The Django settings (EMAIL_*) that `url` stands for; {} for an empty one."""
    url = url.strip()
    if not url:
        return {}
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    scheme = parts.scheme.lower()
    if scheme == "notify":
        return _notify(parts.username, parts.path, query)
    if scheme not in ("smtp", "smtps"):
        raise EmailUrlError(
            "SOUNDINGBOARD_EMAIL_URL must start with smtp://, smtps:// or notify://, "
            f"not {scheme}://"
        )
    if not parts.hostname:
        raise EmailUrlError("SOUNDINGBOARD_EMAIL_URL names no mail server (smtp://HOST:PORT)")
    try:
        port = parts.port
    except ValueError as error:
        raise EmailUrlError("SOUNDINGBOARD_EMAIL_URL has a port that is not a number") from error
    implicit_tls = scheme == "smtps"
    starttls = not implicit_tls and _flag(query, "starttls", default=True)
    unknown = set(query) - {"starttls", "timeout", "certfile", "keyfile"}
    if unknown:
        raise EmailUrlError(
            f"SOUNDINGBOARD_EMAIL_URL has unknown options: {', '.join(sorted(unknown))}"
        )
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if implicit_tls else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": _timeout(query),
        "EMAIL_SSL_CERTFILE": query.get("certfile") or None,
        "EMAIL_SSL_KEYFILE": query.get("keyfile") or None,
    }


def _notify(api_key: str | None, path: str, query: dict[str, str]) -> dict[str, Any]:
    template = path.strip("/")
    if not api_key or not template:
        raise EmailUrlError(
            "SOUNDINGBOARD_EMAIL_URL for GOV.UK Notify is notify://API_KEY@/TEMPLATE_ID"
        )
    return {
        "EMAIL_BACKEND": NOTIFY_BACKEND,
        "SOUNDINGBOARD_NOTIFY_API_KEY": unquote(api_key),
        "SOUNDINGBOARD_NOTIFY_TEMPLATE_ID": template,
        # Another address only for tests (a fake Notify on loopback).
        "SOUNDINGBOARD_NOTIFY_BASE_URL": query.get("base_url") or NOTIFY_API,
        "EMAIL_TIMEOUT": _timeout(query),
    }


def _flag(query: dict[str, str], name: str, *, default: bool) -> bool:
    value = query.get(name, "").strip().lower()
    if not value:
        return default
    if value in _YES | _NO:
        return value in _YES
    raise EmailUrlError(f"SOUNDINGBOARD_EMAIL_URL: {name} must be yes or no")


def _timeout(query: dict[str, str]) -> int:
    value = query.get("timeout", "")
    if not value:
        return DEFAULT_TIMEOUT
    if not value.isdigit() or int(value) == 0:
        raise EmailUrlError("SOUNDINGBOARD_EMAIL_URL: timeout must be a whole number of seconds")
    return int(value)
