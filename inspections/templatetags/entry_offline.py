"""What the entry page's offline script needs to know, given to it through ``json_script``."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from inspections.models import IndicatorKind, Inspection
from inspections.selectors import scheme_leaves

register = template.Library()


def _field_labels(inspection: Inspection) -> dict[str, str]:
    labels = {"note": str(_("总体说明"))}
    for ind in scheme_leaves(scheme_id=inspection.scheme_id, template_id=inspection.template_id):
        name = f"{ind.code} {ind.name}"
        if ind.kind == IndicatorKind.VETO:
            labels[f"veto_{ind.pk}"] = f"{name} · {_('触发')}"
        else:
            labels[f"points_{ind.pk}"] = f"{name} · {_('得分')}"
            labels[f"na_{ind.pk}"] = f"{name} · {_('不适用')}"
        labels[f"note_{ind.pk}"] = f"{name} · {_('说明')}"
    return labels


@register.simple_tag(takes_context=True)
def entry_offline_config(context, inspection: Inspection) -> dict:
    return {
        # The browser keeps the draft under this key: one inspection, one user.
        "storeKey": f"hallq-entry:{inspection.pk}:{context['request'].user.pk}",
        "autosaveUrl": reverse("inspections:autosave", args=[inspection.pk]),
        "photoUrl": reverse("inspections:photo_upload", args=[inspection.pk]),
        "detailUrl": reverse("inspections:detail", args=[inspection.pk]),
        "serviceWorkerUrl": reverse("service_worker"),
        "labels": _field_labels(inspection),
        "text": {
            "saved": _("已保存到服务器"),
            "saving": _("正在保存…"),
            "kept": _("已保存在本机，联网后自动保存到服务器"),
            "offline": _("离线：填写的内容保存在本机，联网后自动同步"),
            "queued": _("离线：提交已排队，联网后自动发送"),
            "sending": _("正在提交…"),
            "photosWaiting": _("%(count)s 张照片等待上传"),
            "photoWaiting": _("等待上传"),
            "photoStored": _("已上传"),
            "photoFailed": _("上传失败"),
            "restored": _("已恢复本机保存的未同步内容"),
            "conflict": _("冲突：他人已修改此草稿，未覆盖对方的内容"),
            "yes": _("是"),
            "no": _("否"),
            "empty": _("（空）"),
        },
    }
