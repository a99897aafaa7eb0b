"""The analysis indexes the statistics' queries are written for, read from the models' Meta.

Each is named `*_analysis_*` in `Meta.indexes` of the collect models: two on `Response` cover
the overview (one by what a response is about, one by time), and one each on `IdeaScore` and
`ActivityTick` let the ideas page count scores and ticks in index order. The benchmark
(bench/analysis_scale.py) drops and remakes them to time the pages with and without them.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Index, Model

from ...collect.models import ActivityTick, IdeaScore, Response

ANALYSED_MODELS: tuple[type[Model], ...] = (Response, IdeaScore, ActivityTick)


def analysis_indexes() -> dict[type[Model], list[Index]]:
    """Each analysed model's indexes named as analysis indexes, as its Meta declares them."""
    return {
        model: [index for index in model._meta.indexes if "_analysis_" in (index.name or "")]
        for model in ANALYSED_MODELS
    }


def analysis_index_names() -> list[str]:
    return [index.name for indexes in analysis_indexes().values() for index in indexes]


def analysis_index_sql(connection: BaseDatabaseWrapper) -> list[str]:
    """CREATE INDEX statements for the analysis indexes on a connection (for the benchmark)."""
    statements: list[str] = []
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model, indexes in analysis_indexes().items():
            statements.extend(str(index.create_sql(model, editor)) for index in indexes)
    return statements
