"""Writes for surveys and imported evidence: ``imports`` (the import jobs), ``definitions`` (default
survey definitions), ``repair`` (the repair list)."""
