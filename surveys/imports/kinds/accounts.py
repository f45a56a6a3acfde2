"""User accounts and their roles from a file (the operator's HR system): see :mod:`.masterdata` for how
master data is updated by code. The roles a file may give, and the scope each takes, are the one table
:data:`halls.masterdata.ROLE_SCOPES`."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.masterdata import ROLE_SCOPES, accounts_upsert
from halls.models import Role, UserProfile
from surveys.imports import cells
from surveys.imports.framework import Column, Record, Row
from surveys.imports.kinds.masterdata import MasterDataImporter, choice_words, word_parse
from surveys.models import ImportKind

ROLE_SHORT_WORDS = {
    "总部": Role.HQ,
    "客服部": Role.HQ,
    "地市": Role.CITY_MANAGER,
    "区县": Role.DISTRICT_MANAGER,
    "店长": Role.HALL_MANAGER,
}
SCOPE_SEPARATORS = re.compile(r"[;,，；、\s]+")
USERNAME_RE = re.compile(r"^[\w.@+-]+$")


class AccountImporter(MasterDataImporter):
    kind = ImportKind.USERS
    sheet_name = title = "用户账号"
    columns = [
        Column("username", "用户名", "zhangsan"),
        Column("name", "姓名", "张三"),
        Column("role", "角色", "区县服务主管"),
        Column("scope", "管辖范围编码", "SJZ-01"),
        Column("email", "邮箱", "zhangsan@example.com", required=False),
        Column("active", "启用", "是"),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._scope_codes: dict[str, dict[str, int]] = {}
        roles = [(value, label) for value, label in Role.choices if value in ROLE_SCOPES]
        self._roles = choice_words(roles, ROLE_SHORT_WORDS)
        self._role_names = "、".join(str(label) for _value, label in roles)

    def key_column(self) -> str:
        return "用户名"

    def _scope_ids(self, row: Row, role: str) -> list[int] | None:
        rule = ROLE_SCOPES[role]
        raw = row.get("scope", cells.text, required=False, max_length=2000)
        if raw is None:
            return None
        codes = [code for code in SCOPE_SEPARATORS.split(raw) if code]
        if rule.model is None:
            if codes:
                row.error("scope", _("此角色不设管辖范围，请留空"))
            return []
        if not codes:
            row.error("scope", _("此角色须填写管辖范围编码"))
            return None
        if not rule.many and len(codes) > 1:
            row.error("scope", _("此角色只能有一个管辖范围编码"))
            return None
        table = self._scope_codes.get(rule.model._meta.label)
        if table is None:
            table = self._scope_codes[rule.model._meta.label] = dict(rule.model.objects.values_list("code", "pk"))
        missing = [code for code in codes if code not in table]
        if missing:
            row.error(
                "scope", _("%(what)s编码不存在：%(codes)s") % {
                    "what": rule.model._meta.verbose_name, "codes": "、".join(missing[:5]),
                },
            )  # fmt: skip
            return None
        return sorted({table[code] for code in codes})

    def parse(self, row: Row) -> Record | None:
        username = row.get("username", cells.text, max_length=150)
        if username is not None and not USERNAME_RE.match(username):
            row.error("username", _("用户名只能包含字母、数字和 @ . + - _"))
        role = word_parse(row, "role", self._roles, self._role_names)
        data = {
            "name": row.get("name", cells.text, max_length=150),
            "email": row.get("email", cells.text, required=False, max_length=254),
            "active": row.get("active", cells.boolean),
            "role": role,
            "scope_ids": self._scope_ids(row, role) if role is not None else None,
        }
        if data["email"] and "@" not in data["email"]:
            row.error("email", _("邮箱格式不正确"))
        if not row.ok:
            return None
        return self.record(row, username, data)

    def stored(self, keys: list) -> dict:
        users = get_user_model().objects.filter(username__in=keys)
        found = {
            username: {"name": name, "email": email, "active": active, "role": None, "scope_ids": []}
            for username, name, email, active in users.values_list("username", "first_name", "email", "is_active")
        }
        profiles = UserProfile.objects.filter(user__username__in=keys).select_related("user")
        for profile in profiles.prefetch_related(*(rule.attribute for rule in ROLE_SCOPES.values() if rule.many)):
            entry = found[profile.user.username]
            entry["role"] = profile.role
            rule = ROLE_SCOPES.get(profile.role)
            if rule is None or rule.model is None:
                continue
            if rule.many:
                entry["scope_ids"] = sorted(item.pk for item in getattr(profile, rule.attribute).all())
            else:
                entry["scope_ids"] = [profile.hall_id]
        return found

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        uploader = (
            get_user_model().objects.filter(pk=self.uploader(batch_id)).values_list("username", flat=True).first()
        )
        for record in records:
            if record.key == uploader and (not record.data["active"] or record.data["role"] != Role.HQ):
                # HQ would lock itself out of the import page (and maybe out of the application).
                raise ApplicationError(
                    _("第 %(row)s 行会停用你自己的账号或取消你的总部角色，未导入任何数据") % {"row": record.row}
                )
        created, self.rows_updated = accounts_upsert(
            rows=[{"username": record.key, **record.data} for record in records]
        )
        return created
