"""The monthly satisfaction warning reaches each district manager and city company with their warned halls,
once (the same case as test_satisfaction.py: a1 is warned in March, a2 and the halls of district B are not)."""

from __future__ import annotations

from halls.models import Notification
from scoring.services.satisfaction import WARNING_TITLE, satisfaction_warnings_notify
from tests.factories import city_manager
from tests.reports.test_satisfaction import MARCH
from tests.reports.test_satisfaction import march as march  # noqa: F401, PLC0414  (fixtures)
from tests.reports.test_satisfaction import survey as survey  # noqa: F401, PLC0414


def test_the_district_and_city_of_a_warned_hall_are_told_once(march):  # noqa: F811
    city = city_manager(march.hall_a1.district.city, username="cm")
    assert satisfaction_warnings_notify(month=MARCH) == 2  # district A's manager and the city company
    notes = Notification.objects.filter(title=WARNING_TITLE)
    assert sorted(n.recipient.username for n in notes) == sorted([march.district_a.username, city.username])
    note = notes.get(recipient=march.district_a)
    assert note.params == {"month": "2026-03", "count": 1, "halls": march.hall_a1.name}
    assert note.title_text == "满意度预警：2026-03 有 1 个营业厅"
    assert not Notification.objects.filter(recipient=march.district_b).exists()
    assert satisfaction_warnings_notify(month=MARCH) == 0  # already sent
    assert notes.count() == 2
