"""First configuration: the default bonus coefficients (see :mod:`halls.bootstrap`)."""

from __future__ import annotations

from halls.bootstrap import bootstrap_step
from incentives.services import coefficients_default_load

bootstrap_step(order=30, name="bonus coefficients")(coefficients_default_load)
