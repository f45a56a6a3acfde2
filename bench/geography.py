"""A realistic province to scale the synthetic data on: Hebei's 11 prefecture cities and their districts
and counties (167 in all), with the street names and vocabularies the generated rows draw on. Every string
here is free of commas' trouble and double quotes, so it can be written to CSV as it is."""

from __future__ import annotations

CITIES: list[tuple[str, str, list[str]]] = [
    (
        "SJZ",
        "石家庄",
        "长安区 桥西区 新华区 裕华区 井陉矿区 藁城区 鹿泉区 栾城区 正定县 井陉县 行唐县 灵寿县 高邑县 深泽县 "
        "赞皇县 无极县 平山县 元氏县 赵县 辛集市 晋州市 新乐市".split(),
    ),
    (
        "TS",
        "唐山",
        "路南区 路北区 古冶区 开平区 丰南区 丰润区 曹妃甸区 滦南县 乐亭县 迁西县 玉田县 遵化市 迁安市 滦州市".split(),
    ),
    ("QHD", "秦皇岛", "海港区 山海关区 北戴河区 抚宁区 青龙满族自治县 昌黎县 卢龙县".split()),
    (
        "HD",
        "邯郸",
        "邯山区 丛台区 复兴区 峰峰矿区 肥乡区 永年区 临漳县 成安县 大名县 涉县 磁县 邱县 鸡泽县 广平县 馆陶县 "
        "魏县 曲周县 武安市".split(),
    ),
    (
        "XT",
        "邢台",
        "襄都区 信都区 任泽区 南和区 临城县 内丘县 柏乡县 隆尧县 宁晋县 巨鹿县 新河县 广宗县 平乡县 威县 清河县 "
        "临西县 南宫市 沙河市".split(),
    ),
    (
        "BD",
        "保定",
        "竞秀区 莲池区 满城区 清苑区 徐水区 涞水县 阜平县 定兴县 唐县 高阳县 容城县 涞源县 望都县 安新县 易县 "
        "曲阳县 蠡县 顺平县 博野县 雄县 涿州市 定州市 安国市 高碑店市".split(),
    ),
    (
        "ZJK",
        "张家口",
        "桥东区 桥西区 宣化区 下花园区 万全区 崇礼区 张北县 康保县 沽源县 尚义县 蔚县 阳原县 怀安县 怀来县 "
        "涿鹿县 赤城县".split(),
    ),
    (
        "CD",
        "承德",
        "双桥区 双滦区 鹰手营子矿区 承德县 兴隆县 滦平县 隆化县 丰宁满族自治县 宽城满族自治县 "
        "围场满族蒙古族自治县 平泉市".split(),
    ),
    (
        "CZ",
        "沧州",
        "新华区 运河区 沧县 青县 东光县 海兴县 盐山县 肃宁县 南皮县 吴桥县 献县 孟村回族自治县 泊头市 任丘市 "
        "黄骅市 河间市".split(),
    ),
    ("LF", "廊坊", "安次区 广阳区 固安县 永清县 香河县 大城县 文安县 大厂回族自治县 霸州市 三河市".split()),
    ("HS", "衡水", "桃城区 冀州区 枣强县 武邑县 武强县 饶阳县 安平县 故城县 景县 阜城县 深州市".split()),
]

STREETS = (
    "中山路 建设大街 和平路 胜利街 人民路 解放路 新华路 东风路 友谊大街 光明街 文化路 育才街 朝阳路 长江道 "
    "花园街 广场北路 站前街 迎宾路 学府路 工农路 裕华路 槐安路 体育大街 北二环 南环路 青年路 振兴路 红旗大街 "
    "富强路 幸福街 百花路 府前街 开发区 万达广场 火车站 汽车站 大学城 高新区 商业街 步行街"
).split()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉晨阳欣怡浩宇佳琪子涵雪梅建国志强"
CHINESE_NUMERALS = "一二三四五六七八九十"

MYSTERY_VENDORS = [("LD", "零点有数"), ("HX", "华信咨询"), ("SLX", "赛立信")]
MYSTERY_SCENARIOS = ["咨询资费套餐", "办理携号转网", "补办SIM卡", "宽带报装", "购机咨询", "话费争议处理"]
ITEM_NOTES = ["", "部分达标", "未达标"]
SPECIAL_NOTES = {
    "veto": "现场发现严重违规，一票否决",
    "deduction": "核实扣分",
    "bonus": "核实加分",
}
SURVEY_DIMENSIONS = [
    ("ENV", "环境舒适", "Comfortable environment"),
    ("ORDER", "秩序良好", "Good order"),
    ("WAIT", "等候时间短", "Short wait"),
    ("ACCURACY", "办理准确高效", "Accurate and efficient"),
    ("ATTITUDE", "服务态度热情", "Warm attitude"),
    ("OFFER", "业务满足需求", "Services needed"),
]
NEGATIVE_COMMENTS = ["排队时间太长", "办理速度慢", "工作人员态度冷淡", "业务解释不清楚", "厅内环境拥挤", "自助终端故障"]
PRAISE_COMMENTS = ["服务很热情", "办理又快又好", "环境干净整洁"]
PHONE_PREFIXES = ["138", "139", "135", "136", "150", "158", "187", "188", "147", "198"]
COMPLAINT_CATEGORIES = ["服务态度", "业务办理差错", "排队时间长", "资费争议", "环境设施", "承诺未兑现"]
COMPLAINT_CHANNELS = ["10086热线", "工信部申诉", "网上营业厅", "现场投诉", "微信公众号"]
BONUS_EVENTS = [("客户表扬信", 100), ("获得荣誉奖项", 200)]  # (reason, points in hundredths)
DEDUCTION_EVENTS = [("服务承诺未兑现", 100), ("有效投诉", 200)]
REPAIR_STATES = ["open", "contacted", "repaired", "unreachable"]
