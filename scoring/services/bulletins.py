"""Monthly bulletins (通报): HQ asks for a published month's bulletins, one Celery task renders each as PDF
(WeasyPrint, with a CJK font named in the CSS and embedded in the file), stores it and, where
``HALLQ_BULLETIN_EMAIL`` is on, sends it to the scope's managers."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.jobs import enqueue
from halls.models import CityCompany, DistrictCompany
from halls.months import month_label
from scoring.charts import grade_bars_svg, heatmap_svg
from scoring.models import Bulletin, BulletinLevel, BulletinState, GradingRun, RunState
from scoring.selectors.bulletins import bulletin_content, bulletin_recipients

logger = logging.getLogger(__name__)

RENDER_TASK = "scoring.render_bulletin"


def html_to_pdf(*, html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` (WeasyPrint, styled by static/css/pdf.css), and its number of pages."""
    from weasyprint import CSS, HTML  # imported where used: it loads pango when imported

    style = CSS(filename=str(settings.BASE_DIR / "static" / "css" / "pdf.css"))
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=[style])
    return document.write_pdf(), len(document.pages)


@transaction.atomic
def bulletins_request(*, month, user) -> list[Bulletin]:
    """Ask for the bulletins of a published month: the province's, each city's and each district's (a
    district or city without halls graded that month has none). Asking again renders them anew."""
    run = GradingRun.objects.filter(month=month, state=RunState.PUBLISHED, is_what_if=False).first()
    if run is None:
        raise ApplicationError(_("只有已发布的月份才能生成通报。"))
    graded = run.results.filter(graded=True)
    city_ids = set(graded.values_list("hall__district__city_id", flat=True).distinct())
    district_ids = set(graded.values_list("hall__district_id", flat=True).distinct())
    wanted = [(BulletinLevel.PROVINCE, None, None)]
    wanted += [
        (BulletinLevel.CITY, pk, None)
        for pk in CityCompany.objects.filter(pk__in=city_ids).values_list("pk", flat=True)
    ]
    wanted += [
        (BulletinLevel.DISTRICT, city_id, pk)
        for pk, city_id in DistrictCompany.objects.filter(pk__in=district_ids).values_list("pk", "city_id")
    ]
    bulletins = []
    for level, city_id, district_id in wanted:  # one row per city and district of the province: tens, not halls
        bulletin, _created = Bulletin.objects.update_or_create(
            run=run,
            level=level,
            city_id=city_id,
            district_id=district_id,
            defaults={
                "month": run.month,
                "state": BulletinState.PENDING,
                "pdf": None,
                "message": "",
                "requested_by": user,
                "rendered_at": None,
            },
        )
        bulletins.append(bulletin)
    for bulletin in bulletins:
        enqueue(RENDER_TASK, args=(bulletin.pk,))
    return bulletins


def bulletin_html(*, bulletin: Bulletin) -> str:
    """The bulletin as HTML for WeasyPrint, in the site's default language (zh-hans)."""
    content = bulletin_content(bulletin=bulletin, as_of=timezone.localdate())
    return render_to_string(
        "scoring/bulletin_pdf.html",
        {
            "c": content,
            "month_label": month_label(content.month),
            "grade_chart": grade_bars_svg(grades=content.grades, labels=(_("本月"), _("上月"))),
            "heatmap_chart": heatmap_svg(heatmap=content.heatmap),
            "generated_at": timezone.localtime(),
        },
    )


def bulletin_render(*, bulletin_id: int) -> Bulletin | None:
    """Render one bulletin and store its PDF. Claimed with a conditional update, so a redelivered task or a
    second worker finds nothing to do; a failure is recorded on the row."""
    claimed = Bulletin.objects.filter(pk=bulletin_id, state=BulletinState.PENDING).update(state=BulletinState.RENDERING)
    if not claimed:
        return None
    bulletin = Bulletin.objects.select_related("run", "city", "district").get(pk=bulletin_id)
    started = time.monotonic()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            pdf, pages = html_to_pdf(html=bulletin_html(bulletin=bulletin))
    except Exception as exc:  # recorded for HQ to see, then raised for the worker's log
        Bulletin.objects.filter(pk=bulletin_id).update(state=BulletinState.FAILED, message=str(exc)[:500])
        raise
    bulletin.pdf, bulletin.pages = pdf, pages
    bulletin.render_seconds = Decimal(f"{time.monotonic() - started:.2f}")
    bulletin.state, bulletin.rendered_at = BulletinState.READY, timezone.now()
    bulletin.save(update_fields=["pdf", "pages", "render_seconds", "state", "rendered_at"])
    if settings.HALLQ_BULLETIN_EMAIL:
        bulletin_email(bulletin=bulletin)
    return bulletin


def bulletin_email(*, bulletin: Bulletin) -> int:
    """Send the rendered bulletin to its scope's managers (one message, each in Bcc); how many."""
    recipients = bulletin_recipients(bulletin=bulletin)
    if not recipients or bulletin.pdf is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(month)s 服务质量通报 · %(scope)s") % {
            "month": month_label(bulletin.month),
            "scope": bulletin.scope_name,
        }
        body = _("附件为本月服务质量通报（PDF），也可在系统的“月度通报”页面下载。")
    message = EmailMessage(subject=subject, body=body, bcc=recipients)
    message.attach(bulletin.filename, bytes(bulletin.pdf), "application/pdf")
    message.send()
    Bulletin.objects.filter(pk=bulletin.pk).update(emailed_to=len(recipients))
    return len(recipients)
