"""The analyst workspace's addresses, under /-/ (see soundingboard.urls).

The workspace's home is /-/analyse/ and one consultation's analysis is under
/-/analyse/<slug>/; the pages that belong to no consultation (signing in, accounts, users,
the audit log, erasure, the workspace's accessibility statement) are directly under /-/, so
that no slug is kept from a consultation.
"""

from __future__ import annotations

from django.urls import include, path

from .views import (
    attachments,
    codebook,
    erasure,
    exports,
    home,
    ideas,
    overview,
    publish_response,
    received,
    report,
    response,
    responses,
    results_notice,
    statement,
    themes,
    themes_responses,
)

app_name = "analyse"

urlpatterns = [
    path("analyse/", home.home, name="home"),
    # The accounts pages: sign-in, one's own account, users, the audit log.
    path("", include("soundingboard.accounts.urls")),
    path("erasure/", erasure.erasure_page, name="erasure"),
    path("workspace-accessibility/", statement.accessibility, name="accessibility"),
    # One consultation's analysis: after every fixed address above.
    path("analyse/<slug:slug>/", overview.overview, name="overview"),
    path("analyse/<slug:slug>/ideas/", ideas.ideas, name="ideas"),
    path("analyse/<slug:slug>/responses/", responses.responses, name="responses"),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/documents/<int:attachment_id>/",
        attachments.attachment_download,
        name="attachment-download",
    ),
    path("analyse/<slug:slug>/responses/bulk/", responses.responses_bulk, name="responses-bulk"),
    path("analyse/<slug:slug>/responses/enter/", received.enter_response, name="responses-enter"),
    path(
        "analyse/<slug:slug>/responses/enter/questionnaire/",
        received.enter_questionnaire_response,
        name="responses-enter-questionnaire",
    ),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/",
        response.response_detail,
        name="response",
    ),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/tags/",
        response.response_tags,
        name="response-tags",
    ),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/notes/",
        response.response_note,
        name="response-notes",
    ),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/status/",
        response.response_status,
        name="response-status",
    ),
    path(
        "analyse/<slug:slug>/results-notice/",
        results_notice.results_notice,
        name="results-notice",
    ),
    path(
        "analyse/<slug:slug>/responses/<str:reference>/progress/",
        response.response_progress,
        name="response-progress",
    ),
    path("analyse/<slug:slug>/codebook/", codebook.codebook, name="codebook"),
    path("analyse/<slug:slug>/codebook/new/", codebook.codebook_create, name="codebook-create"),
    path(
        "analyse/<slug:slug>/codebook/<int:tag_id>/rename/",
        codebook.codebook_rename,
        name="codebook-rename",
    ),
    path(
        "analyse/<slug:slug>/codebook/<int:tag_id>/merge/",
        codebook.codebook_merge,
        name="codebook-merge",
    ),
    path(
        "analyse/<slug:slug>/codebook/<int:tag_id>/delete/",
        codebook.codebook_delete,
        name="codebook-delete",
    ),
    path("analyse/<slug:slug>/themes/", themes.themes, name="themes"),
    path("analyse/<slug:slug>/themes/new/", themes.themes_start, name="themes-start"),
    path("analyse/<slug:slug>/themes/<int:run_id>/", themes.run_page, name="themes-run"),
    path("analyse/<slug:slug>/themes/<int:run_id>/add/", themes.themes_add, name="themes-add"),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/merge/", themes.themes_merge, name="themes-merge"
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/confirm/",
        themes.themes_confirm,
        name="themes-confirm",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/assign/",
        themes.themes_assign,
        name="themes-assign",
    ),
    path("analyse/<slug:slug>/themes/<int:run_id>/move/", themes.themes_move, name="themes-move"),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/<int:theme_id>/",
        themes.theme_page,
        name="themes-theme",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/<int:theme_id>/rename/",
        themes.theme_rename,
        name="themes-rename",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/<int:theme_id>/split/",
        themes.theme_split,
        name="themes-split",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/<int:theme_id>/delete/",
        themes.theme_delete,
        name="themes-delete",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/responses/<str:reference>/",
        themes_responses.response_themes,
        name="themes-response",
    ),
    path(
        "analyse/<slug:slug>/themes/<int:run_id>/responses/<str:reference>/correct/",
        themes_responses.response_themes_correct,
        name="themes-correct",
    ),
    path("analyse/<slug:slug>/report/", report.report, name="report"),
    path(
        "analyse/<slug:slug>/report/data.csv",
        report.report_data,
        {"format": "csv"},
        name="report-csv",
    ),
    path(
        "analyse/<slug:slug>/report/data.json",
        report.report_data,
        {"format": "json"},
        name="report-json",
    ),
    path(
        "analyse/<slug:slug>/report/publish/",
        publish_response.publish,
        name="report-publish",
    ),
    path(
        "analyse/<slug:slug>/report/report.pdf",
        report.report_document,
        {"format": "pdf"},
        name="report-pdf",
    ),
    path(
        "analyse/<slug:slug>/report/report.docx",
        report.report_document,
        {"format": "docx"},
        name="report-docx",
    ),
    path("analyse/<slug:slug>/export/", exports.export_page, name="export"),
    path("analyse/<slug:slug>/export/download/", exports.export_download, name="export-download"),
]
