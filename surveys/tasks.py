from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

CRASH_MESSAGE = gettext_noop("导入时发生系统错误，未导入任何数据；请联系系统管理员")


@shared_task(
    name="surveys.import_batch_run", ignore_result=True, acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60
)
def import_batch_run_task(batch_id: int) -> None:
    """Validate and insert one uploaded file (see ``surveys.services.imports.import_batch_run``)."""
    from surveys.services.imports import import_batch_fail, import_batch_run

    try:
        import_batch_run(batch_id=batch_id)
    except Exception:
        logger.exception("import_batch_crashed batch=%s", batch_id)
        import_batch_fail(batch_id=batch_id, message=CRASH_MESSAGE)
        raise
