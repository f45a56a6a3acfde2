"""Province-scale benchmark: a synthetic province generator and the script that measures grading and pages."""
