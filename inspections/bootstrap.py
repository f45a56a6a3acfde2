"""First configuration: the default indicator tree (see :mod:`halls.bootstrap`)."""

from __future__ import annotations

from halls.bootstrap import bootstrap_step
from inspections.services.tree import default_tree_load

bootstrap_step(order=10, name="indicator tree")(default_tree_load)
