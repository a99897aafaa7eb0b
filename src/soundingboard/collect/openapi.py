"""The intake API described in OpenAPI 3.1, built for the consultations this instance serves.

The option lists (roles, natures, the main questionnaire's ideas) are those of the loaded
consultations, and every length limit comes from `limits`, so the description always says
what this instance accepts. Served at `/-/api/openapi.json`.
"""

from __future__ import annotations

import json
import threading
from importlib import metadata
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from ..core.errors import SERVER_ERROR
from ..core.text import invisible_characters_class
from ..publish.consultation import Consultation
from ..publish.registry import Registry, get_registry
from .api import KEY_REUSED, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY, MAX_PAGE_ADDRESS, errors
from .limits import LIMITS, SUMMARY_MIN_LENGTH
from .payloads import MAX_UNMATCHED_IDEA_NAME, MAX_UNMATCHED_IDEAS

MAX_ACTIVITIES = 200  # as payloads._ticks checks
REFERENCE_PATTERN = r"^SB-[0-9A-Z]{4}-[0-9A-Z]{4}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _union(lists: list[list[str]]) -> list[str]:
    """Every option, each once, in the order first met."""
    return list(dict.fromkeys(option for options in lists for option in options))


def _text(max_length: int, description: str, **more: Any) -> dict[str, Any]:
    """An optional text field: empty, absent or null all mean not given."""
    kind = more.pop("type", ["string", "null"])
    return {"type": kind, "maxLength": max_length, "description": description, **more}


def _or_null(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}], "description": description}


def summary_pattern() -> str:
    """Summary: at least SUMMARY_MIN_LENGTH characters that show, as the form counts them
    (`core.text.visible_length`: spaces, line breaks, control and format characters such as the
    zero-width space are not counted). Written without look-arounds, which test-data
    generators such as Schemathesis cannot use."""
    hidden = invisible_characters_class()
    return rf"^(?:[{hidden}]*[^{hidden}]){{{SUMMARY_MIN_LENGTH}}}"


def _error_reply(description: str, example: dict[str, list[str]], **headers: Any) -> dict:
    reply: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref("Errors"), "example": {"errors": example}}},
    }
    if headers:
        reply["headers"] = headers
    return reply


def build_openapi(consultations: list[Consultation], *, several: bool = False) -> dict[str, Any]:
    """The OpenAPI document for these consultations. With several, or `several=True` (one of
    an instance's several), the `consultation` parameter is required."""
    several = several or len(consultations) > 1
    roles = _union([c.settings.feedback.roles for c in consultations])
    natures = _union([c.settings.feedback.natures for c in consultations])
    questionnaires = [c.settings.questionnaire for c in consultations if c.settings.questionnaire]
    ideas = _union([[i.name for i in q.ideas] for q in questionnaires])
    examples = [
        f"{idea.name}: {activity}"
        for q in questionnaires[:1]
        for idea in q.ideas[:2]
        for activity in idea.activities[:1]
    ]
    per_consultation = (
        " The options listed are those of every consultation served here together; each "
        "consultation accepts its own, which /-/api/openapi.json?consultation=SLUG lists."
        if len(consultations) > 1
        else ""
    )

    hidden = {
        "page": _text(
            MAX_PAGE_ADDRESS,
            "The full address of the page in the respondent's browser (`location.href`), or "
            "its `?page=` parameter. It is matched to the consultation's pages from its end, "
            "so a site served under a path of its own matches too; an address that matches no "
            "page, however many parts its path has, is kept as sent (the first "
            f"{LIMITS['page_path']} characters), marked as unmatched. Empty, absent, the root "
            "of a site or the path of the consultation's `site_url`: the home page.",
        ),
        "hp_field": {
            "description": "Hidden from people, who leave it empty. A submission with text in "
            "it is answered as usual and kept aside as suspected spam.",
        },
    }
    about_you = {
        "role": {**_ref("Role"), "description": "The respondent's role: one of the list."},
        "org": _text(LIMITS["organisation"], "The respondent's organisation (optional)."),
        "email": _or_null(_ref("Email"), "An email address, for follow-up only (optional)."),
        "nature": _or_null(_ref("Nature"), "What kind of feedback this is (optional)."),
        "may_quote": {
            "type": ["string", "null"],
            "enum": ["yes", "no", "", None],
            "description": "The answer to the consultation's consent-to-quote question, when "
            "it asks one (`quote_consent`): may the response be quoted, without the "
            "respondent's name? Ignored when the consultation does not ask it (optional).",
        },
    }
    page_feedback = {
        "type": "object",
        "description": "Feedback on one page, as the original site's per-page form sent it.",
        "required": ["tab", "summary", "role"],
        "properties": {
            "tab": {"type": "string", "const": "Feedback"},
            "page": hidden["page"],
            "summary": _text(
                LIMITS["summary"],
                f"A summary of the feedback: at least {SUMMARY_MIN_LENGTH} characters that "
                "show: spaces, line breaks, control characters and invisible formatting "
                "characters (such as zero-width spaces) are not counted.",
                type="string",
                minLength=SUMMARY_MIN_LENGTH,
                pattern=summary_pattern(),
            ),
            "details": _text(LIMITS["details"], "More detail (optional)."),
            **about_you,
            "hp_field": hidden["hp_field"],
        },
    }
    schemas: dict[str, Any] = {
        "PageFeedback": page_feedback,
        "Role": {"type": "string", "enum": roles},
        "Nature": {"type": "string", "enum": ["", *natures]},
        "Email": {
            "description": "An email address, or empty.",
            "anyOf": [
                {"type": "string", "const": ""},
                {"type": "string", "format": "email", "maxLength": LIMITS["email"]},
            ],
        },
        "Accepted": {
            "type": "object",
            "required": ["status", "reference"],
            "properties": {
                "status": {"type": "string", "const": "accepted"},
                "reference": {
                    "type": "string",
                    "pattern": REFERENCE_PATTERN,
                    "description": "The response's reference, for the respondent to quote.",
                },
            },
        },
        "Errors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "object",
                    "description": "Messages for each field at fault, under the payload's own "
                    "field names; messages about the request as a whole are under the "
                    "empty name.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            },
        },
    }
    body_variants = [_ref("PageFeedback")]
    mapping = {"Feedback": "#/components/schemas/PageFeedback"}
    if questionnaires:
        schemas["IdeaName"] = {"type": "string", "enum": ideas}
        schemas["Score"] = {
            "description": "A score from 1 (low) to 5 (high).",
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 5},
                {"type": "string", "enum": ["1", "2", "3", "4", "5"]},
            ],
        }
        schemas["Scores"] = {
            "description": "Scores by idea name (see IdeaName). Unscored ideas are left out. "
            "An idea sent under another name (such as an earlier site's) is matched by its "
            "aliases; names that match no idea are kept as sent, apart from the ideas, up to "
            f"{MAX_UNMATCHED_IDEAS} such names in one submission (counting both objects), each "
            f"at most {MAX_UNMATCHED_IDEA_NAME} characters: more, or longer, is refused (400).",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {idea: _ref("Score") for idea in ideas},
                    "additionalProperties": _ref("Score"),
                },
                {"type": "string", "const": ""},
                {"type": "null"},
            ],
        }
        schemas["MainFeedback"] = {
            "type": "object",
            "description": "The main questionnaire, as the original site sent it.",
            "required": ["tab", "role"],
            "properties": {
                "tab": {"type": "string", "const": "MainFeedback"},
                "page": hidden["page"],
                **about_you,
                "rank_usefulness": {
                    **_ref("Scores"),
                    "description": "How useful each idea would be, if achieved.",
                },
                "rank_likelihood": {
                    **_ref("Scores"),
                    "description": "How likely the respondent's organisation is to use what "
                    "each idea produces.",
                },
                "activities": {
                    "type": ["array", "null"],
                    "maxItems": MAX_ACTIVITIES,
                    "description": "Ticked activities, each as “Idea: activity”. Small "
                    "differences in names and punctuation are matched; what cannot be "
                    "matched is kept as sent.",
                    "items": {"type": "string", "maxLength": LIMITS["tick"]},
                    "examples": [examples] if examples else [],
                },
                "section": _text(LIMITS["title"], "The part of the site it was sent from."),
                "comments": _text(LIMITS["comments"], "Open comments (optional)."),
                "hp_field": hidden["hp_field"],
            },
        }
        body_variants.append(_ref("MainFeedback"))
        mapping["MainFeedback"] = "#/components/schemas/MainFeedback"

    consultation_parameter = {
        "name": "consultation",
        "in": "query",
        "required": several,
        "description": "The consultation's slug"
        + (": required, since this instance serves several." if several else " (optional)."),
        "schema": {"type": "string", "enum": [c.slug for c in consultations]},
    }
    idempotency_parameter = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Any unique text for this submission, such as a UUID. Sending the "
        "same key again with the same body (a retry, a double click) stores nothing more and "
        "answers 200 with the first submission's reference; with a different body it is "
        "refused (422).",
        "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
    }
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before sending again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    allow = {"Allow": {"description": "The methods allowed.", "schema": {"type": "string"}}}
    accepted = {"application/json": {"schema": _ref("Accepted")}}
    intake: dict[str, Any] = {
        "summary": "Send feedback in the original site's JSON shape",
        "operationId": "sendFeedback",
        "parameters": [consultation_parameter, idempotency_parameter],
        "requestBody": {
            "required": True,
            "description": f"At most {MAX_BODY_BYTES // 1024} KiB of UTF-8 JSON.",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": body_variants,
                        "discriminator": {"propertyName": "tab", "mapping": mapping},
                    }
                }
            },
        },
        "responses": {
            "201": {"description": "Stored.", "content": accepted},
            "200": {
                "description": "Already stored under this Idempotency-Key: nothing new stored.",
                "content": accepted,
            },
            "400": _error_reply(
                "The body is not valid JSON, or a field fails the form's checks.",
                {"summary": [f"Summary must be {SUMMARY_MIN_LENGTH} characters or more"]},
            ),
            "422": _error_reply(
                "The `Idempotency-Key` was already used for a different submission: nothing "
                "stored. The same body is a retry (200), whatever its spacing and key order.",
                {"Idempotency-Key": [KEY_REUSED]},
            ),
            "403": _error_reply(
                "Sent from a site whose origin is not in the consultation's "
                "`allowed_origins`, or the consultation is not open.",
                {"": ["This consultation closed on 31 March 2027"]},
            ),
            "404": _error_reply(
                "No consultation with that slug.",
                {"consultation": ["There is no consultation “x” here"]},
            ),
            "405": _error_reply("Only POST.", {"": ["Send feedback with POST"]}, **allow),
            "413": _error_reply(
                f"The body is over {MAX_BODY_BYTES // 1024} KiB.",
                {"": [f"The body must be {MAX_BODY_BYTES // 1024} KiB or smaller"]},
            ),
            "415": _error_reply(
                "The body is not sent as `application/json` (UTF-8).",
                {"": ["Send the body as JSON, with Content-Type: application/json"]},
            ),
            "429": _error_reply(
                "Too many submissions from this client's address for now.",
                {"": ["Too many submissions from your network. Try again in 300 seconds."]},
                **retry_after,
            ),
            "500": _error_reply(
                "An unexpected failure on the server. The submission may or may not have been "
                "stored: send it again with the same `Idempotency-Key`, which stores it once.",
                {"": [SERVER_ERROR]},
            ),
            "503": _error_reply(
                "The database could not store it: nothing was stored. Try again later.",
                {"": ["Your feedback could not be saved. Try again in a few minutes."]},
                **retry_after,
            ),
        },
    }
    if several:
        intake["responses"]["400"]["description"] += " Or no consultation was named."
    title = consultations[0].title if len(consultations) == 1 else "soundingboard"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{title}: intake API",
            "version": _version(),
            "description": "Takes feedback as JSON, in the shapes the original consultation "
            "site's form scripts sent. Other sites may post from their pages' scripts when "
            "their origin is in the consultation's `allowed_origins`. Suspected spam is "
            "answered like any submission and kept aside." + per_consultation,
        },
        "paths": {
            "/-/api/intake": {"post": intake},
            "/-/api/openapi.json": {
                "get": {
                    "summary": "This description",
                    "operationId": "getOpenAPI",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }


def _version() -> str:
    try:
        return metadata.version("soundingboard")
    except metadata.PackageNotFoundError:
        return "0"


_lock = threading.Lock()
_built: tuple[Registry, dict[str, bytes]] | None = None


def openapi_document(registry: Registry, slug: str = "") -> bytes:
    """The document as JSON, for every consultation or for the one with this slug; built
    once for each loaded registry."""
    global _built
    with _lock:
        if _built is None or _built[0] is not registry:
            _built = (registry, {})
        documents = _built[1]
        if slug not in documents:
            consultations = [registry.consultations[slug]] if slug else None
            several = len(registry.consultations) > 1
            document = build_openapi(
                consultations or list(registry.consultations.values()), several=several
            )
            documents[slug] = json.dumps(document, ensure_ascii=False, indent=1).encode()
        return documents[slug]


@require_safe
def openapi_json(request: HttpRequest) -> HttpResponse:
    """The description; `?consultation=SLUG` describes what that consultation accepts only
    (its own roles, natures and ideas), for an instance serving several."""
    registry = get_registry()
    slug = request.GET.get("consultation", "")
    if slug and registry.get(slug) is None:
        return errors(404, {"consultation": [f"There is no consultation “{slug}” here"]})
    reply = HttpResponse(openapi_document(registry, slug), content_type="application/json")
    reply["Cache-Control"] = "public, max-age=300"
    return reply
