"""The analyst workspace's addresses, under /analyse/ (see soundingboard.urls).

Addresses of one consultation's analysis go under `<slug:slug>/`, after the fixed ones here,
so that no consultation's slug can take an address of the accounts pages.
"""

from __future__ import annotations

from django.urls import include, path

from . import statement, views_exports, views_home, views_overview, views_responses, views_themes

app_name = "analyse"

urlpatterns = [
    path("", views_home.home, name="home"),
    # The accounts pages: sign-in, one's own account, users, the audit log.
    path("", include("soundingboard.accounts.urls")),
    path("erasure/", views_exports.erasure_page, name="erasure"),
    path("accessibility/", statement.accessibility, name="accessibility"),
    # One consultation's analysis: after every fixed address above.
    path("<slug:slug>/", views_overview.overview, name="overview"),
    path("<slug:slug>/ideas/", views_overview.ideas, name="ideas"),
    path("<slug:slug>/responses/", views_responses.responses, name="responses"),
    path("<slug:slug>/responses/bulk/", views_responses.responses_bulk, name="responses-bulk"),
    path(
        "<slug:slug>/responses/<str:reference>/",
        views_responses.response_detail,
        name="response",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/tags/",
        views_responses.response_tags,
        name="response-tags",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/notes/",
        views_responses.response_note,
        name="response-notes",
    ),
    path(
        "<slug:slug>/responses/<str:reference>/status/",
        views_responses.response_status,
        name="response-status",
    ),
    path("<slug:slug>/codebook/", views_responses.codebook, name="codebook"),
    path("<slug:slug>/codebook/new/", views_responses.codebook_create, name="codebook-create"),
    path(
        "<slug:slug>/codebook/<int:tag_id>/rename/",
        views_responses.codebook_rename,
        name="codebook-rename",
    ),
    path(
        "<slug:slug>/codebook/<int:tag_id>/merge/",
        views_responses.codebook_merge,
        name="codebook-merge",
    ),
    path(
        "<slug:slug>/codebook/<int:tag_id>/delete/",
        views_responses.codebook_delete,
        name="codebook-delete",
    ),
    path("<slug:slug>/themes/", views_themes.themes, name="themes"),
    path("<slug:slug>/themes/new/", views_themes.themes_start, name="themes-start"),
    path("<slug:slug>/themes/<int:run_id>/", views_themes.run_page, name="themes-run"),
    path("<slug:slug>/themes/<int:run_id>/merge/", views_themes.themes_merge, name="themes-merge"),
    path(
        "<slug:slug>/themes/<int:run_id>/confirm/",
        views_themes.themes_confirm,
        name="themes-confirm",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/assign/", views_themes.themes_assign, name="themes-assign"
    ),
    path("<slug:slug>/themes/<int:run_id>/move/", views_themes.themes_move, name="themes-move"),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/",
        views_themes.theme_page,
        name="themes-theme",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/rename/",
        views_themes.theme_rename,
        name="themes-rename",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/split/",
        views_themes.theme_split,
        name="themes-split",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/<int:theme_id>/delete/",
        views_themes.theme_delete,
        name="themes-delete",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/responses/<str:reference>/",
        views_themes.response_themes,
        name="themes-response",
    ),
    path(
        "<slug:slug>/themes/<int:run_id>/responses/<str:reference>/correct/",
        views_themes.response_themes_correct,
        name="themes-correct",
    ),
    path("<slug:slug>/export/", views_exports.export_page, name="export"),
    path("<slug:slug>/export/download/", views_exports.export_download, name="export-download"),
]
