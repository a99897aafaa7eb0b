"""How fast the draft report (the Report tab) is with 100,000 responses: the issue's goal is
under 10 seconds.

    PYTHONPATH=src python bench/report_speed.py                     # 100,000 on SQLite
    PYTHONPATH=src python bench/report_speed.py --responses 20000
    bash scripts/with-postgres.sh env PYTHONPATH=src python bench/report_speed.py

It fills a fresh database as `analysis_scale.py` does (its synthetic responses, with the
analysis indexes made), lets one response in three agree to be quoted, marks one in four read
and one in eight coded (with their record of changes) and adds a confirmed set of eight themes
with twenty candidate quotes each, and groups of identical answers for the campaigns annex
(one campaign of a twentieth of the answers and a hundred small groups). Then it times,
first run and best of three:

* the reference: `stats.overview.overview()`, the overview tab's numbers, in the same run;
* the report: `presentation.report.build_report()` (every count, suppressed, and the team's
  text), then the template's context with its charts (`report_context`), and the open data
  (`open_data`, `open_data_rows`);
* its three forms, each from a fresh `build_report` as a download makes it: the report tab's
  HTML page (`analyse/report.html` rendered), the PDF (`documents.pdf.report_pdf`,
  WeasyPrint) and the Word document (`documents.word.report_docx`); then the PDF and the
  Word document alone, from one report already built.
* publishing: `publishing.publish_response()` (the report built once, its page body rendered
  from the template, its PDF and Word document made, all stored with its open data as a new
  version and recorded in the audit log).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import analysis_scale as scale


def add_review_and_themes(consultation) -> None:
    """Consent to quote, progress of reading and coding, and one confirmed set of themes."""
    from django.db import connection, transaction

    from soundingboard.analyse.models import (
        Review,
        ReviewChange,
        Theme,
        ThemeDuplicateGroup,
        ThemeRun,
    )
    from soundingboard.collect.models import Response

    rng = random.Random(19)
    ids = list(
        Response.objects.filter(consultation=consultation.slug, status="accepted")
        .order_by()
        .values_list("id", flat=True)
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE collect_response SET may_quote = (id % 3 = 0) WHERE consultation = %s",
                [consultation.slug],
            )
        now = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
        read = ids[: len(ids) // 4]
        states = [
            Review(response_id=i, state="coded" if n % 2 else "read", by_name="bench", at=now)
            for n, i in enumerate(read)
        ]
        Review.objects.bulk_create(states, batch_size=5000)
        ReviewChange.objects.bulk_create(
            [
                ReviewChange(
                    response_id=s.response_id,
                    before="new",
                    after=s.state,
                    username=f"analyst{n % 3}",
                    at=now,
                )
                for n, s in enumerate(states)
            ],
            batch_size=5000,
        )
        run = ThemeRun.objects.create(
            consultation=consultation.slug,
            representation="words",
            status=ThemeRun.Status.CONFIRMED,
            k=8,
            responses=len(ids),
            counted=len(ids),
        )
        for key in range(8):
            Theme.objects.create(
                run=run,
                key=key,
                label=f"Theme {key + 1}",
                size=len(ids) // 9,
                share=1 / 9,
                quote_ids=rng.sample(ids, 20),
                position=key,
            )
        campaign = ids[: len(ids) // 20]
        groups = [ThemeDuplicateGroup(run=run, member_ids=campaign, count=len(campaign))]
        for n in range(100):
            members = ids[len(campaign) + 3 * n : len(campaign) + 3 * n + 3]
            groups.append(
                ThemeDuplicateGroup(run=run, member_ids=members, count=3, exact=n % 2 == 0)
            )
        ThemeDuplicateGroup.objects.bulk_create(groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="sb-report-bench-"))
    try:
        folder = scale.consultation_folder(root)
        (folder / "consultation.yml").write_text(
            (folder / "consultation.yml").read_text() + "closes: 2026-05-15\n"
        )
        os.environ["SOUNDINGBOARD_CONSULTATIONS"] = str(folder)
        scale.setup_django(root / "data")
        from django.contrib.auth.models import AnonymousUser
        from django.db import connection
        from django.template.loader import render_to_string
        from django.test import RequestFactory
        from django.urls import reverse

        from soundingboard.analyse.documents.pdf import report_pdf
        from soundingboard.analyse.documents.word import report_docx
        from soundingboard.analyse.filters import ResponseFilter
        from soundingboard.analyse.presentation.report import (
            build_report,
            open_data,
            open_data_rows,
            report_context,
        )
        from soundingboard.analyse.presentation.workspace import workspace_context
        from soundingboard.analyse.publishing import publish_response
        from soundingboard.analyse.stats.common import analysis_index_names, analysis_index_sql
        from soundingboard.analyse.stats.overview import overview
        from soundingboard.publish.loader import load_consultation

        consultation = load_consultation(folder)
        started = time.perf_counter()
        if connection.vendor == "sqlite":
            connection.close()
            counts = scale.fill_sqlite(
                Path(connection.settings_dict["NAME"]), args.responses, consultation
            )
        else:
            counts = scale.fill_postgresql(args.responses, consultation)
        scale.drop_indexes(analysis_index_names())  # as analysis_scale does, then made again
        scale.make_indexes(analysis_index_sql(connection))
        add_review_and_themes(consultation)
        print(f"Generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        today = dt.date(2026, 6, 1)
        flt = ResponseFilter.for_consultation(consultation)

        def whole_report() -> None:
            report = build_report(consultation, today)
            report_context(report)
            open_data_rows(open_data(report))

        request = RequestFactory().get(reverse("analyse:report", args=[consultation.slug]))
        request.user = AnonymousUser()

        def html_page() -> str:
            context = report_context(build_report(consultation, today))
            return render_to_string(
                "analyse/report.html",
                workspace_context(request, consultation, current="report", **context),
                request=request,
            )

        built = build_report(consultation, today)
        sizes = {
            "HTML": len(html_page().encode()),
            "PDF": len(report_pdf(built)),
            "Word": len(report_docx(built)),
        }

        def publish() -> None:
            publish_response(
                consultation, by=None, results_url="https://example.org/", tell_respondents=False
            )

        rows = [
            ("overview numbers (reference)", *scale.timed(lambda: overview(consultation, flt))),
            ("report numbers", *scale.timed(lambda: build_report(consultation, today))),
            ("report, charts and open data", *scale.timed(whole_report)),
            ("HTML page: report and template", *scale.timed(html_page)),
            (
                "PDF: report and `report_pdf`",
                *scale.timed(lambda: report_pdf(build_report(consultation, today))),
            ),
            (
                "Word: report and `report_docx`",
                *scale.timed(lambda: report_docx(build_report(consultation, today))),
            ),
            ("PDF alone, from a built report", *scale.timed(lambda: report_pdf(built))),
            ("Word alone, from a built report", *scale.timed(lambda: report_docx(built))),
            ("publishing (report, page, PDF, Word, stored)", *scale.timed(publish)),
        ]
        print(
            f"\n{counts['collect_response']:,} responses on {connection.vendor} "
            f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})\n"
        )
        print("| what | first run (ms) | best of 3 (ms) | CPU of best (ms) |")
        print("|---|--:|--:|--:|")
        for label, first, best, cpu in rows:
            print(f"| {label} | {first:,.0f} | {best:,.0f} | {cpu:,.0f} |")
        print("\nSizes: " + ", ".join(f"{k} {v / 1024:,.0f} KiB" for k, v in sizes.items()))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
