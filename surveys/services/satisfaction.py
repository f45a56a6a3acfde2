"""The per-hall monthly satisfaction aggregate (``SatisfactionMonth``), kept by the writers of responses."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet, Sum

from surveys.models import SatisfactionMonth, SurveyResponse


def satisfaction_months_add(*, responses: QuerySet[SurveyResponse]) -> None:
    """Add ``responses`` (rows just written, in the caller's transaction) to the aggregate: one
    ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` over their (month, hall, survey) keys.

    The counts and sums are added to what the row holds when the statement reaches it, not recomputed from
    a snapshot: two imports of the same hall's month committing side by side both count."""
    try:
        delta, params = (
            responses.values("month", "hall_id", "survey_id")
            .annotate(added=Count("pk"), added_sum=Sum("overall"))
            .order_by()
            .query.sql_with_params()
        )
    except EmptyResultSet:  # no response written (an empty list of keys)
        return
    table = connection.ops.quote_name(SatisfactionMonth._meta.db_table)
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
    sql = f"""
        INSERT INTO {table} (month, hall_id, survey_id, responses, overall_sum)
        SELECT delta.month, delta.hall_id, delta.survey_id, delta.added, delta.added_sum
          FROM ({delta}) AS delta
         WHERE true
        ON CONFLICT (month, hall_id, survey_id) DO UPDATE
           SET responses = {table}.responses + excluded.responses,
               overall_sum = {table}.overall_sum + excluded.overall_sum
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
