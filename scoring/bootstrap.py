"""First configuration: the default grading policy (see :mod:`halls.bootstrap`)."""

from __future__ import annotations

from halls.bootstrap import bootstrap_step
from scoring.services import default_policy_load

bootstrap_step(order=20, name="grading policy")(default_policy_load)
