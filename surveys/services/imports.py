"""Import jobs: accept a file (refusing what is not a safe spreadsheet at once), record it, and run it
in a Celery task that validates every row and inserts all of them or none."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.db import connection_reset_if_broken
from halls.errors import ApplicationError
from halls.jobs import BrokerUnavailable, enqueue
from halls.spreadsheets import text_safe
from surveys.imports import importer_for
from surveys.imports.framework import sheet_validate
from surveys.imports.inspection import Limits, workbook_inspect
from surveys.imports.isolation import Isolation, sheet_read_isolated
from surveys.imports.reading import file_check, limits_for
from surveys.models import ImportBatch, ImportKind, ImportState, SurveyDefinition

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
# Longer than the task's hard time limit (surveys.tasks).
STALE_AFTER_SECONDS = 31 * 60
CONFLICT_MESSAGE = gettext_noop("与同时进行的另一次导入冲突，未导入任何数据，请重新导入")
# The insert's connection died (server restarted, backend terminated, network cut) or the database failed it.
DATABASE_LOST_MESSAGE = gettext_noop("写入数据库时数据库连接中断或出错，未导入任何数据，请重新导入")
# The task that ran the batch died (its worker process was killed, lost or ran out of time) before it finished.
TASK_DIED_MESSAGE = gettext_noop("导入任务在完成前中断（工作进程被终止、丢失或超时），未导入任何数据；请重新上传文件")


def import_limits(importer) -> Limits:
    """The row, column and size limits of an import of this kind (settings, plus the template's width)."""
    return limits_for(
        columns=len(importer.template_columns()),
        required_headers=tuple(column.header for column in importer.columns if column.required),
    )


def _isolation() -> Isolation:
    return Isolation(
        memory_bytes=settings.HALLQ_IMPORT_READER_MEMORY_MB * 1024 * 1024,
        seconds=settings.HALLQ_IMPORT_READER_SECONDS,
    )


def _params_check(kind: str, params: dict) -> dict:
    if kind == ImportKind.SURVEY_RESPONSES:
        survey_id = params.get("survey_id")
        if not survey_id or not SurveyDefinition.objects.filter(pk=survey_id).exists():
            raise ApplicationError(_("请选择问卷"), field_errors={"survey": [_("请选择问卷")]})
        return {"survey_id": int(survey_id)}
    if kind not in ImportKind.values:
        raise ApplicationError(_("不支持的导入类型"))
    return {}


def import_batch_start(*, kind: str, upload, user, params: dict | None = None) -> ImportBatch:
    """Refuse an unsafe file at once; otherwise keep it, record the batch and start the import task.

    ``upload`` is an UploadedFile. A broker that cannot be reached marks the batch failed and raises
    :class:`BrokerUnavailable` with a message for the page.
    """
    batch = import_batch_create(kind=kind, upload=upload, user=user, params=params)
    try:
        enqueue("surveys.import_batch_run", args=(batch.pk,))
    except BrokerUnavailable as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportState.FAILED, message=exc.message, finished_at=timezone.now()
        )
        raise
    return batch


def import_batch_create(*, kind: str, upload, user, params: dict | None = None) -> ImportBatch:
    """Refuse an unsafe file at once; otherwise keep it and record a pending batch, to be run by
    :func:`import_batch_run` (the task for an upload, in-process for ``manage.py import_file``)."""
    params = _params_check(kind, params or {})
    # The task writes its progress, messages and row errors in the language of the person who uploaded.
    params["language"] = translation.get_language() or settings.LANGUAGE_CODE
    upload.seek(0)
    head = upload.read(16)
    file_check(name=upload.name, size=upload.size, head=head)
    upload.seek(0)
    data = upload.read()
    if head.startswith(b"PK"):
        # The container only (entries, real streamed sizes, damage): pure Python over bounded buffers, safe
        # in the web process. The sheet itself is inspected and read by the task, in a child process.
        workbook_inspect(data, sheet_name=None, limits=import_limits(importer_for(kind, params=params)))
    batch = ImportBatch(
        kind=kind,
        uploaded_by=user,
        file_name=upload.name[:255],
        checksum=hashlib.sha256(data).hexdigest(),
        params=params,
    )
    batch.file.save(f"{kind}.{upload.name.rsplit('.', 1)[-1].lower()}", ContentFile(data), save=False)
    batch.save()
    logger.info("import_batch_created batch=%s kind=%s bytes=%s", batch.pk, kind, len(data))
    return batch


def _finish(batch_id: int, **fields) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(finished_at=timezone.now(), **fields)


def import_batch_run(*, batch_id: int, redelivered: bool = False) -> None:
    """Run the batch in the language its uploader used (see :func:`_import_batch_run`)."""
    language = ImportBatch.objects.filter(pk=batch_id).values_list("params__language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        _import_batch_run(batch_id=batch_id, redelivered=redelivered)


def _import_batch_run(*, batch_id: int, redelivered: bool) -> None:
    """Validate every row; when none is wrong insert all in one transaction, else insert nothing.

    Safe to run twice: only a pending batch is claimed; a running one met again was left by a dead task.
    Progress is written in its own short updates (autocommit), outside the insert transaction, so the page
    sees it while the task works.
    """
    # A batch still "running" when its task's message is redelivered was left by a task that died (its
    # worker process killed or lost; the broker hands the unacknowledged message out again): nothing of it
    # was committed, since the insert is one transaction. It is marked failed, not run again, so a file
    # that kills its reader cannot loop. A first delivery meeting a running batch leaves it to its task.
    if redelivered and _died_batch_fail(batch_id=batch_id):
        return
    claimed = ImportBatch.objects.filter(pk=batch_id, state=ImportState.PENDING).update(
        state=ImportState.RUNNING, message=_("读取文件"), started_at=timezone.now(), rows_processed=0
    )
    if not claimed:
        logger.info("import_batch_skipped batch=%s (not pending)", batch_id)
        return
    batch = ImportBatch.objects.get(pk=batch_id)
    clock = time.perf_counter()
    try:
        importer = importer_for(batch.kind, params=batch.params)
        with batch.file.open("rb") as stream:
            data = stream.read()
        read = sheet_read_isolated(
            name=batch.file_name,
            data=data,
            sheet_name=importer.sheet_name,
            limits=import_limits(importer),
            isolation=_isolation(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    except ApplicationError as exc:
        _finish(batch_id, state=ImportState.REJECTED, message=exc.message[:500], errors=[])
        return
    sheet = read.sheet
    logger.info("import_batch_read batch=%s rows=%s reader_peak_mb=%.0f", batch_id, len(sheet.rows),
                read.peak_rss_bytes / 1024 / 1024)  # fmt: skip

    read_s = time.perf_counter() - clock
    total = len(sheet.rows)
    ImportBatch.objects.filter(pk=batch_id).update(rows_total=total, message=_("校验中"))

    def progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(rows_processed=done)

    outcome = sheet_validate(
        importer, sheet, progress=progress, every=PROGRESS_EVERY, max_errors=settings.HALLQ_IMPORT_MAX_ERRORS
    )
    if outcome.errors:
        message = _("%(count)s 行有错误，未导入任何数据") % {"count": outcome.errors.bad_rows}
        if outcome.errors.dropped:
            message += _("；列出前 %(shown)s 条错误，其余 %(rest)s 条未列出") % {
                "shown": len(outcome.errors),
                "rest": outcome.errors.dropped,
            }
        _finish(
            batch_id,
            state=ImportState.REJECTED,
            rows_processed=total,
            errors=[error.as_dict() for error in outcome.errors],
            message=message,
        )
        logger.info("import_batch_rejected batch=%s errors=%s", batch_id, len(outcome.errors))
        return

    validate_s = time.perf_counter() - clock - read_s
    ImportBatch.objects.filter(pk=batch_id).update(rows_processed=total, message=_("校验通过，正在写入数据库"))
    try:
        with transaction.atomic():
            months = {record.month for record in outcome.records if record.month is not None}
            frozen = sorted(month for month in months if importer.month_is_published(month, fresh=True))
            if frozen:
                raise ApplicationError(
                    _("%(month)s 的评定已发布，不能再导入该月的数据") % {"month": f"{frozen[0]:%Y-%m}"}
                )
            created = importer.insert(outcome.records, batch_id=batch_id)
    except IntegrityError:
        logger.warning("import_batch_conflict batch=%s", batch_id)
        _finish(batch_id, state=ImportState.FAILED, message=_(CONFLICT_MESSAGE))
        return
    except (OperationalError, InterfaceError):
        # The transaction is gone with its connection, so nothing of the file is in the database; record
        # that on a fresh connection.
        logger.exception("import_batch_database_lost batch=%s", batch_id)
        connection_reset_if_broken()
        _finish(batch_id, state=ImportState.FAILED, message=_(DATABASE_LOST_MESSAGE))
        return
    except ApplicationError as exc:
        _finish(batch_id, state=ImportState.REJECTED, message=exc.message[:500])
        return
    if importer.rows_updated and outcome.skipped:
        # Master data: rows equal to what is stored are counted apart from the ones the file changed.
        message = _("新增 %(created)s 行，更新 %(updated)s 行，未变 %(skipped)s 行") % {
            "created": created, "updated": importer.rows_updated, "skipped": outcome.skipped,
        }  # fmt: skip
    elif importer.rows_updated:
        message = _("新增 %(created)s 行，更新 %(updated)s 行") % {"created": created, "updated": importer.rows_updated}
    else:
        message = _("新增 %(created)s 行，已存在跳过 %(skipped)s 行") % {"created": created, "skipped": outcome.skipped}
    _finish(
        batch_id,
        state=ImportState.SUCCEEDED,
        rows_created=created,
        rows_skipped=outcome.skipped,
        rows_updated=importer.rows_updated,
        message=message,
    )
    logger.info(
        "import_batch_succeeded batch=%s created=%s updated=%s skipped=%s read_s=%.1f validate_s=%.1f insert_s=%.1f",
        batch_id, created, importer.rows_updated, outcome.skipped,
        read_s, validate_s, time.perf_counter() - clock - read_s - validate_s,
    )  # fmt: skip


def import_batch_fail(*, batch_id: int, message: str) -> None:
    """Mark a batch failed after an unexpected error, unless it already finished.

    ``message`` is a msgid, written in the language of the batch's uploader. The error may have been the
    database connection itself: a broken one is replaced first, so the failure is still recorded.
    """
    connection_reset_if_broken()
    language = ImportBatch.objects.filter(pk=batch_id).values_list("params__language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        text = _(message)
    ImportBatch.objects.filter(pk=batch_id, state__in=[ImportState.PENDING, ImportState.RUNNING]).update(
        state=ImportState.FAILED, message=text[:500], finished_at=timezone.now()
    )


def _died_batch_fail(*, batch_id: int) -> bool:
    """Mark the batch failed if a task already claimed it and died; True when it did."""
    language = ImportBatch.objects.filter(pk=batch_id).values_list("params__language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        text = _(TASK_DIED_MESSAGE)
    failed = ImportBatch.objects.filter(pk=batch_id, state=ImportState.RUNNING).update(
        state=ImportState.FAILED, message=text, finished_at=timezone.now()
    )
    if failed:
        logger.warning("import_batch_task_died batch=%s (redelivered while running)", batch_id)
    return bool(failed)


def import_batches_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark failed every batch still running long after its task's hard time limit; return how many.

    The periodic sweep (beat entry ``imports-sweep``) for tasks that died and were not redelivered.
    """
    now = now or timezone.now()
    stale = ImportBatch.objects.filter(
        state=ImportState.RUNNING, started_at__lt=now - dt.timedelta(seconds=STALE_AFTER_SECONDS)
    )
    count = 0
    for language, ids in _ids_by_language(stale):
        with translation.override(language):
            text = _(TASK_DIED_MESSAGE)
        count += ImportBatch.objects.filter(pk__in=ids, state=ImportState.RUNNING).update(
            state=ImportState.FAILED, message=text, finished_at=now
        )
    if count:
        logger.warning("import_batches_swept count=%s", count)
    return count


def _ids_by_language(batches) -> list[tuple[str, list[int]]]:
    by_language: dict[str, list[int]] = {}
    for pk, language in batches.values_list("pk", "params__language"):
        by_language.setdefault(language or settings.LANGUAGE_CODE, []).append(pk)
    return sorted(by_language.items())


TEMPLATE_EXAMPLE_SHEET = "填写示例"


def import_template_build(*, kind: str, params: dict | None = None) -> bytes:
    """The XLSX template of a kind: its data sheet with the header row only, and a separate sheet of
    instructions holding one example row, which is never read (only the data sheet is imported)."""
    import xlsxwriter

    importer = importer_for(kind, params=_params_check(kind, params or {}))
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text = workbook.add_format({"num_format": "@"})
    columns = importer.template_columns()
    sheet = workbook.add_worksheet(importer.sheet_name)
    example = workbook.add_worksheet(TEMPLATE_EXAMPLE_SHEET)
    for index, column in enumerate(columns):
        width = max(10, len(column.header) * 2)
        sheet.write_string(0, index, column.header, bold)
        sheet.set_column(index, index, width, text)
        example.write_string(0, index, column.header, bold)
        example.write_string(1, index, column.example, text)
        example.set_column(index, index, width, text)
    example.write_string(
        3,
        0,
        _("上面是一行填写示例，不会被导入。请在「%(sheet)s」工作表第 2 行起填写数据，第 1 行表头不要改动。")
        % {"sheet": importer.sheet_name},
    )
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def import_errors_csv(*, batch: ImportBatch) -> bytes:
    """Every error of a rejected batch, as a CSV Excel opens (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("行号"), _("列"), _("原因")])
    for error in batch.errors:
        writer.writerow([error["row"], text_safe(error["column"]), text_safe(error["reason"])])
    return buffer.getvalue().encode("utf-8-sig")
