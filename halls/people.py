"""How people are named on pages: by their full name, the login name only when no name is recorded."""

from __future__ import annotations


def person_name(user) -> str:
    """``user``'s full name (or login name when none is recorded); "" for nobody (a deleted user, a job)."""
    if not user:  # nobody, or a template's missing value ("")
        return ""
    return user.get_full_name().strip() or user.get_username()
