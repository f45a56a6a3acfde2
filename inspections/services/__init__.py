"""Writes for inspections, split by subject: ``tree`` (indicator schemes) and the inspection services."""
