"""How fast the analyst overview and ideas are with a million responses.

    PYTHONPATH=src python bench/analysis_scale.py                  # 1,000,000 on SQLite
    PYTHONPATH=src python bench/analysis_scale.py --responses 200000
    PYTHONPATH=src python bench/analysis_scale.py --indexes yes    # only with them
    PYTHONPATH=src python bench/analysis_scale.py --data-dir /tmp/b  # keep it, reuse it next time
    bash scripts/with-postgres.sh env PYTHONPATH=src python bench/analysis_scale.py

It makes a fresh database with the real schema (Django's migrations, in a temporary data
directory, or the PostgreSQL database that DATABASE_URL names), fills it with synthetic
responses straight through the database driver (big transactions, no ORM), then times
`overview()` and `ideas()` from `soundingboard.analyse.stats` (and the SVG charts built from
them): the first run, then the best of three, with the peak memory. It prints a Markdown table.
On PostgreSQL the tables are vacuumed and analysed after loading, as autovacuum would be; on
SQLite nothing is analysed, as Django never does.

About one response in ten is the main questionnaire, with a score for each of 13 ideas and
about 10 ticked activities; 3% are spam; 1% of page feedback names a page the consultation
does not have; dates spread over 90 days across the change to British Summer Time.

`--indexes` chooses whether the analysis indexes (read from the models' Meta by
`soundingboard.analyse.stats.common`) are made with raw SQL before timing: "yes", "no" or
"both".

CPU time is of this process, all its threads: on SQLite it includes the database's work, on
PostgreSQL it does not. On a machine others are using, it is the steadier figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

CONSULTATION = "bench"
OTHER_CONSULTATION = "other-bench"  # a second consultation's rows, which must not be counted
PAGE_COUNT = 20
IDEA_COUNT = 13
ACTIVITIES_PER_IDEA = 4
SCORES_PER_QUESTIONNAIRE = 13
TICKS_PER_QUESTIONNAIRE = 10
DAYS = 90
START = dt.datetime(2026, 2, 15, tzinfo=dt.UTC)  # British Summer Time starts on 29 March
BATCH = 50_000


def consultation_folder(root: Path) -> Path:
    """A consultation with 20 pages and a questionnaire of 13 ideas, on disk."""
    folder = root / "consultation"
    (folder / "docs").mkdir(parents=True)
    nav = []
    for i in range(PAGE_COUNT):
        name = "index.md" if i == 0 else f"page-{i:02d}.md"
        (folder / "docs" / name).write_text(f"# Page {i}\n\nText of page {i}.\n", "utf-8")
        nav.append(f"  - {name}")
    ideas = []
    for i in range(IDEA_COUNT):
        ideas.append(f"    - name: Idea {i + 1:02d}\n      activities:")
        ideas.extend(f"        - Activity {i + 1:02d}.{a + 1}" for a in range(ACTIVITIES_PER_IDEA))
    config = "\n".join(
        [
            "title: Benchmark consultation",
            f"slug: {CONSULTATION}",
            "docs_dir: docs",
            "timezone: Europe/London",
            "pages:",
            *nav,
            "questionnaire:",
            "  ideas:",
            *ideas,
            "",
        ]
    )
    (folder / "consultation.yml").write_text(config, "utf-8")
    return folder


def setup_django(data_dir: Path) -> None:
    os.environ["SOUNDINGBOARD_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # as `serve` does


def synthetic_rows(n: int, consultation, seed: int = 2026):
    """Yield batches of (responses, scores, ticks) tuples, ids from 1."""
    from soundingboard.publish.settings_schema import DEFAULT_NATURES

    rng = random.Random(seed)
    settings = consultation.settings
    roles = [*settings.feedback.roles, ""]
    role_weights = [9, 7, 5, 6, 4, 4, 3, 3, 5, 4, 3, 2, 6, 8, 1][: len(roles)]
    natures = [*DEFAULT_NATURES, ""]
    nature_weights = [5, 4, 2, 6, 3, 1, 1]
    paths = [p.path for p in consultation.pages]
    path_weights = [1.0 / (i + 1) for i in range(len(paths))]
    ideas = settings.questionnaire.ideas
    activities = [(i.name, a) for i in ideas for a in i.activities]
    summaries = [f"Summary number {i} about this part of the paper" for i in range(50)]
    details = synthetic_texts(rng)
    seconds = DAYS * 24 * 3600

    response_id = score_id = tick_id = 0
    while response_id < n:
        size = min(BATCH, n - response_id)
        kinds = rng.choices(("page", "questionnaire"), (9, 1), k=size)
        statuses = rng.choices(("accepted", "spam"), (97, 3), k=size)
        role_column = rng.choices(roles, role_weights, k=size)
        nature_column = rng.choices(natures, nature_weights, k=size)
        path_column = rng.choices(paths, path_weights, k=size)
        offsets = [int(seconds * (rng.random() ** 0.7)) for _ in range(size)]
        responses, scores, ticks = [], [], []
        for i in range(size):
            response_id += 1
            kind = kinds[i]
            consultation_slug = OTHER_CONSULTATION if response_id % 50 == 0 else CONSULTATION
            when = START + dt.timedelta(seconds=offsets[i], microseconds=response_id % 999983)
            path, matched = path_column[i], 1
            if kind == "questionnaire":
                path = ""
            elif response_id % 100 == 7:
                path, matched = f"https://old.example.org/gone-{response_id % 13}/", 0
            responses.append(
                (
                    response_id,
                    f"SB-B{response_id:011X}",
                    consultation_slug,
                    kind,
                    "form",
                    statuses[i],
                    path,
                    matched,
                    "",
                    "",
                    "",
                    nature_column[i],
                    summaries[response_id % 50] if kind == "page" else "",
                    details[response_id % len(details)] if kind == "page" else "",
                    details[(response_id * 7) % len(details)] if kind == "questionnaire" else "",
                    role_column[i],
                    "",
                    None,
                    when.replace(tzinfo=None).isoformat(" "),
                    None,
                    "",
                )
            )
            if kind == "questionnaire":
                for idea in ideas[:SCORES_PER_QUESTIONNAIRE]:
                    score_id += 1
                    base = 1 + (hash((idea.name, role_column[i])) % 5)
                    usefulness = (
                        None if rng.random() < 0.08 else min(5, max(1, base + rng.randint(-1, 1)))
                    )
                    likelihood = None if rng.random() < 0.12 else rng.randint(1, 5)
                    if usefulness is None and likelihood is None:
                        likelihood = 3
                    scores.append((score_id, response_id, idea.name, usefulness, likelihood))
                for idea_name, activity in rng.sample(activities, TICKS_PER_QUESTIONNAIRE):
                    tick_id += 1
                    if rng.random() < 0.02:
                        ticks.append(
                            (tick_id, response_id, "", "", 0, f"Old activity {tick_id % 9}")
                        )
                    else:
                        raw = f"{idea_name}: {activity}"
                        ticks.append((tick_id, response_id, idea_name, activity, 1, raw))
        yield responses, scores, ticks


# Words of the synthetic answers: common English words, and words a consultation's answers
# use, then filler, each chosen with a weight of 1/rank (Zipf's law), as in real text:
# "library" is the 11th of 400 words, "libraries" the 44th, "kestrel" the 390th.
STOP_WORDS_TEXT = "the of and to a in is it you that he was for on are with as his they be at"
STOP_WORDS = tuple(STOP_WORDS_TEXT.split(" "))
TOPIC_WORDS = (
    "council data service funding local staff people support need community library "
    "schools housing transport health care children training budget digital system access "
    "rural towns broadband policy standards sharing quality council's residents partners "
    "services cost costs planning guidance evidence delivery model models libraries "
    "procurement suppliers market skills leadership network networks villages parks roads "
    "buses trains waste energy climate safety police fire youth older adults carers families "
    "volunteers charities businesses jobs"
)
TOPIC_WORDS = tuple(TOPIC_WORDS.split(" "))
TEXTS = 2000
VOCABULARY = 400
KESTREL_RANK = 390


def synthetic_texts(rng: random.Random) -> list[str]:
    """TEXTS answers of 10 to 80 words, stop words and topic words about half each."""
    filler = [f"word{i}" for i in range(VOCABULARY - len(TOPIC_WORDS))]
    vocabulary = [*TOPIC_WORDS, *filler]
    vocabulary[KESTREL_RANK - 1] = "kestrel"
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    texts = []
    for _ in range(TEXTS):
        n = rng.randint(10, 80)
        chosen = rng.choices(STOP_WORDS, k=n // 2) + rng.choices(vocabulary, weights, k=n - n // 2)
        rng.shuffle(chosen)
        texts.append(" ".join(chosen))
    return texts


RESPONSE_COLUMNS = (
    "id, reference, consultation, kind, channel, status, page_path, page_matched, page_title, "
    "section_id, section_title, nature, summary, details, comments, role, spam_reason, "
    "contact_id, submitted_at, submission_token, body_hash"
)
SCORE_COLUMNS = "id, response_id, idea, usefulness, likelihood"
TICK_COLUMNS = "id, response_id, idea, activity, matched, raw"
TABLES = (
    ("collect_response", RESPONSE_COLUMNS),
    ("collect_ideascore", SCORE_COLUMNS),
    ("collect_activitytick", TICK_COLUMNS),
)


def fill_sqlite(path: Path, n: int, consultation) -> dict[str, int]:
    """Insert the rows with the sqlite3 module; indexes are dropped and made again after."""
    import sqlite3

    from soundingboard.collect import search_index

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    names = [t for t, _ in TABLES]
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(names))})",
        names,
    ).fetchall()
    for name, _sql in indexes:
        db.execute(f'DROP INDEX "{name}"')
    counts = dict.fromkeys(names, 0)
    # The full-text index is filled once at the end, as the migration fills it, not by its
    # triggers row by row.
    for name in search_index.SQLITE_TRIGGERS:
        db.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    for batch in synthetic_rows(n, consultation):
        db.execute("BEGIN")
        for (table, columns), rows in zip(TABLES, batch, strict=True):
            marks = ",".join("?" * len(columns.split(",")))
            db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            counts[table] += len(rows)
        db.execute("COMMIT")
    for _name, sql in indexes:
        db.execute(sql)
    started = time.perf_counter()
    db.execute(f"INSERT INTO {search_index.FTS_TABLE}({search_index.FTS_TABLE}) VALUES ('rebuild')")
    for sql in search_index.SQLITE_TRIGGERS.values():
        db.execute(sql)
    print(
        f"Indexed the responses' text in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    db.close()
    return counts


def fill_postgresql(n: int, consultation) -> dict[str, int]:
    """COPY the rows in through psycopg, with the indexes made again after."""
    from django.db import connection

    names = [t for t, _ in TABLES]
    counts = dict.fromkeys(names, 0)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [names],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for batch in synthetic_rows(n, consultation):
            for (table, columns), rows in zip(TABLES, batch, strict=True):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(_pg_row(table, row))
                counts[table] += len(rows)
        for _name, sql in indexes:
            cursor.execute(sql)
        for table in names:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    raw.commit()
    # As autovacuum soon would after a bulk load: without it, index-only scans still visit
    # every row in the table (no visibility map yet), and the time series is 10 times slower.
    autocommit = raw.autocommit
    raw.autocommit = True
    with raw.cursor() as cursor:
        for table in names:
            cursor.execute(f"VACUUM ANALYZE {table}")
    raw.autocommit = autocommit
    return counts


def _pg_row(table: str, row: tuple) -> tuple:
    if table == "collect_response":
        row = list(row)
        row[7] = bool(row[7])
        row[18] = row[18] + "+00"
        return tuple(row)
    if table == "collect_activitytick":
        return (*row[:4], bool(row[4]), row[5])
    return row


def make_indexes(statements: list[str]) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor != "sqlite":
            cursor.execute("ANALYZE")  # PostgreSQL's autovacuum would, soon after
    return time.perf_counter() - started


def drop_indexes(names: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def timed(function, repeats: int = 3) -> tuple[float, float, float]:
    """(first run, best of `repeats` further runs, CPU time of that best run) in milliseconds.

    CPU time is this process's only: on SQLite that includes the database's work, on
    PostgreSQL it does not. On a shared machine it is the steadier of the two.
    """
    started = time.perf_counter()
    function()
    first = time.perf_counter() - started
    best, best_cpu = float("inf"), 0.0
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        took = time.perf_counter() - started
        if took < best:
            best, best_cpu = took, time.process_time() - cpu
    return first * 1000, best * 1000, best_cpu * 1000


def peak_memory(function) -> float:
    """The peak of Python allocations while `function` runs, in MiB."""
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def measure(consultation, label: str) -> list[tuple]:
    """Time both pages for two filters."""
    from django.db import reset_queries

    from soundingboard.analyse import charts
    from soundingboard.analyse.filters import ResponseFilter
    from soundingboard.analyse.stats import ideas as ideas_stats
    from soundingboard.analyse.stats import overview as overview_stats

    # As the production server does once it has loaded (serving.py): what is loaded by now
    # lives on, and collections should not scan it again on every page.
    gc.collect()
    gc.freeze()

    everything = ResponseFilter(consultation=consultation.slug)
    narrow = ResponseFilter(
        consultation=consultation.slug,
        date_from=dt.date(2026, 3, 20),
        date_to=dt.date(2026, 4, 10),
        role_groups=("Local authority",),
        natures=(DEFAULT_NATURE_0,),
    )

    def overview_page(flt):
        result = overview_stats.overview(consultation, flt)
        charts.time_series(result.over_time)
        charts.bar_chart(result.by_page)
        charts.bar_chart(result.by_role)
        charts.bar_chart(result.by_role_group)
        charts.bar_chart(result.by_nature)
        return result

    def ideas_page(flt):
        result = ideas_stats.ideas(consultation, flt)
        charts.scatter(result)
        charts.bar_chart(result.activities.table, unit="questionnaire responses")
        for idea in result.ideas:
            for measure in (idea.usefulness, idea.likelihood):
                rows = [("All respondents", measure.overall)]
                rows += [(g.label, g.summary) for g in measure.groups]
                charts.distribution_chart(rows, title=f"{idea.name}: {measure.measure}")
        return result

    reader = page_reader()

    def whole_page(address: str, flt) -> None:
        """The page as an analyst gets it: view, statistics, charts and template."""
        query = flt.to_query()
        reply = reader.get(f"{address}?{query}" if query else address)
        if reply.status_code != 200:
            raise RuntimeError(f"{address} answered {reply.status_code}")

    rows = []
    for filter_label, flt in (
        ("all responses", everything),
        ("3 weeks, 1 group, 1 nature", narrow),
    ):
        for page, function in (("overview", overview_page), ("ideas", ideas_page)):
            first, best, cpu = timed(lambda f=function, x=flt: f(x))
            peak = peak_memory(lambda f=function, x=flt: f(x))
            reset_queries()
            rows.append((label, f"{page} ({filter_label})", first, best, cpu, peak))
        for page, address in (
            ("overview", f"/-/analyse/{consultation.slug}/"),
            ("ideas", f"/-/analyse/{consultation.slug}/ideas/"),
        ):
            first, best, cpu = timed(lambda a=address, x=flt: whole_page(a, x))
            peak = peak_memory(lambda a=address, x=flt: whole_page(a, x))
            reset_queries()
            name = f"whole {page} page ({filter_label})"
            rows.append((label, name, first, best, cpu, peak))
    return rows


SEARCHES = (
    ("kestrel", "a rare word: 1% of answers"),
    ("libraries", "a common word, two stems' worth: a third of answers"),
    ("rural broadband", "two words, both common"),
    ('"rural broadband"', "a phrase"),
)


def measure_search(consultation) -> list[tuple]:
    """Time searching the responses as the list does it now (up to 1,001 matches read and
    put in order, `ListQuery.searched`; then the first 50) and, as the reference measured in
    the same run, as it did before: every match counted and ranked, then the first 50; then
    the whole list page."""
    from django.urls import reverse

    from soundingboard.analyse import search
    from soundingboard.analyse.filters import ResponseFilter
    from soundingboard.analyse.presentation.response_list import ListQuery
    from soundingboard.collect.models import Response

    everything = Response.objects.filter(consultation=consultation.slug)
    accepted = everything.filter(status="accepted")

    def as_listed(text: str) -> str:
        query = ListQuery(ResponseFilter.for_consultation(consultation), text, sort="relevance")
        listed, too_many = query.searched(everything)
        list(Response.objects.in_bulk(listed[:50]).values())
        return f"more than {search.MANY:,}" if too_many else f"{len(listed):,}"

    def every_match_ranked(text: str) -> int:
        found = search.ranked(accepted, text)
        n = found.count()
        list(found[:50])
        return n

    reader = page_reader()
    address = reverse("analyse:responses", args=[consultation.slug])

    def whole_page(text: str) -> None:
        reply = reader.get(address, {"q": text})
        if reply.status_code != 200:
            raise RuntimeError(f"{address} answered {reply.status_code}")

    rows = []
    for text, about in SEARCHES:
        shown = as_listed(text)
        first, best, cpu = timed(lambda t=text: as_listed(t))
        rows.append(("now", f"{text} ({about}; {shown} found)", first, best, cpu, 0.0))
        first, best, cpu = timed(lambda t=text: whole_page(t))
        rows.append(("now", f"whole list page: {text}", first, best, cpu, 0.0))
        n = every_match_ranked(text)
        first, best, cpu = timed(lambda t=text: every_match_ranked(t), repeats=1)
        rows.append(("every match ranked (before)", f"{text} ({n:,} found)", first, best, cpu, 0.0))
    return rows


def page_reader():
    """A test client signed in as a reader (who needs no second factor), for whole pages."""
    from django.contrib.auth.models import User
    from django.test import Client

    from soundingboard.accounts.models import AnalystProfile, Role

    user, created = User.objects.get_or_create(username="bench-reader")
    if created:
        AnalystProfile.objects.create(user=user, role=Role.READER)
    client = Client()
    client.force_login(user)
    return client


DEFAULT_NATURE_0 = "I’m enthusiastic about this"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--indexes", choices=("yes", "no", "both"), default="both")
    parser.add_argument(
        "--pages",
        choices=("all", "analysis", "search"),
        default="all",
        help="time the overview and ideas (analysis), searching the responses (search), or both",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="SQLite: keep the data directory here; if it holds a benchmark database already, "
        "time that one instead of generating another",
    )
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="sb-bench-"))
    data_dir = args.data_dir or root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        folder = consultation_folder(root)
        os.environ["SOUNDINGBOARD_CONSULTATIONS"] = str(folder)  # served, for the whole pages
        setup_django(data_dir)
        from django.db import connection

        from soundingboard.analyse.stats.common import analysis_index_names, analysis_index_sql
        from soundingboard.publish.loader import load_consultation

        consultation = load_consultation(folder)
        vendor = connection.vendor
        counts = existing_counts()
        if counts["collect_response"] and vendor == "sqlite" and args.data_dir:
            print(f"Reusing the database in {data_dir}", file=sys.stderr)
        else:
            started = time.perf_counter()
            if vendor == "sqlite":
                connection.close()
                name = Path(connection.settings_dict["NAME"])
                counts = fill_sqlite(name, args.responses, consultation)
            else:
                counts = fill_postgresql(args.responses, consultation)
            generated = time.perf_counter() - started
            print(
                f"Generated {counts['collect_response']:,} responses, "
                f"{counts['collect_ideascore']:,} scores and "
                f"{counts['collect_activitytick']:,} ticks on {vendor} in {generated:.1f} s",
                file=sys.stderr,
            )

        rows = []
        statements = analysis_index_sql(connection)
        if args.pages in ("all", "search"):
            drop_indexes(analysis_index_names())  # a reused database may have them
            make_indexes(statements)
            rows += measure_search(consultation)
        if args.pages == "search":
            pass
        elif args.indexes in ("no", "both"):
            drop_indexes(analysis_index_names())
            rows += measure(consultation, "without")
        if args.pages != "search" and args.indexes in ("yes", "both"):
            drop_indexes(analysis_index_names())  # a reused database may have them
            took = make_indexes(statements)
            print(f"Made the analysis indexes in {took:.1f} s", file=sys.stderr)
            rows += measure(consultation, "with")

        print(
            f"\n{counts['collect_response']:,} responses, {counts['collect_ideascore']:,} scores, "
            f"{counts['collect_activitytick']:,} ticks on {vendor} ({os.cpu_count()} CPUs, "
            f"SQLite {_sqlite_version()}, Python {sys.version.split()[0]})\n"
        )
        print(
            "| analysis indexes | page | first run (ms) | best of 3 (ms) "
            "| CPU of best (ms) | peak Python memory (MiB) |"
        )
        print("|---|---|--:|--:|--:|--:|")
        for label, page, first, best, cpu, peak in rows:
            print(f"| {label} | {page} | {first:,.0f} | {best:,.0f} | {cpu:,.0f} | {peak:.1f} |")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nPeak resident memory of the whole process (incl. generation): {rss:,.0f} MiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)  # --data-dir, if given, is elsewhere
    return 0


def existing_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table, _ in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    sys.exit(main())
