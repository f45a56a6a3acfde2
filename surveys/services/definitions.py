"""The default survey definitions: customer satisfaction with the six dimensions customers name
(comfort, order, waiting, accuracy, attitude, the services they need), and the quarterly staff and
support-department surveys on the same machinery."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from surveys.models import SurveyDefinition, SurveyDimension, SurveyKind

CUSTOMER_SURVEY_CODE = "CSAT"

DEFAULT_SURVEYS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        CUSTOMER_SURVEY_CODE,
        "客户满意度调查",
        SurveyKind.CUSTOMER,
        [
            ("ENV", "环境舒适", "Comfortable environment"),
            ("ORDER", "秩序良好", "Good order"),
            ("WAIT", "等候时间", "No long wait"),
            ("ACCURACY", "准确高效", "Accurate and efficient handling"),
            ("ATTITUDE", "服务态度", "Warm attitude"),
            ("NEEDS", "业务满足", "Services needed"),
        ],
    ),
    (
        "STAFF",
        "员工满意度调查（季度）",
        SurveyKind.STAFF,
        [
            ("WORKPLACE", "工作环境", "Workplace"),
            ("TRAINING", "培训支持", "Training"),
            ("TEAM", "团队氛围", "Team spirit"),
            ("REWARD", "薪酬激励", "Pay and rewards"),
            ("MANAGEMENT", "管理沟通", "Management"),
        ],
    ),
    (
        "SUPPORT",
        "支撑部门满意度调查（季度）",
        SurveyKind.SUPPORT,
        [
            ("NETWORK", "网络支撑", "Network support"),
            ("SYSTEMS", "系统支撑", "IT systems support"),
            ("MARKETING", "营销支撑", "Marketing support"),
            ("LOGISTICS", "后勤支撑", "Logistics support"),
            ("RESPONSE", "响应及时", "Responsiveness"),
        ],
    ),
]


@transaction.atomic
def survey_defaults_load() -> list[SurveyDefinition]:
    """Create the default surveys that do not exist yet (by code); existing ones are left as HQ set them."""
    surveys = []
    for code, name, kind, dimensions in DEFAULT_SURVEYS:
        survey, created = SurveyDefinition.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "scale_max": 10, "repair_threshold": Decimal("6")}
        )
        if created:
            SurveyDimension.objects.bulk_create(
                [
                    SurveyDimension(survey=survey, code=dim_code, name_zh=zh, name_en=en, order=order)
                    for order, (dim_code, zh, en) in enumerate(dimensions, start=1)
                ]
            )
        surveys.append(survey)
    return surveys
