"""One real object of every kind a URL can name, in the `world` of tests/conftest.py, built through the
services as users would build them. Used by the page-wide tests (CSP, access matrix): every URL pattern
that takes an argument gets a real id from :func:`sample_url_kwargs`, and a new pattern without an entry
makes those tests fail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from halls.models import Staff
from incentives.models import BonusSplit
from incentives.services import bonus_pool_set, coefficients_default_load, split_bonus
from inspections.models import (
    Appeal,
    IndicatorScheme,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    InspectionState,
    Photo,
    Rectification,
)
from inspections.services.appeals import appeal_file
from inspections.services.photos import photos_check, photos_store
from inspections.services.plans import plans_make
from inspections.services.tree import default_tree_load, scheme_copy_to_draft
from scoring.models import Bulletin, BulletinLevel, BulletinState, GradingPolicy, GradingRun
from scoring.services import default_policy_load
from scoring.services.grading import grade_month
from surveys.models import (
    Complaint,
    ComplaintCare,
    ImportBatch,
    ImportKind,
    RepairCase,
    ServiceVolume,
    StaffServicePoints,
    SurveyDefinition,
)
from surveys.services.definitions import survey_defaults_load
from surveys.services.imports import import_batch_start, import_template_build
from tests.factories import CityFactory, StaffFactory, city_manager
from tests.incentives.factories import published_month
from tests.inspections.factories import image_upload, inspection_enter
from tests.surveys.factories import survey_response_stored

SAMPLE_MONTH = dt.date(2026, 3, 1)
BONUS_MONTH = dt.date(2026, 2, 1)


@dataclass
class Samples:
    scheme: IndicatorScheme
    policy: GradingPolicy
    inspection: Inspection
    item: InspectionItem
    photo: Photo
    rectification: Rectification
    appeal: Appeal
    run: GradingRun
    split: BonusSplit
    survey: SurveyDefinition
    repair_case: RepairCase
    batch: ImportBatch
    visit: Inspection
    draft_scheme: IndicatorScheme
    staff: Staff
    plan: InspectionPlan
    bulletin: Bulletin
    care: ComplaintCare | None = None


def samples_build(world) -> Samples:
    """A submitted overt inspection of hall a1 by its district manager (SN1.1 lost a point, so a
    rectification is open), a photo on it, the hall manager's appeal of that item, a draft grading of
    March, and a bonus split of a published February (hall a1 graded A with volume and staff points)."""
    scheme, _ = default_tree_load()
    policy, _ = default_policy_load()
    full_marks = {leaf.code: leaf.points for leaf in scheme.indicators.filter(kind="scored", level=3)}
    values = {**full_marks, "SN1.1": 2}
    inspection = inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=scheme, values=values)
    item = inspection.items.get(indicator__code="SN1.1")
    photo = photos_store(
        photos=photos_check(uploads=[image_upload()], field="photos"),
        user=world.district_a,
        hall_id=world.hall_a1.pk,
        inspection=inspection,
        indicator=item.indicator,
    )[0]
    appeal = appeal_file(user=world.manager_a1, item=item, reason="发型符合规范", requested_points=Decimal("3"))
    run = grade_month(month=SAMPLE_MONTH, user=world.hq)
    published_month(BONUS_MONTH, {world.hall_a1: {"grade": "A"}})
    ServiceVolume.objects.create(hall=world.hall_a1, month=BONUS_MONTH, front_desk=900, self_service_terminal=100)
    staff = StaffFactory(hall=world.hall_a1)
    StaffServicePoints.objects.create(staff=staff, month=BONUS_MONTH, points=Decimal("80"))
    coefficients_default_load()
    bonus_pool_set(unit=world.hall_a1.marketing_unit, month=BONUS_MONTH, amount=Decimal("5000.00"))
    split = split_bonus(month=BONUS_MONTH, user=world.hq)
    survey = survey_defaults_load()[0]
    response = survey_response_stored(
        survey=survey, hall=world.hall_a1, external_id="S-1", month=SAMPLE_MONTH, overall=Decimal("4"),
        responded_at=timezone.make_aware(dt.datetime(2026, 3, 5, 11)), respondent_phone="13812345678",
    )  # fmt: skip
    repair_case = RepairCase.objects.create(response=response, hall=world.hall_a1)
    complaint = Complaint.objects.create(
        external_id="TS-1", hall=world.hall_a1, month=SAMPLE_MONTH, category="服务态度", channel="10086",
        received_at=timezone.make_aware(dt.datetime(2026, 3, 6, 9)), customer_phone="13912345678",
    )  # fmt: skip
    care = ComplaintCare.objects.create(complaint=complaint, hall=world.hall_a1)
    template = import_template_build(kind=ImportKind.COMPLAINTS)
    batch = import_batch_start(
        kind=ImportKind.COMPLAINTS, upload=SimpleUploadedFile("complaints.xlsx", template), user=world.hq
    )
    visit = Inspection.objects.create(
        hall=world.hall_a1, scheme=scheme, kind=InspectionKind.MYSTERY, state=InspectionState.SUBMITTED,
        inspected_at=timezone.make_aware(dt.datetime(2026, 3, 12, 15)), month=SAMPLE_MONTH,
        vendor="第三方调研", external_id="V-1", points_awarded=Decimal("0"), points_applicable=Decimal("0"),
    )  # fmt: skip
    # A draft copy of the tree (with its check templates) for the tree editor's pages.
    draft_scheme = scheme_copy_to_draft(scheme=scheme, effective_from=dt.date(2026, 6, 1), user=world.hq)
    # March's plan of district A, hall a1 monitored (an overt check and daily patrols).
    plans_make(month=SAMPLE_MONTH, statuses={world.hall_a1.pk: "monitored"})
    return Samples(
        scheme=scheme,
        policy=policy,
        inspection=inspection,
        item=item,
        photo=photo,
        rectification=Rectification.objects.get(item=item),
        appeal=appeal,
        run=run,
        split=split,
        survey=survey,
        repair_case=repair_case,
        batch=batch,
        visit=visit,
        draft_scheme=draft_scheme,
        staff=staff,
        plan=InspectionPlan.objects.get(district=world.hall_a1.district, month=SAMPLE_MONTH),
        # District A's bulletin of the sample run, as its render task leaves it.
        bulletin=Bulletin.objects.create(
            run=run,
            month=run.month,
            level=BulletinLevel.DISTRICT,
            city=world.hall_a1.district.city,
            district=world.hall_a1.district,
            state=BulletinState.READY,
            pdf=b"%PDF-1.7 sample",
        ),  # fmt: skip
        care=care,
    )


def sample_city_managers(world) -> tuple:
    """The city manager (地市客服) of the world's city (districts A and B), and one of another city."""
    return (
        city_manager(world.hall_a1.district.city, username="cm_a"),
        city_manager(CityFactory(), username="cm_other"),
    )


def sample_url_kwargs(world, samples: Samples) -> dict[str, dict]:
    """Real ids for every URL pattern that takes arguments, all in district A / hall a1."""
    return {
        "halls:detail": {"pk": world.hall_a1.pk},
        "halls:history": {"pk": world.hall_a1.pk},
        "halls:staff_detail": {"pk": samples.staff.pk},
        "halls:archive_xlsx": {"pk": world.hall_a1.pk},
        "halls:archive_pdf": {"pk": world.hall_a1.pk},
        "scoring:bulletin_download": {"pk": samples.bulletin.pk},
        "inspections:scheme_detail": {"pk": samples.scheme.pk},
        "inspections:scheme_copy": {"pk": samples.scheme.pk},
        "inspections:scheme_edit": {"pk": samples.draft_scheme.pk},
        "inspections:scheme_activate": {"pk": samples.draft_scheme.pk},
        "inspections:indicator_create": {"pk": samples.draft_scheme.pk},
        "inspections:indicator_update": {"pk": samples.draft_scheme.indicators.get(code="SN1.1").pk},
        "inspections:indicator_move": {"pk": samples.draft_scheme.indicators.get(code="SN1.1").pk},
        "inspections:indicator_delete": {"pk": samples.draft_scheme.indicators.get(code="SN1.1").pk},
        "inspections:template_create": {"pk": samples.draft_scheme.pk},
        "inspections:template_update": {"pk": samples.draft_scheme.templates.get(code="QUEUE").pk},
        "inspections:template_delete": {"pk": samples.draft_scheme.templates.get(code="QUEUE").pk},
        "inspections:start": {"hall_pk": world.hall_a1.pk},
        "inspections:detail": {"pk": samples.inspection.pk},
        "inspections:edit": {"pk": samples.inspection.pk},
        "inspections:autosave": {"pk": samples.inspection.pk},
        "inspections:photo_upload": {"pk": samples.inspection.pk},
        "inspections:photo": {"pk": samples.photo.pk},
        "inspections:rectification_detail": {"pk": samples.rectification.pk},
        "inspections:appeal_create": {"item_pk": samples.item.pk},
        "inspections:appeal_detail": {"pk": samples.appeal.pk},
        "inspections:coaching_list": {"hall_pk": world.hall_a1.pk},
        "inspections:plan_detail": {"pk": samples.plan.pk},
        "scoring:policy_update": {"pk": samples.policy.pk},
        "scoring:run_detail": {"pk": samples.run.pk},
        "scoring:run_progress": {"pk": samples.run.pk},
        "scoring:run_publish": {"pk": samples.run.pk},
        "scoring:run_export": {"pk": samples.run.pk},
        "incentives:split_detail": {"pk": samples.split.pk},
        "incentives:split_staff": {"pk": samples.split.pk},
        "incentives:split_approve": {"pk": samples.split.pk},
        "incentives:split_export": {"pk": samples.split.pk},
        "surveys:import_detail": {"pk": samples.batch.pk},
        "surveys:import_status": {"pk": samples.batch.pk},
        "surveys:import_file": {"pk": samples.batch.pk},
        "surveys:import_errors": {"pk": samples.batch.pk},
        "surveys:response_create": {"pk": samples.survey.pk},
        "surveys:repair_update": {"pk": samples.repair_case.pk},
        "surveys:care_update": {"pk": samples.care.pk},
        "surveys:visit_detail": {"pk": samples.visit.pk},
        "incentives:hall_bonus_detail": {"pk": samples.split.pk, "hall_pk": world.hall_a1.pk},
    }
