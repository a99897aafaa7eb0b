"""Finding responses by the words in them, best match first, on SQLite and on PostgreSQL.

The index is collect's (`collect.search_index`: SQLite's FTS5, PostgreSQL's full-text
search); this module turns what an analyst typed into a query for it, and never lets that
text be read as the index's own query language, so that no search can fail.

What an analyst may type, as in a web search engine, on both databases:

    library funding        responses with both words (or words with the same stem:
                           "libraries", "funded"), in any case
    "public library"       the words next to each other, in that order
    library or archive     either
    library -funding       library, but not funding

Every other character separates words; a search with no word to find finds nothing.

`matching(queryset, text)` keeps the responses that match; `ranked(queryset, text)` also
orders them best first (annotated `search_rank`, lower is better). Ranking or sorting reads
every match, which takes seconds for a word in a third of a million answers; `added_last`
reads only the first few matches in the index's own order (those added last), each with its
rank, in milliseconds however many there are: the list puts those in order when there are
more than `MANY` matches.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from ..collect.search_index import FTS_TABLE, PG_CONFIG, VECTOR_COLUMN

MAX_LENGTH = 200  # characters of a search read; more are ignored
MAX_TERMS = 16  # words or phrases; more are ignored
# More matches than this are too many to put in order on every page of a list: the list
# orders only the MANY added last (`added_last`) and says so.
MANY = 1_000

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")

# A phrase in double quotes (its closing quote may be missing), or a run of anything else.
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    """A word, or the words of a phrase, to find (or, `excluded`, to not find)."""

    words: tuple[str, ...]
    excluded: bool = False
    or_before: bool = False  # "or" joins it to the term before


def parse(text: str) -> list[Term]:
    """The terms of an analyst's search, in lower case; punctuation only separates words."""
    terms: list[Term] = []
    pending_or = False
    for match in _CHUNK.finditer(text[:MAX_LENGTH]):
        minus = match.group(1) or match.group(3)
        quoted = match.group(2) is not None
        raw = match.group(2) if quoted else match.group(4)
        if not quoted and not minus and raw.lower() == "or":
            pending_or = bool(terms)
            continue
        words = _WORD.findall(raw.lower())
        if not words:
            continue
        # Unquoted, "well-being" is the phrase "well being", as it is indexed.
        terms.append(Term(tuple(words), bool(minus), pending_or and not minus))
        pending_or = False
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_query(terms: list[Term]) -> str | None:
    """SQLite FTS5's query for the terms: each a quoted phrase, so that nothing typed is
    read as FTS5 syntax (NEAR, *, ^, column names, brackets); None when nothing is sought."""
    groups: list[list[str]] = []
    excluded = []
    for term in terms:
        phrase = '"' + " ".join(term.words) + '"'  # \w+ words: no quote inside
        if term.excluded:
            excluded.append(phrase)
        elif term.or_before and groups:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
    if not groups:
        return None  # FTS5 cannot find what lacks a word; NOT alone is no query
    wanted = " AND ".join(f"({' OR '.join(g)})" for g in groups)
    return f"({wanted})" + "".join(f" NOT {p}" for p in excluded)


def pg_tsquery(terms: list[Term]) -> tuple[str, list[str]] | None:
    """PostgreSQL's tsquery for the terms, as SQL and its parameters: each term's words
    through `phraseto_tsquery`, which reads any text as plain words (it never raises an
    error), joined by tsquery's own operators; None when nothing is sought."""
    groups: list[list[str]] = []
    excluded = []
    for term in terms:
        text = " ".join(term.words)
        if term.excluded:
            excluded.append(text)
        elif term.or_before and groups:
            groups[-1].append(text)
        else:
            groups.append([text])
    if not groups:
        return None
    one = f"phraseto_tsquery('{PG_CONFIG}'::regconfig, %s)"
    parts = [f"({' || '.join([one] * len(g))})" for g in groups]
    parts += [f"!!{one}" for _ in excluded]
    return f"({' && '.join(parts)})", [*(w for g in groups for w in g), *excluded]


class _PgSearch(Expression):
    """PostgreSQL: SQL about a response's stored vector, under the alias its table has in
    the query (so that it stays right when its queryset is used inside another query)."""

    def __init__(self, tsquery: tuple[str, list[str]], output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.tsquery = tsquery  # SQL and its parameters
        self.pk: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def _vector(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> str:
        # As Django writes the table's own columns: a subquery's alias (U0) is left unquoted.
        table = compiler.quote_name_unless_alias(self.pk.alias)
        return f"{table}.{connection.ops.quote_name(VECTOR_COLUMN)}"


class _PgMatches(_PgSearch):
    conditional = True

    def __init__(self, tsquery: tuple[str, list[str]]) -> None:
        super().__init__(tsquery, BooleanField())

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.tsquery
        return f"{self._vector(compiler, connection)} @@ {sql}", list(params)


class _PgRank(_PgSearch):
    def __init__(self, tsquery: tuple[str, list[str]]) -> None:
        super().__init__(tsquery, FloatField())

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.tsquery
        # Negated, so that on both databases lower is better.
        return f"-ts_rank({self._vector(compiler, connection)}, {sql})", list(params)


def _sqlite(queryset: QuerySet[Any, Any]) -> bool:
    return bool(connections[queryset.db].vendor == "sqlite")


def matching(queryset: _QS, text: str) -> _QS:
    """The responses of a `Response` queryset whose free text matches the search."""
    terms = parse(text)
    if _sqlite(queryset):
        query = fts5_query(terms)
        if query is None:
            return queryset.none()
        # Joined to the FTS5 table (collect.models.SearchEntry), which SQLite reads first.
        return queryset.filter(search_entry__document__match=query)
    tsquery = pg_tsquery(terms)
    if tsquery is None:
        return queryset.none()
    return queryset.filter(_PgMatches(tsquery))


def ranked(queryset: _QS, text: str) -> _QS:
    """As `matching`, annotated with `search_rank` (lower is better) and ordered by it, the
    newest first among equals."""
    terms = parse(text)
    if _sqlite(queryset):
        found = matching(queryset, text)
        rank: Any = F("search_entry__rank")
    else:
        tsquery = pg_tsquery(terms)
        if tsquery is None:
            return queryset.none()
        found = queryset.filter(_PgMatches(tsquery))
        rank = _PgRank(tsquery)
    return found.annotate(search_rank=rank).order_by("search_rank", "-submitted_at", "-id")


def added_last(
    queryset: QuerySet[Any, Any], text: str, limit: int
) -> list[tuple[int, float, dt.datetime]]:
    """Up to `limit` of the responses that match, those added last first, as (id, rank,
    date submitted), the rank lower for a better match.

    Read in the order the index keeps (SQLite: FTS5's rowids, newest first; PostgreSQL: the
    primary key backwards), so that the database stops after `limit` matches and ranks only
    those, however many match: a word in a third of a million answers costs milliseconds."""
    terms = parse(text)
    if _sqlite(queryset):
        query = fts5_query(terms)
        if query is None:
            return []
        found = queryset.filter(search_entry__document__match=query)
        rank: Any = F("search_entry__rank")
        # The FTS5 table's rowid (the response's id): FTS5 reads its matches in that order,
        # backwards as cheaply; ordered by the response's own id, SQLite sorts every match.
        newest: Any = RawSQL(f'"{FTS_TABLE}".rowid', []).desc()
    else:
        tsquery = pg_tsquery(terms)
        if tsquery is None:
            return []
        found = queryset.filter(_PgMatches(tsquery))
        rank = _PgRank(tsquery)
        newest = F("pk").desc()
    rows = found.annotate(search_rank=rank).order_by(newest)
    return list(rows.values_list("pk", "search_rank", "submitted_at")[:limit])
