"""The demo province: cities, districts, marketing units, halls of both kinds, staff, one login per role.

Deterministic for a given seed and idempotent: running it again finds what exists by code and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from halls.models import (
    CityCompany,
    DistrictCompany,
    Hall,
    HallKind,
    MarketingUnit,
    Role,
    Staff,
    StaffKind,
    UserProfile,
)

DEMO_PASSWORD = "hallq-demo-2026"

PROVINCE: list[tuple[str, str, list[str]]] = [
    ("SJZ", "石家庄", ["长安区", "桥西区", "新华区", "裕华区", "藁城区", "鹿泉区", "正定县"]),
    ("BD", "保定", ["竞秀区", "莲池区", "满城区", "清苑区", "涿州市", "定州市"]),
    ("TS", "唐山", ["路南区", "路北区", "古冶区", "开平区", "丰南区", "迁安市"]),
    ("HD", "邯郸", ["邯山区", "丛台区", "复兴区", "峰峰矿区", "武安市"]),
    ("LF", "廊坊", ["广阳区", "安次区", "三河市", "霸州市"]),
]
UNITS_PER_CITY = 3
STREETS = [
    "中山路",
    "建设大街",
    "和平路",
    "胜利街",
    "人民路",
    "解放路",
    "新华路",
    "东风路",
    "友谊大街",
    "光明街",
    "文化路",
    "育才街",
    "朝阳路",
    "长江道",
    "花园街",
    "广场北路",
    "站前街",
    "迎宾路",
    "学府路",
    "工农路",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉"


@dataclass
class DemoOrg:
    halls: list[Hall] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def demo_org_build(*, hall_count: int, seed: int, today: dt.date) -> DemoOrg:
    rng = random.Random(seed)
    districts: list[DistrictCompany] = []
    units_by_city: dict[int, list[MarketingUnit]] = {}
    for city_code, city_name, district_names in PROVINCE:
        city, _ = CityCompany.objects.get_or_create(code=city_code, defaults={"name": f"{city_name}分公司"})
        for index, name in enumerate(district_names, start=1):
            district, _ = DistrictCompany.objects.get_or_create(
                code=f"{city_code}-{index:02d}", defaults={"city": city, "name": f"{name}分公司"}
            )
            districts.append(district)
        units_by_city[city.pk] = [
            MarketingUnit.objects.get_or_create(
                code=f"{city_code}-U{index}",
                defaults={"city": city, "name": f"{city_name}第{'一二三四五六七'[index - 1]}营销单元"},
            )[0]
            for index in range(1, UNITS_PER_CITY + 1)
        ]

    existing = set(Hall.objects.values_list("code", flat=True))
    new_halls: list[Hall] = []
    for number in range(hall_count):
        district = districts[number % len(districts)]
        code = f"{district.code}-{number // len(districts) + 1:03d}"
        street = STREETS[rng.randrange(len(STREETS))]
        kind = HallKind.SELF_RUN if rng.random() < 0.65 else HallKind.PARTNER
        opened = dt.date(rng.randint(2008, 2023), rng.randint(1, 12), 1)
        unit = units_by_city[district.city_id][number % UNITS_PER_CITY]
        if code in existing:
            continue
        district_short = district.name.removesuffix("分公司")
        new_halls.append(
            Hall(
                code=code,
                name=f"{district_short}{street}{'营业厅' if kind == HallKind.SELF_RUN else '合作营业厅'}",
                kind=kind,
                district=district,
                marketing_unit=unit,
                address=f"{district_short}{street}{rng.randint(1, 300)}号",
                opened_on=opened,
            )
        )
    Hall.objects.bulk_create(new_halls)

    halls = list(Hall.objects.select_related("district").order_by("code"))
    staff_existing = set(Staff.objects.values_list("hall_id", flat=True).distinct())
    staff: list[Staff] = []
    for hall in halls:
        if hall.pk in staff_existing:
            continue
        hall_rng = random.Random(f"{seed}-{hall.code}")
        for index in range(1, hall_rng.randint(4, 9) + 1):
            kind = StaffKind.EMPLOYEE if hall.kind == HallKind.SELF_RUN else StaffKind.PARTNER
            if hall_rng.random() < 0.2:
                kind = StaffKind.OUTSOURCED
            joined = dt.date(hall_rng.randint(2015, 2024), hall_rng.randint(1, 12), 1)
            left = None
            if hall_rng.random() < 0.08:
                left = today.replace(day=1) - dt.timedelta(days=hall_rng.randint(1, 120))
                left = max(left, joined)
            staff.append(
                Staff(
                    hall=hall,
                    employee_no=f"{hall.code}-{index:02d}",
                    name=_person(hall_rng),
                    kind=kind,
                    active_from=joined,
                    active_to=left,
                )
            )
    Staff.objects.bulk_create(staff)

    org = DemoOrg(halls=halls)
    first_district = districts[0]
    second_district = districts[len(PROVINCE[0][2])]  # the first district of the second city
    first_hall = next(hall for hall in halls if hall.district_id == first_district.pk)
    org.logins = [
        # People's names: the header and every page name a person, and give the role once, beside the name.
        _login("hq", "张敏", Role.HQ),
        _login("city", "陈静", Role.CITY_MANAGER, cities=[first_district.city]),
        _login("district", "李强", Role.DISTRICT_MANAGER, districts=[first_district]),
        _login("district2", "王芳", Role.DISTRICT_MANAGER, districts=[second_district]),
        _login("hall", "赵磊", Role.HALL_MANAGER, hall=first_hall),
    ]
    return org


def _login(username: str, full_name: str, role: str, *, cities=(), districts=(), hall=None) -> tuple[str, str, str]:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"first_name": full_name, "email": f"{username}@demo.hallq.local"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.HQ
        user.is_superuser = role == Role.HQ
        user.save()
    profile, _ = UserProfile.objects.get_or_create(user=user, defaults={"role": role, "hall": hall})
    if cities:
        profile.cities.set(cities)
    if districts:
        profile.districts.set(districts)
    return username, DEMO_PASSWORD, f"{full_name}（{Role(role).label}）"
