"""The one domain error. Services raise it; views show its message (beside a field when it names one)."""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(
        self, message: str, *, field_errors: dict[str, list[str]] | None = None, errors: list[str] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.errors = errors or []

    def __str__(self) -> str:
        if self.errors:
            return f"{self.message}: " + "; ".join(self.errors)
        return self.message
