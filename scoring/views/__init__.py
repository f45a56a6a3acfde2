"""Views for scoring: ``grading`` (HQ runs, review, publication) and ``reports`` (archive, rankings, dashboards)."""
