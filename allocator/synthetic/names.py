"""Chinese display names of a county's schools, unique within the county.

County-seat schools are 实验 / 城关第N / street names, township schools 某某镇中心小学 and
village schools 某家庄小学; private schools get a brand. All name material is invented.
Imports only :mod:`.layout`.
"""

from __future__ import annotations

import numpy as np

from .layout import TOWN, TOWNSHIP, Layout

__all__ = ["school_names"]

# Name material (all invented; combinations are drawn per county).
# fmt: off
_TOWN_NAMED = (
    "东关", "西关", "南关", "北关", "育才", "新华", "解放路", "建设路", "文化路", "迎宾路",
    "红旗", "向阳", "光明", "东街", "西街", "南街", "北街", "府西街", "人民路", "新建路",
    "胜利街", "和平街", "朝阳", "城南", "城北", "滨河", "锦绣", "新城", "站前", "顺城街",
)
_CN_DIGITS = "零一二三四五六七八九"
_PLACE_FIRST = (
    "东", "西", "南", "北", "上", "下", "大", "小", "新", "古", "长", "永", "安", "太", "平",
    "和", "高", "龙", "凤", "金", "石", "黄", "白", "清", "青", "红", "杨", "柳", "桃", "杏",
    "马", "牛", "三", "双", "乌", "修", "什", "庄", "张", "郭",
)
_PLACE_SECOND = (
    "阳", "庄", "峪", "河", "堡", "沟", "坪", "泉", "头", "寨", "营", "店", "山", "城", "口",
    "湾", "源", "川", "文", "田", "凝", "贴", "赵", "庆", "集", "关", "井", "岭", "塔", "宁",
)
_SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "韩", "侯", "贾", "段",
    "武", "乔", "薛", "阎", "田", "梁", "宋", "董", "程", "常", "牛", "霍", "范", "任", "温",
)
_VILLAGE_SUFFIX = ("庄", "堡", "沟", "峪", "村", "寨", "坡", "岭", "河", "湾", "窑", "坪")
_PRIVATE_BRANDS = (
    "博文", "育英", "明德", "启航", "新世纪", "华英", "博雅", "晋才", "英才", "弘毅", "致远",
    "培英", "求实", "思源", "德润", "瀚林", "崇德", "昌盛", "东方", "卓越",
)
_PRIVATE_SUFFIX = {
    "primary": ("小学", "实验学校", "外国语学校", "双语学校"),
    "junior": ("中学", "实验学校", "外国语学校", "双语学校"),
}
# fmt: on


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _unique_names(rng: np.random.Generator, first: tuple, second: tuple, k: int) -> list[str]:
    pool = [a + b for a in first for b in second if a != b]
    picked = [pool[i] for i in rng.permutation(len(pool))[: min(k, len(pool))]]
    i = 0
    while len(picked) < k:  # huge counties: numbered variants
        picked.append(f"{pool[i % len(pool)]}{_cn_number(i // len(pool) + 2)}")
        i += 1
    return picked


def school_names(
    rng: np.random.Generator, lay: Layout, stage: str, prefix: str | None
) -> list[str]:
    """Chinese display names, unique within the county."""
    level = "小学" if stage == "primary" else "中学"
    n_pub = lay.n_pub
    town_names = _unique_names(rng, _PLACE_FIRST, _PLACE_SECOND, lay.n_townships)
    named = list(_TOWN_NAMED)
    named = [named[i] for i in rng.permutation(len(named))]
    town_roots: list[str] = ["实验"]
    k_num = 1
    while len(town_roots) < n_pub:  # alternate 城关第N and street names
        if named and len(town_roots) % 2 == 0:
            town_roots.append(named.pop(0))
        else:
            town_roots.append(f"城关第{_cn_number(k_num)}")
            k_num += 1

    names: list[str] = []
    used_villages: dict[int, set[str]] = {}
    t_i = 0
    brands = [b + s for b in _PRIVATE_BRANDS for s in _PRIVATE_SUFFIX[stage]]
    brands = [brands[i] for i in rng.permutation(len(brands))]
    for j in range(lay.n):
        nine = bool(lay.nine_year[j])
        suffix = "学校" if nine else level
        if lay.private[j]:
            base = brands[(j - n_pub) % len(brands)]
            if j - n_pub >= len(brands):
                base = f"{base}{_cn_number((j - n_pub) // len(brands) + 1)}部"
            if nine and base.endswith(("小学", "中学")):
                base = base[:-2] + "学校"
            names.append(base)
            continue
        if lay.area[j] == TOWN:
            names.append(town_roots[t_i] + suffix)
            t_i += 1
            continue
        ts = int(lay.township[j])
        unit = town_names[ts] + ("镇" if lay.township_is_zhen[ts] else "乡")
        if lay.area[j] == TOWNSHIP:
            if nine:
                names.append(f"{unit}九年制学校")
            else:
                names.append(f"{unit}中心小学" if stage == "primary" else f"{unit}中学")
            continue
        used = used_villages.setdefault(ts, set())
        while True:
            sur = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
            suf = _VILLAGE_SUFFIX[int(rng.integers(len(_VILLAGE_SUFFIX)))]
            village = sur + ("家" if rng.random() < 0.5 else "") + suf
            if village not in used:
                break
            if len(used) > 500:
                village = f"{village}{len(used)}"
                break
        used.add(village)
        names.append(f"{unit}{village}{suffix}")
    # never two schools with the same name
    seen: dict[str, int] = {}
    for j, nm in enumerate(names):
        if nm in seen:
            seen[nm] += 1
            names[j] = f"{nm}（{_cn_number(seen[nm])}部）"
        else:
            seen[nm] = 1
    if prefix:
        names = [prefix + nm for nm in names]
    return names
