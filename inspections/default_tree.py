"""The default indicator tree (docs/rules/en.md, the indicator tree): four level-1 dimensions summing to 100,
with the veto, deduction and bonus items that stand outside the 100 points. Level-3 points are our default
split of each level-2 budget; HQ changes them by copying the scheme into a new draft."""

from __future__ import annotations

# (code, zh, en, points, kind, allow_na, children)
DEFAULT_TREE: list[tuple] = [
    (
        "SN",
        "服务规范",
        "Service norms",
        40,
        "scored",
        False,
        [
            (
                "SN1",
                "仪容仪表",
                "Appearance",
                10,
                "scored",
                False,
                [
                    ("SN1.1", "盘发", "Hair tied up", 3, "scored", False, []),
                    ("SN1.2", "工装", "Uniform", 4, "scored", False, []),
                    ("SN1.3", "工号牌", "Name badge", 3, "scored", False, []),
                ],
            ),
            (
                "SN2",
                "礼貌态度",
                "Courtesy",
                10,
                "scored",
                False,
                [
                    ("SN2.1", "服务态度", "Service attitude", 4, "scored", False, []),
                    ("SN2.2", "语言规范", "Standard language", 3, "scored", False, []),
                    ("SN2.3", "行为规范", "Standard conduct", 3, "scored", False, []),
                ],
            ),
            (
                "SN3",
                "主动服务",
                "Proactive service",
                10,
                "scored",
                False,
                [
                    ("SN3.1", "主动迎送", "Greet and see off", 5, "scored", False, []),
                    ("SN3.2", "主动引导", "Guide", 5, "scored", False, []),
                ],
            ),
            (
                "SN4",
                "主动营销",
                "Proactive marketing",
                10,
                "scored",
                False,
                [
                    ("SN4.1", "主动推荐", "Recommend", 5, "scored", False, []),
                    ("SN4.2", "主动介绍", "Introduce", 5, "scored", False, []),
                ],
            ),
        ],
    ),
    (
        "BS",
        "业务能力",
        "Business skill",
        25,
        "scored",
        False,
        [
            (
                "BS1",
                "规范性及成功性",
                "Correctness and success",
                15,
                "scored",
                False,
                [
                    ("BS1.1", "业务办理正确", "Transaction correct", 8, "scored", False, []),
                    ("BS1.2", "一次办结", "Completed first time", 7, "scored", False, []),
                ],
            ),
            (
                "BS2",
                "熟练性",
                "Proficiency",
                10,
                "scored",
                False,
                [
                    ("BS2.1", "操作熟练", "Handles fluently", 5, "scored", False, []),
                    ("BS2.2", "办理时长达标", "Handling time within standard", 5, "scored", False, []),
                ],
            ),
        ],
    ),
    (
        "QU",
        "排队等候",
        "Queuing",
        20,
        "scored",
        False,
        [
            (
                "QU1",
                "等候时间",
                "Waiting time",
                10,
                "scored",
                False,
                [
                    ("QU1.1", "平均等候不超过15分钟", "Average wait within 15 minutes", 6, "scored", False, []),
                    ("QU1.2", "最长等候不超过30分钟", "Longest wait within 30 minutes", 4, "scored", False, []),
                ],
            ),
            (
                "QU2",
                "秩序维护",
                "Order keeping",
                5,
                "scored",
                False,
                [
                    ("QU2.1", "叫号有序", "Orderly queue calling", 3, "scored", False, []),
                    ("QU2.2", "分流引导", "Queue diversion", 2, "scored", False, []),
                ],
            ),
            (
                "QU3",
                "等候关怀",
                "Care while waiting",
                5,
                "scored",
                False,
                [
                    ("QU3.1", "提供座椅饮水", "Seats and water provided", 3, "scored", True, []),
                    ("QU3.2", "超时等候致歉", "Apology for long waits", 2, "scored", False, []),
                ],
            ),
        ],
    ),
    (
        "EF",
        "环境与设施",
        "Environment and facilities",
        15,
        "scored",
        False,
        [
            (
                "EF1",
                "环境卫生（5S）",
                "Cleanliness (5S)",
                5,
                "scored",
                False,
                [
                    ("EF1.1", "台席整洁", "Counters tidy", 3, "scored", False, []),
                    ("EF1.2", "厅堂地面与绿植", "Floor and plants", 2, "scored", False, []),
                ],
            ),
            (
                "EF2",
                "宣传信息",
                "Information display",
                5,
                "scored",
                False,
                [
                    ("EF2.1", "资费公示准确", "Tariffs displayed correctly", 3, "scored", False, []),
                    ("EF2.2", "宣传品摆放规范", "Leaflets in order", 2, "scored", False, []),
                ],
            ),
            (
                "EF3",
                "服务设施",
                "Service facilities",
                5,
                "scored",
                False,
                [
                    ("EF3.1", "自助终端可用", "Self-service terminals working", 3, "scored", True, []),
                    ("EF3.2", "便民设施齐全", "Amenities complete", 2, "scored", False, []),
                ],
            ),
        ],
    ),
    ("VETO1", "与客户争吵", "Quarrel with a customer", None, "veto", False, []),
    ("VETO2", "违规办理业务", "Irregular transaction", None, "veto", False, []),
    ("DED1", "有效投诉", "Substantiated complaint", 2, "deduction", False, []),
    ("DED2", "服务承诺未兑现", "Service promise not kept", 1, "deduction", False, []),
    ("BON1", "客户表扬信", "Customer letter of praise", 1, "bonus", False, []),
    ("BON2", "获得荣誉奖项", "Award received", 2, "bonus", False, []),
]

# The default check templates of the default tree: (code, zh, en, leaf codes). A remote patrol or a special
# check is entered against one of them and scored over the points it applies.
DEFAULT_TEMPLATES: list[tuple[str, str, str, list[str]]] = [
    (
        "QUEUE",
        "排队管理巡检",
        "Queue-management patrol",
        ["QU1.1", "QU1.2", "QU2.1", "QU2.2", "QU3.1", "QU3.2", "VETO1"],
    ),
    (
        "ENV5S",
        "5S 环境检查",
        "5S environment check",
        ["EF1.1", "EF1.2", "EF2.1", "EF2.2", "EF3.1", "EF3.2"],
    ),
]

# The deduction item that records a substantiated complaint: kept on the inspection, deducting nothing,
# since complaints are scored once, in the grading's complaint dimension.
DEFAULT_COMPLAINT_CODES = frozenset({"DED1"})
