from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

CRASH_MESSAGE = gettext_noop("导入时发生系统错误，未导入任何数据；请联系系统管理员")


TIME_LIMIT_MESSAGE = gettext_noop("导入超过时间上限仍未完成，已中止，未导入任何数据；请拆分文件后重新上传")


@shared_task(
    name="surveys.import_batch_run",
    bind=True,
    ignore_result=True,
    acks_late=True,
    # A worker process killed mid-import gives the message back, so the next delivery marks the batch failed.
    reject_on_worker_lost=True,
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
)
def import_batch_run_task(self, batch_id: int) -> None:
    """Validate and insert one uploaded file (see ``surveys.services.imports.import_batch_run``)."""
    from surveys.services.imports import import_batch_fail, import_batch_run

    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    try:
        import_batch_run(batch_id=batch_id, redelivered=redelivered)
    except SoftTimeLimitExceeded:
        logger.exception("import_batch_time_limit batch=%s", batch_id)
        import_batch_fail(batch_id=batch_id, message=TIME_LIMIT_MESSAGE)
    except Exception:
        logger.exception("import_batch_crashed batch=%s", batch_id)
        import_batch_fail(batch_id=batch_id, message=CRASH_MESSAGE)
        raise


@shared_task(name="surveys.import_batches_sweep", ignore_result=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def import_batches_sweep_task() -> None:
    """Mark failed the batches whose task died without a redelivery (see ``import_batches_sweep``)."""
    from surveys.services.imports import import_batches_sweep

    import_batches_sweep()
