"""Whether a month still takes bonus inputs (service volumes, staff service points).

They feed only the service-bonus split, which runs on a published month: so a month's published grading does
not close them (as it closes evidence), its approved split does. Which months have one is the bonus app's
knowledge, a layer above this one: it registers its check at start-up (``IncentivesConfig.ready``), so this
app never imports it. Until it does (the bonus app not installed), no month is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_noop

BONUS_INPUTS_CLOSED = gettext_noop("%(month)s 的酬金分配已审批，不能再导入该月的业务量和服务积点")

_split_approved: Callable[..., bool] | None = None


def bonus_month_check_register(check: Callable[..., bool]) -> None:
    """``check(month=...)`` tells whether ``month``'s bonus split is approved."""
    global _split_approved
    _split_approved = check


def bonus_month_closed(*, month: dt.date) -> bool:
    return _split_approved is not None and _split_approved(month=month)
