"""The acceptance case: a province bulletin of the 120-hall demo month renders in under 10 s, holds every
section (text extracted from the PDF) and draws its Chinese with an embedded CJK font."""

from __future__ import annotations

import io
import time
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from scoring.models import Bulletin, BulletinLevel, BulletinState, GradingRun, RunState
from scoring.services.bulletins import bulletin_render
from tests.reports.test_bulletins import SECTIONS, _embedded_fonts

pytestmark = pytest.mark.django_db


def test_the_province_bulletin_of_the_120_hall_demo_month_renders_in_under_ten_seconds():
    call_command("seed_demo", halls=120, months=3, seed=42, stdout=StringIO())
    run = GradingRun.objects.filter(state=RunState.PUBLISHED).order_by("-month").first()
    assert run.results.filter(graded=True).count() > 100
    bulletin = Bulletin.objects.create(run=run, month=run.month, level=BulletinLevel.PROVINCE)
    started = time.monotonic()
    bulletin_render(bulletin_id=bulletin.pk)
    elapsed = time.monotonic() - started
    bulletin.refresh_from_db()
    assert bulletin.state == BulletinState.READY
    assert elapsed < 10, f"{elapsed:.1f} s"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(bulletin.pdf))).pages)
    assert all(section in text for section in SECTIONS), [s for s in SECTIONS if s not in text]
    best = run.results.filter(graded=True).order_by("-composite", "hall__code").select_related("hall").first()
    # A long name wraps inside its table cell, and the extracted text breaks the line there.
    assert best.hall.name in "".join(text.split())
    assert any("WenQuanYi" in name or "Noto" in name for name in _embedded_fonts(bytes(bulletin.pdf)))
