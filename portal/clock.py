"""The portal's idea of 'today': deadlines and age limits follow the calendar in Zhanjiang."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """The first moment of `day` in Zhanjiang, as an aware datetime (compare it with the UTC columns)."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
