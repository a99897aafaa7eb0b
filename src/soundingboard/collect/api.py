"""The intake API: `POST /-/api/intake` takes the original site's JSON payloads (its first
address, `/api/intake`, still answers).

The original site's form scripts posted `{"tab": "Feedback", ...}` and
`{"tab": "MainFeedback", ...}` with `fetch(..., {mode: "cors"})` from their own origin; with
only their endpoint address changed they post here. Everything is answered in JSON:

- 201 `{"status": "accepted", "reference": "SB-…"}` when stored; 200 with the same body for a
  repeat of an `Idempotency-Key` already stored with the same body, 422 for the key sent
  again with a different body. Suspected spam is answered the same way (a
  bot learns nothing) and stored aside with its reason.
- 400 `{"errors": {"field": ["message"]}}` with the web forms' own messages; the "" key is
  for the body as a whole. 403 for an origin not allowed, or a consultation not open;
  404 for an unknown consultation; 405; 413 over 64 KiB; 415 unless the body is
  `application/json`; 429 with `Retry-After`; 503 when the database could not store it.

Cross-origin posts are allowed from the origins each consultation lists in
`allowed_origins` (django-cors-headers answers the preflight; `allow_consultation_origins`
below tells it which origins to allow). See docs/intake-api.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from corsheaders.middleware import CorsMiddleware
from corsheaders.signals import check_request_enabled
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ..core.addresses import PLATFORM
from ..core.errors import API_MAX_BODY_BYTES as MAX_BODY_BYTES
from ..core.errors import json_errors as errors
from ..core.errors import too_large
from ..publish.consultation import Consultation
from ..publish.registry import get_registry
from ..publish.settings_schema import describe_moment
from .limits import LIMITS
from .models import Response
from .payloads import PayloadError, submission_from_payload
from .ratelimit import check_rate, configured_limit

logger = logging.getLogger(__name__)

INTAKE_PATH = f"/{PLATFORM}api/intake"
# With the address the original site's scripts were first given, which answers the same.
INTAKE_PATHS = frozenset({INTAKE_PATH, "/api/intake"})
MAX_IDEMPOTENCY_KEY = 200
MAX_PAGE_ADDRESS = 2048
# The longest text, as sent, of each text field: (its name in messages, its limit).
RAW_LIMITS = {
    "page": ("page", MAX_PAGE_ADDRESS),
    "summary": ("Summary", LIMITS["summary"]),
    "details": ("Details", LIMITS["details"]),
    "org": ("Organisation", LIMITS["organisation"]),
    "email": ("Email address", LIMITS["email"]),
    "section": ("section", LIMITS["title"]),
    "comments": ("Comments", LIMITS["comments"]),
}
ALLOW = "POST, OPTIONS"
NOT_SAVED = "Your feedback could not be saved. Try again in a few minutes."
NOT_JSON = "The body is not valid JSON"
KEY_REUSED = (
    "This Idempotency-Key was already used for a different submission. "
    "Send a new submission with a new key."
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class IntakeCorsMiddleware(CorsMiddleware):
    """django-cors-headers' middleware, unchanged. It is loaded from this module so that the
    receiver below is connected before the first request (the middleware runs before any
    URL is resolved, so before `urls` would import this module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        super().__init__(get_response)
        configured_limit()  # a mistyped SOUNDINGBOARD_RATE_LIMIT stops the start, not a post


class IntakeCSPMiddleware(CSPMiddleware):
    """django-csp's middleware for the intake API's own path (`settings.INTAKE_MIDDLEWARE`).

    The API's replies are JSON and never use a nonce, so their policy is the same string every
    time: it is built once here, where django-csp builds it again for every reply (about a
    twentieth of a worker's CPU per submission, measured under load). A reply that already
    has the header, or is exempt, is left as it is, as django-csp would leave it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        super().__init__(get_response)
        self.headers = {
            name: policy
            for name, policy in (
                (HEADER, build_policy()),
                (HEADER_REPORT_ONLY, build_policy(report_only=True)),
            )
            if policy
        }

    EXEMPT = {HEADER: "_csp_exempt", HEADER_REPORT_ONLY: "_csp_exempt_ro"}  # as django-csp

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        for name, policy in self.headers.items():
            if name not in response and not getattr(response, self.EXEMPT[name], False):
                response[name] = policy
        return response


def find_consultation(request: HttpRequest) -> Consultation | JsonResponse:
    """The consultation named by `?consultation=`, or the only one; else an error reply."""
    registry = get_registry()
    slug = request.GET.get("consultation")
    if slug is not None:
        consultation = registry.get(slug)
        if consultation is None:
            return errors(404, {"consultation": [f"There is no consultation “{slug}” here"]})
        return consultation
    if registry.single is not None:
        return registry.single
    slugs = ", ".join(sorted(registry.consultations))
    return errors(400, {"consultation": [f"Say which consultation: one of {slugs}"]})


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip().rstrip("/"))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def origin_allowed(consultation: Consultation, origin: str) -> bool:
    """Whether the consultation lists this origin in `allowed_origins`."""
    key = _origin_key(origin)
    return key is not None and any(
        _origin_key(allowed) == key for allowed in consultation.settings.allowed_origins
    )


def _same_origin(request: HttpRequest, origin: str) -> bool:
    own = _origin_key(f"{request.scheme}://{request.get_host()}")
    return own is not None and _origin_key(origin) == own


@receiver(check_request_enabled)
def allow_consultation_origins(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """Tell django-cors-headers to allow this request's origin: only for the intake API, and
    only an origin the consultation lists in `allowed_origins`."""
    if request.path_info not in INTAKE_PATHS:
        return False
    origin = request.headers.get("Origin")
    if not origin:
        return False
    consultation = find_consultation(request)
    return isinstance(consultation, Consultation) and origin_allowed(consultation, origin)


def idempotency_token(consultation: Consultation, key: str) -> str:
    """What is stored for an Idempotency-Key: a hash, so that it fits and cannot clash with
    the web forms' tokens or another consultation's keys."""
    digest = hashlib.sha256(f"{consultation.slug}\n{key}".encode()).hexdigest()
    return f"api:{digest[:60]}"


def body_hash(payload: Any) -> str:
    """A hash of what was sent, whatever its spacing and the order of its keys: stored with
    an Idempotency-Key, to tell a retry from a different submission under the same key."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@csrf_exempt  # JSON only, no cookies read or set; cross-origin posts are checked by Origin
def intake(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":  # not a CORS preflight: those are answered before this
        reply = HttpResponse(status=204)
        reply["Allow"] = ALLOW
        return reply
    if request.method != "POST":
        return errors(405, {"": ["Send feedback with POST"]}, Allow=ALLOW)

    consultation = find_consultation(request)
    if isinstance(consultation, JsonResponse):
        return consultation
    origin = request.headers.get("Origin")
    if origin and not origin_allowed(consultation, origin) and not _same_origin(request, origin):
        return errors(403, {"": ["This consultation does not take feedback from that site"]})

    wait = check_rate(request)
    if wait is not None:
        message = f"Too many submissions from your network. Try again in {wait} seconds."
        return errors(429, {"": [message]}, Retry_After=str(wait))

    refused = _check_body_headers(request)
    if refused is not None:
        return refused
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        message = f"Idempotency-Key must be {MAX_IDEMPOTENCY_KEY} characters or fewer"
        return errors(400, {"Idempotency-Key": [message]})

    closed = _not_open(consultation)
    if closed is not None:
        return closed

    body = _read_body(request)
    if len(body) > MAX_BODY_BYTES:
        return too_large()
    try:
        payload = json.loads(body.decode("utf-8").removeprefix("\ufeff"), parse_constant=_no)
        # Escapes of lone surrogates ("\ud800") are JSON's grammar but not Unicode text
        # (RFC 7493 forbids them), and no database would store them.
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        return errors(400, {"": [NOT_JSON]})

    problems = _checks_before_forms(payload)
    if "tab" in problems:
        return errors(400, problems)
    try:
        submission = submission_from_payload(consultation, payload, Response.Channel.API)
    except PayloadError as error:
        return errors(400, {**error.errors, **problems})
    if problems:
        return errors(400, problems)
    digest = body_hash(payload) if key else ""
    try:
        response, created = submission.store(
            token=idempotency_token(consultation, key) if key else None, body_hash=digest
        )
    except DatabaseError:
        logger.exception("Could not store an intake API submission for %s", consultation.slug)
        return errors(503, {"": [NOT_SAVED]}, Retry_After="60")
    if not created and response.body_hash and response.body_hash != digest:
        return errors(422, {"Idempotency-Key": [KEY_REUSED]})
    reply = JsonResponse(
        {"status": "accepted", "reference": response.reference}, status=201 if created else 200
    )
    reply["Cache-Control"] = "no-store"
    return reply


def _check_body_headers(request: HttpRequest) -> JsonResponse | None:
    content_type = (request.content_type or "").lower()
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if content_type != "application/json" or charset not in ("utf-8", "utf8"):
        return errors(415, {"": ["Send the body as JSON, with Content-Type: application/json"]})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return too_large() if declared > MAX_BODY_BYTES else None


def _read_body(request: HttpRequest) -> bytes:
    """Up to one byte more than the limit. Read directly, not with `request.body`, so that
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE never answers first. A chunked body has no
    Content-Length, and Django would read it as empty: the server (gunicorn sets
    `wsgi.input_terminated`) ends the stream where the body ends, so it is read from there."""
    if not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated"):
        return request.META["wsgi.input"].read(MAX_BODY_BYTES + 1)
    return request.read(MAX_BODY_BYTES + 1)


def _checks_before_forms(payload: Any) -> dict[str, list[str]]:
    """What the API checks itself: that `tab` is text at all, and lengths as sent.

    The forms count characters after removing spaces at either end and control characters,
    so a longer text could pass them: checking the text as sent as well makes every limit
    exact (the OpenAPI description's maxLength), and bounds the page address, which the
    forms need not check (a form posts to its page's own address)."""
    if not isinstance(payload, dict):
        return {}
    if not isinstance(payload.get("tab"), str | None):  # payloads would fail on e.g. {}
        return {"tab": ['tab must be "Feedback" or "MainFeedback"']}
    found = {}
    for name, (label, limit) in RAW_LIMITS.items():
        value = payload.get(name)
        if isinstance(value, str) and len(value) > limit:
            found[name] = [f"{label} must be {limit:,} characters or fewer"]
    return found


def _no(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _not_open(consultation: Consultation) -> JsonResponse | None:
    status = consultation.status(timezone.now())
    settings = consultation.settings
    if status == "closed":
        message = f"This consultation closed on {describe_moment(settings.closes)}"
    elif status == "not-open-yet":
        message = f"This consultation opens on {describe_moment(settings.opens)}"
    else:
        return None
    return errors(403, {"": [message]})
