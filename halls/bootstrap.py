"""First configuration (``manage.py bootstrap``): what a province needs before its first month, loaded
where none exists, so the command is safe to run on every deploy.

Each app that has defaults declares them in its own ``bootstrap`` module with :func:`bootstrap_step`; the
command discovers them (halls, the lowest layer, imports none of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    load: Callable[[], tuple[object, bool]]  # returns (what is in force, whether it was created now)


_STEPS: dict[str, Step] = {}


def bootstrap_step(*, order: int, name: str):
    """Register ``load`` (no arguments, returns ``(object, created)``, idempotent) as a first-configuration step."""

    def register(load: Callable[[], tuple[object, bool]]):
        _STEPS[name] = Step(order=order, name=name, load=load)
        return load

    return register


def bootstrap_steps() -> list[Step]:
    autodiscover_modules("bootstrap")
    return sorted(_STEPS.values(), key=lambda step: step.order)
