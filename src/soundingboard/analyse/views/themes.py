"""The analyst workspace's themes: finding candidate themes in the free text, shaping them
(rename, merge, split, delete), confirming the set, and correcting how answers are assigned.

Pages (anyone with a role may read them; only analysts and admins may change anything, so
every POST view is `min_role=Role.ANALYST`):

    themes/                                 the sets found so far; find themes (POST)
    themes/<run>/                           one set: its themes, duplicates, what was read
    themes/<run>/<theme>/                   one theme's answers; move ticked ones in bulk

One answer's themes, to correct (themes/<run>/responses/<reference>/), are
`themes_responses`'s.

The work is done by `themes.runs` (candidate themes) and `themes.assignment` (confirming,
the machine's assignment and people's corrections), which record every change. Finding
themes, confirming and assigning run within the request: for a large consultation that can
take some seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...collect.models import Response
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from ..filters import ResponseFilter
from ..models import Theme, ThemeAssignment, ThemeDuplicateGroup, ThemeRun
from ..presentation.filter_form import Suppression, error_links, filter_form
from ..presentation.themes import (
    FIELD_LABELS,
    NOT_SET_UP,
    REPRESENTATION_HINTS,
    REPRESENTATION_LABELS,
    closer_reading_note,
    default_representation,
    read_with_words,
    representation_options,
    run_or_404,
    run_title,
    run_trail,
    run_url,
    stability_words,
    theme_or_404,
    theme_url,
    themes_context,
)
from ..presentation.workspace import by_posted_id, int_or_none, responses_count
from ..themes import embedding
from ..themes.assignment import assign, confirm, corrections, move, split, themes_of
from ..themes.common import ThemeError
from ..themes.engine import representations
from ..themes.engine.fields import FIELDS, answer_text
from ..themes.framework import add_theme
from ..themes.runs import (
    MAX_K,
    MAX_SPLIT,
    MIN_K,
    delete_theme,
    merge_themes,
    rename_theme,
    start_run,
)

PER_PAGE = 50
MAX_DUPLICATE_GROUPS = 20


# The list of sets, and finding themes ------------------------------------------------------


@analyst_view
def themes(request: HttpRequest, slug: str) -> HttpResponse:
    """The sets of themes found so far, and (for analysts) the form to find themes."""
    consultation = get_consultation(slug)
    flt = ResponseFilter.for_consultation(consultation)
    return _render_start(request, consultation, flt, [], {}, {})


def _render_start(
    request: HttpRequest,
    consultation: Consultation,
    flt: ResponseFilter,
    problems: list,
    errors: dict[str, str],
    values: dict[str, str],
) -> HttpResponse:
    slug = consultation.slug
    runs = list(
        ThemeRun.objects.filter(consultation=slug).annotate(
            n_themes=Count("themes", filter=~Q(themes__key=Theme.OTHER))
        )
    )
    fields = [("", FIELD_LABELS[""])] + [
        (name, FIELD_LABELS.get(name, FIELDS[name].capitalize()))
        for name in FIELDS
        if name != "comments" or consultation.settings.questionnaire is not None
    ]
    form = filter_form(flt, Suppression(), problems)
    form["open"] = form["open"] or bool(problems)
    links = [(anchor, message) for anchor, message in errors.items()] + error_links(problems)
    return render(
        request,
        "analyse/themes.html",
        {
            **themes_context(request, consultation, [("Themes", "")]),
            "runs": [(r, run_title(r), FIELD_LABELS.get(r.field, r.field)) for r in runs],
            "fields": fields,
            "chosen_field": values.get("field", ""),
            "k_value": values.get("k", ""),
            "representations": representation_options(
                values.get("representation") or default_representation()
            ),
            "labels": REPRESENTATION_LABELS,
            "form": form,
            "errors": errors,
            "representation_error": errors.get("representation-tfidf", ""),
            "error_links": links,
            "min_k": MIN_K,
            "max_k": MAX_K,
        },
        status=400 if links else 200,
    )


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Find candidate themes in the answers chosen: a new draft set."""
    consultation = get_consultation(slug)
    post = request.POST
    values = {key: post.get(key, "").strip() for key in ("field", "k", "representation")}
    errors: dict[str, str] = {}
    field = values["field"]
    if field and field not in FIELDS:
        errors["field"] = "Choose which answers to read"
    k = None
    if values["k"]:
        k = int_or_none(values["k"])
        if k is None or not MIN_K <= k <= MAX_K:
            errors["k"] = (
                f"The number of themes must be a whole number between {MIN_K} and {MAX_K}, "
                "or left empty"
            )
    representation = values["representation"]
    reason = embedding.availability().get(representation, "")
    if representation not in representations.NAMES:
        errors["representation-tfidf"] = "Choose how to read the answers"
    elif reason:
        errors["representation-tfidf"] = reason
    flt, problems = ResponseFilter.from_query(post, consultation)
    if not errors and not problems:
        try:
            run = start_run(
                request.user,
                consultation,
                response_filter=flt,
                field=field or None,
                k=k,
                representation=representation,
            )
        except ThemeError as error:
            errors["field"] = str(error)
        else:
            notify(
                request,
                f"Found {run.k} themes in {responses_count(run.responses)}"
                f" in {run.seconds:.1f} seconds.",
            )
            return redirect(run_url(run))
    return _render_start(request, consultation, flt, problems, errors, values)


# One set of themes -------------------------------------------------------------------------


@dataclass
class ThemeRow:
    theme: Theme
    quotes: list[tuple[Response, str]]
    answers: int  # rows with the theme, main or second, duplicates included
    corrected: int


@analyst_view
def run_page(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    consultation = get_consultation(slug)
    return _render_run(request, consultation, run_or_404(slug, run_id))


def _render_run(
    request: HttpRequest,
    consultation: Consultation,
    run: ThemeRun,
    errors: dict[str, str] | None = None,
    error_theme: int | None = None,
) -> HttpResponse:
    errors = errors or {}
    themes = list(run.themes.select_related("tag").order_by("position", "id"))
    counts = dict(
        ThemeAssignment.objects.filter(run=run, theme__isnull=False)
        .values("theme")
        .annotate(n=Count("id"))
        .values_list("theme", "n")
    )
    corrected = dict(
        ThemeAssignment.objects.filter(run=run, source="person", theme__isnull=False)
        .values("theme")
        .annotate(n=Count("id"))
        .values_list("theme", "n")
    )
    quote_ids = [i for t in themes for i in t.quote_ids]
    groups = list(run.duplicate_groups.select_related("representative")[:MAX_DUPLICATE_GROUPS])
    shown = {
        r.pk: r
        for r in Response.objects.filter(
            pk__in=quote_ids + [g.representative_id for g in groups if g.representative_id]
        )
    }
    rows = [
        ThemeRow(
            theme,
            [(shown[i], answer_text(shown[i], run.field)) for i in theme.quote_ids if i in shown],
            counts.get(theme.pk, 0),
            corrected.get(theme.pk, 0),
        )
        for theme in themes
    ]
    main_theme = dict(
        ThemeAssignment.objects.filter(
            run=run, rank=1, response_id__in=[g.representative_id for g in groups]
        ).values_list("response_id", "theme__label")
    )
    corrected_by_people = corrections(run)
    reasons = embedding.availability()
    return render(
        request,
        "analyse/themes_run.html",
        {
            **themes_context(
                request,
                consultation,
                run_trail(run),
            ),
            "run": run,
            "title": run_title(run),
            "stability": stability_words(run),
            "field_label": FIELD_LABELS.get(run.field, run.field),
            "unavailable": [
                (REPRESENTATION_LABELS[name], NOT_SET_UP)
                for name, reason in reasons.items()
                if reason
            ],
            "assigned_with": read_with_words(run.assigned_with) if run.assigned_with else "",
            "read_with": " ".join(
                (
                    f"{REPRESENTATION_LABELS.get(run.representation, run.representation)}.",
                    REPRESENTATION_HINTS.get(run.representation, ""),
                )
            ),
            "rows": rows,
            "mergeable": [row.theme for row in rows if not row.theme.is_other],
            "groups": [
                (
                    g,
                    answer_text(g.representative, run.field) if g.representative else "",
                    main_theme.get(g.representative_id, "")
                    if g.representative_id is not None
                    else "",
                )
                for g in groups
            ],
            "n_groups": run.duplicate_groups.count(),
            "in_groups": sum(
                ThemeDuplicateGroup.objects.filter(run=run).values_list("count", flat=True)
            ),
            "n_corrected": len(corrected_by_people),
            "max_split": MAX_SPLIT,
            "errors": errors,
            "error_links": list(errors.items()),
            "error_theme": error_theme,
            "values": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


class Refused(Exception):
    """A change refused: the message, and where on the run page it belongs."""

    def __init__(self, error: ThemeError, anchor: str, theme: Theme | None = None):
        super().__init__(str(error))
        self.anchor = anchor
        self.theme_id = theme.pk if theme is not None else None


def _reading_note(run: ThemeRun) -> str:
    """After a change that assigned a confirmed set's answers again: what to do if the machine
    could not read them with the sentence model yet."""
    if not run.is_confirmed:
        return ""
    run.refresh_from_db(fields=["assigned_with"])
    return closer_reading_note(run.assigned_with)


def _change(request: HttpRequest, slug: str, run_id: int, change: Any) -> HttpResponse:
    """Make `change(consultation, run)`, which returns the notice to show or raises Refused;
    then back to the run page (with the error, if refused)."""
    consultation = get_consultation(slug)
    run = run_or_404(slug, run_id)
    try:
        notice = change(consultation, run)
    except Refused as refused:
        return _render_run(
            request, consultation, run, {refused.anchor: str(refused)}, refused.theme_id
        )
    notify(request, notice)
    return redirect(run_url(run))


@require_POST
@analyst_view(min_role=Role.ANALYST)
def theme_rename(request: HttpRequest, slug: str, run_id: int, theme_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        theme = theme_or_404(run, theme_id)
        before = theme.label
        try:
            changed = rename_theme(request.user, theme, request.POST.get("label", ""))
        except ThemeError as error:
            raise Refused(error, f"rename-{theme.pk}", theme) from None
        return f"Theme “{before}” renamed “{theme.label}”." if changed else "Nothing changed."

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_merge(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        ids = [int_or_none(v) for v in request.POST.getlist("theme")]
        chosen = list(run.themes.filter(pk__in=[i for i in ids if i is not None]))
        try:
            merged = merge_themes(request.user, run, chosen, request.POST.get("label", ""))
        except ThemeError as error:
            raise Refused(error, "merge-themes") from None
        return f"{len(chosen)} themes merged into “{merged.label}”."

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_add(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        try:
            theme = add_theme(
                request.user,
                consultation,
                run,
                request.POST.get("label", ""),
                request.POST.get("phrases", ""),
            )
        except ThemeError as error:
            raise Refused(error, "add-label") from None
        n = ThemeAssignment.objects.filter(theme=theme, rank=1).count()
        return f"Theme “{theme.label}” added, with {responses_count(n)}." + _reading_note(run)

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def theme_split(request: HttpRequest, slug: str, run_id: int, theme_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        theme = theme_or_404(run, theme_id)
        n = int_or_none(request.POST.get("n", ""))
        try:
            if n is None:
                raise ThemeError(f"Enter how many themes to split it into, 2 to {MAX_SPLIT}")
            made = split(request.user, consultation, theme, n)
        except ThemeError as error:
            raise Refused(error, f"split-{theme.pk}", theme) from None
        made_names = "; ".join(t.label for t in made)
        return f"“{theme.label}” split into {len(made)} themes: {made_names}." + _reading_note(run)

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def theme_delete(request: HttpRequest, slug: str, run_id: int, theme_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        theme = theme_or_404(run, theme_id)
        try:
            n = delete_theme(request.user, theme)
        except ThemeError as error:
            raise Refused(error, f"delete-{theme.pk}", theme) from None
        done = "dissolved" if theme.is_non_answer else "deleted"
        return f"Theme “{theme.label}” {done}: its {responses_count(n)} went to Other / unclear."

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_confirm(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        try:
            outcome = confirm(request.user, consultation, run)
        except ThemeError as error:
            raise Refused(error, "confirm") from None
        return (
            f"Themes confirmed, and {responses_count(outcome.assigned)} assigned to them "
            f"({read_with_words(outcome.assigned_with)}). Each theme is now a tag in the codebook."
            + closer_reading_note(outcome.assigned_with)
        )

    return _change(request, slug, run_id, change)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_assign(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    def change(consultation: Consultation, run: ThemeRun) -> str:
        try:
            outcome = assign(request.user, consultation, run)
        except ThemeError as error:
            raise Refused(error, "assign") from None
        how = ThemeRun.Method(outcome.method).label.lower()
        return (
            f"{responses_count(outcome.assigned)} assigned again ({how}, "
            f"{read_with_words(outcome.assigned_with)}); "
            f"{outcome.kept:,} corrected by people kept as they were."
            + closer_reading_note(outcome.assigned_with)
        )

    return _change(request, slug, run_id, change)


# One theme's answers ------------------------------------------------------------------------


@analyst_view
def theme_page(request: HttpRequest, slug: str, run_id: int, theme_id: int) -> HttpResponse:
    consultation = get_consultation(slug)
    run = run_or_404(slug, run_id)
    theme = theme_or_404(run, theme_id)
    rows = (
        ThemeAssignment.objects.filter(theme=theme)
        .select_related("response", "machine_theme", "changed_by")
        .order_by("rank", "response_id")
    )
    paginator = Paginator(rows, PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    others = themes_of(run, [a.response_id for a in page.object_list])
    base = theme_url(theme)
    return render(
        request,
        "analyse/themes_theme.html",
        {
            **themes_context(
                request,
                consultation,
                run_trail(run, theme.label),
            ),
            "run": run,
            "theme": theme,
            "rows": [
                (
                    a,
                    answer_text(a.response, run.field),
                    [
                        other.theme
                        for rank, other in sorted(others.get(a.response_id, {}).items())
                        if rank != a.rank and other.theme is not None
                    ],
                )
                for a in page.object_list
            ],
            "page": page,
            "paginator": paginator,
            "previous_url": f"{base}?p={page.previous_page_number()}"
            if page.has_previous()
            else "",
            "next_url": f"{base}?p={page.next_page_number()}" if page.has_next() else "",
            "targets": list(run.themes.exclude(pk=theme.pk).order_by("position", "id")),
        },
    )


@require_POST
@analyst_view(min_role=Role.ANALYST)
def themes_move(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """Move the ticked answers of one theme's list to another theme."""
    run = run_or_404(slug, run_id)
    source = by_posted_id(run.themes.all(), request.POST.get("from"))
    target = by_posted_id(run.themes.all(), request.POST.get("to"))
    back = theme_url(source) if source else run_url(run)
    page = int_or_none(request.POST.get("p"))
    if page and page > 1:
        back += f"?p={page}"
    references = request.POST.getlist("response")[:PER_PAGE]
    if target is None:
        notify(request, "Nothing was changed: choose a theme to move them to.")
        return redirect(back)
    if not references:
        notify(request, "Nothing was changed: tick the answers to move first.")
        return redirect(back)
    ids = list(
        Response.objects.filter(consultation=slug, reference__in=references).values_list(
            "pk", flat=True
        )
    )
    try:
        n = move(request.user, run, ids, target, from_theme=source)
    except ThemeError as error:
        notify(request, f"Nothing was changed: {error}.")
        return redirect(back)
    notify(request, f"{responses_count(n)} moved to “{target.label}”.")
    return redirect(back)
