"""Invented agencies and staff: valid credit codes, plausible names, all from one generator."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from ledger.domain.credit_code import ALPHABET, check_character

REGIONS = ("341802", "341821", "341822", "341823", "341824", "341825", "341881", "341882",
           "340102", "340104", "320102", "330106", "370102", "440106", "510107", "610113")
PLACES = ("敬亭", "宛陵", "宣城", "郎溪", "广德", "泾县", "绩溪", "旌德", "宁国", "水阳",
          "双桥", "黄山", "新安", "皖南", "江淮", "滨江", "东湖", "西山", "南屏", "北岸")
WORDS = ("招标", "项目管理", "工程咨询", "采购代理", "建设咨询", "造价咨询", "信息咨询", "公共资源")
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "咨询服务中心")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国红梅鹏飞志刚晓东"
DEPARTMENTS = ("政府采购监管科", "采购执行科", "投诉处理科", "信息公开科")


@dataclass
class DemoAgency:
    """What the planner knows of one invented agency."""

    code: str
    name: str
    registered_on: date
    deregistered_on: date | None
    staff: list[tuple[str, str]]
    risk: float
    habit: str
    counters: dict[str, int] = field(default_factory=dict)
    seconded_until: date = date.min

    def active_on(self, day: date) -> bool:
        return self.registered_on <= day and (self.deregistered_on is None
                                               or day <= self.deregistered_on)


def credit_code(rng: random.Random, taken: set[str]) -> str:
    """A fresh valid unified social credit code (91 = enterprise, then region, org code)."""
    while True:
        body = "91" + rng.choice(REGIONS) + "".join(rng.choice(ALPHABET[:-1]) for _ in range(9))
        code = body + check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def agency_name(rng: random.Random, serial: int) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(WORDS)}{serial}{rng.choice(FORMS)}"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def staff(rng: random.Random) -> list[tuple[str, str]]:
    """Employee numbers and names; most agencies keep 5 to 14 people on the books."""
    return [(f"E{n:03d}", person(rng)) for n in range(1, rng.randint(5, 14) + 1)]
