"""Addresses: one consultation at the root, or several each under its slug.

Everything soundingboard answers for itself lives under `/-/` (`core.addresses.PLATFORM`):
the workspace, the API, static files and the health check at `/-/`, and each consultation's
forms, search, privacy and accessibility pages and its published response at
`<consultation>/-/`. No Markdown page or
slug can start with `-`, so every page name and slug is free for the consultation's own use.
The API's and the health check's first addresses (`/api/intake`, `/healthz`) still answer,
since other systems were told to call them.

The address scheme depends on which consultations are loaded, so it is built from the
registry when this module is first imported.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from .analyse.views.published_response import response_data, response_document, response_page
from .collect.api import intake
from .collect.feedback import page_feedback
from .collect.openapi import openapi_json
from .collect.pages import built_address, page
from .collect.questionnaire import questionnaire, questionnaire_draft
from .collect.respondent import FORGET_PATH, forget_details
from .core.addresses import PLATFORM
from .core.favicon import favicon
from .core.health import healthz
from .publish import views as publish
from .publish.consultation import QUESTIONNAIRE_PATH, RESPONSE_PATH
from .publish.registry import get_registry


def consultation_patterns() -> list[URLPattern | URLResolver]:
    own = [
        path("search/", publish.search_view, name="search"),
        path("privacy/", publish.privacy, name="privacy"),
        path(FORGET_PATH, forget_details, name="forget-details"),
        path("accessibility/", publish.accessibility, name="accessibility"),
        path("feedback/", page_feedback, name="feedback-home"),
        path("feedback/<path:page_path>/", page_feedback, name="feedback"),
        path(QUESTIONNAIRE_PATH, questionnaire, name="questionnaire"),
        path(
            f"{QUESTIONNAIRE_PATH}saved/<str:token>/",
            questionnaire_draft,
            name="questionnaire-draft",
        ),
        path("files/<path:file_path>", publish.file, name="file"),
        # The published response ("we asked, you said, we did"), once there is one.
        path(RESPONSE_PATH, response_page, name="response"),
        path(f"{RESPONSE_PATH}data.csv", response_data, {"format": "csv"}, name="response-csv"),
        path(f"{RESPONSE_PATH}data.json", response_data, {"format": "json"}, name="response-json"),
        path(
            f"{RESPONSE_PATH}response.pdf",
            response_document,
            {"format": "pdf"},
            name="response-pdf",
        ),
        path(
            f"{RESPONSE_PATH}response.docx",
            response_document,
            {"format": "docx"},
            name="response-docx",
        ),
    ]
    return [
        path("", page, name="home"),
        path(PLATFORM, include(own)),
        path("<path:page_path>/", page, name="page"),
        re_path(r"^(?P<page_path>.+)\.html$", built_address, name="built-address"),
    ]


def build_urlpatterns() -> list[URLPattern | URLResolver]:
    platform: list[URLPattern | URLResolver] = [
        path("healthz", healthz, name="healthz"),
        path("api/intake", intake, name="api-intake"),
        path("api/openapi.json", openapi_json, name="api-openapi"),
        # The analyst workspace, before any consultation's own addresses.
        path("", include("soundingboard.analyse.urls")),
    ]
    patterns: list[URLPattern | URLResolver] = [
        path("favicon.ico", favicon, name="favicon"),
        path(PLATFORM, include(platform)),
        # The first addresses of the health check and the API, which other systems call.
        path("healthz", healthz),
        path("api/intake", intake),
        path("api/openapi.json", openapi_json),
    ]
    registry = get_registry()
    single = registry.single
    if single is not None:
        patterns.append(path("", include(consultation_patterns()), {"slug": single.slug}))
    else:
        patterns.append(path("", publish.index, name="index"))
        patterns.append(path("<slug:slug>/", include(consultation_patterns())))
    return patterns


urlpatterns = build_urlpatterns()
handler400 = "soundingboard.core.errors.bad_request"
handler404 = "soundingboard.core.errors.not_found"
handler500 = "soundingboard.core.errors.server_error"
