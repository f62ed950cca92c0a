"""Masking of names, identity numbers and phone numbers for public notices."""

# Two-character surnames from the 百家姓 and other well-known ones.  乐正, 贺兰 and 王孙 are
# left out on purpose: each starts with an ordinary surname followed by a frequent given-name
# character, so 贺兰芳 is far more likely 贺 + 兰芳, and reading it as a compound surname would
# publish a given-name character.
# fmt: off
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "万俟",
    "闻人", "赫连", "公羊", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔",
    "申屠", "仲孙", "钟离", "鲜于", "闾丘", "司空", "亓官", "司寇", "仉督", "子车",
    "颛孙", "巫马", "公西", "漆雕", "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁",
    "段干", "百里", "东郭", "南门", "呼延", "归海", "羊舌", "微生", "梁丘", "左丘",
    "东门", "第五", "太史", "东野", "完颜", "耶律", "纳兰", "哥舒", "相里", "斛律",
    "达奚", "叱干", "北宫", "南郭", "公仪", "公伯", "公户", "公玉", "伯赏", "乌孙",
})
# fmt: on

# Kept visible so a masked name keeps its shape (e.g. 阿依古丽·买买提, John Smith).
_SEPARATORS = frozenset(" ·•‧・")


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    # A two-character name is always surname + one character: even 欧阳 alone must not be
    # published in full.
    kept = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:kept] + "".join(char if char in _SEPARATORS else "*" for char in name[kept:])


def mask_id(id_number: str) -> str:
    return _keep_ends(id_number.strip(), head=6, tail=4)


def mask_phone(phone: str) -> str:
    phone = phone.strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return _keep_ends(phone, head=3, tail=4)


def _keep_ends(text: str, *, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
