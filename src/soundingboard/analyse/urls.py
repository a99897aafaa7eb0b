"""The analyst workspace's addresses, under /analyse/ (see soundingboard.urls).

Addresses of one consultation's analysis go under `<slug:slug>/`, after the fixed ones here,
so that no consultation's slug can take an address of the accounts pages.
"""

from __future__ import annotations

from django.urls import include, path

from .views import (
    codebook,
    erasure,
    exports,
    home,
    ideas,
    overview,
    response,
    responses,
    results_notice,
    statement,
    themes,
    themes_responses,
)

app_name = "analyse"

urlpatterns = [
    path("", home.home, name="home"),
    # The accounts pages: sign-in, one's own account, users, the audit log.
    path("", include("soundingboard.accounts.urls")),
    path("erasure/", erasure.erasure_page, name="erasure"),
    path("accessibility/", statement.accessibility, name="accessibility"),
    # One consultation's analysis: after every fixed address above.
    path("<slug:slug>/", overview.overview, name="overview"),
    path("<slug:slug>/ideas/", ideas.ideas, name="ideas"),
    path("<slug:slug>/responses/", responses.responses, name="responses"),
    path("<slug:slug>/responses/bulk/", responses.responses_bulk, name="responses-bulk"),
    path(
        "<slug:slug>/responses/<str:reference>/",
        response.response_detail,
        name="response",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/tags/",
        response.response_tags,
        name="response-tags",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/notes/",
        response.response_note,
        name="response-notes",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/status/",
        response.response_status,
        name="response-status",
    ),
    path("<slug:slug>/results-notice/", results_notice.results_notice, name="results-notice"),
    path("<slug:slug>/codebook/", codebook.codebook, name="codebook"),
    path("<slug:slug>/codebook/new/", codebook.codebook_create, name="codebook-create"),
    path(
        "<slug:slug>/codebook/<int:tag_id>/rename/",
        codebook.codebook_rename,
        name="codebook-rename",
    ),
    path(
        "<slug:slug>/codebook/<int:tag_id>/merge/",
        codebook.codebook_merge,
        name="codebook-merge",
    ),
    path(
        "<slug:slug>/codebook/<int:tag_id>/delete/",
        codebook.codebook_delete,
        name="codebook-delete",
    ),
    path("<slug:slug>/themes/", themes.themes, name="themes"),
    path("<slug:slug>/themes/new/", themes.themes_start, name="themes-start"),
    path("<slug:slug>/themes/<int:run_id>/", themes.run_page, name="themes-run"),
    path("<slug:slug>/themes/<int:run_id>/merge/", themes.themes_merge, name="themes-merge"),
    path(
        "<slug:slug>/themes/<int:run_id>/confirm/",
        themes.themes_confirm,
        name="themes-confirm",
    ),
    path("<slug:slug>/themes/<int:run_id>/assign/", themes.themes_assign, name="themes-assign"),
    path("<slug:slug>/themes/<int:run_id>/move/", themes.themes_move, name="themes-move"),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/",
        themes.theme_page,
        name="themes-theme",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/rename/",
        themes.theme_rename,
        name="themes-rename",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/split/",
        themes.theme_split,
        name="themes-split",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/delete/",
        themes.theme_delete,
        name="themes-delete",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/responses/<str:reference>/",
        themes_responses.response_themes,
        name="themes-response",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/responses/<str:reference>/correct/",
        themes_responses.response_themes_correct,
        name="themes-correct",
    ),
    path("<slug:slug>/export/", exports.export_page, name="export"),
    path("<slug:slug>/export/download/", exports.export_download, name="export-download"),
]
