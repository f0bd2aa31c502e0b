"""Russian display formats: dates as ДД.ММ.ГГГГ, times in the school's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def format_date(value: date | None) -> str:
    """ДД.ММ.ГГГГ, or a dash."""
    return value.strftime("%d.%m.%Y") if value else "—"


def format_timestamp(value: datetime | None, timezone: str) -> str:
    """ДД.ММ.ГГГГ ЧЧ:ММ in the school's zone, or a dash."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def format_average(value: float | None) -> str:
    """An average to two decimals with the Russian decimal comma («4,25»), or a dash."""
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def format_number(value: float | None) -> str:
    """A number the Russian way: decimal comma, thin-space thousands, at most two decimals."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def quote(value: object, limit: int = 40) -> str:
    """The value in «ёлочки», cut to a short prefix: messages never echo a whole bad input."""
    text = " ".join(str(value).split())
    return f"«{text[:limit]}…»" if len(text) > limit else f"«{text}»"


def bullet_list(lines: list[str], limit: int) -> str:
    """The first `limit` lines as a bulleted list, with how many more were left out."""
    text = "\n".join(f"• {line}" for line in lines[:limit])
    more = len(lines) - limit
    return text + (f"\n• …и ещё: {more}" if more > 0 else "")
