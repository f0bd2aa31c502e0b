"""Names with Markdown and HTML in them are shown literally: no link, no bold, no tag."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from components.kit.text import escape
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import Grade
from klassruk.models.school import GroupKind, Guardian, SchoolClass, Staff, Student, StudyGroup
from tests.factories import SYSTEM

BOLD_LINK = "**Жирный** [ссылка](javascript:alert(1))"
HTML = "<b>Тег</b><script>alert(1)</script>"
SHORTCODES = ":red[Красный] $x^2$ _курсив_ http://example.com"

# Markdown as Streamlit's renderer reads it, raw HTML included, so that a leak is visible.
RENDER = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")


def _rendered(at: AppTest) -> list[str]:
    """Every Markdown-rendered text on the page (main area and sidebar), as HTML."""
    elements = (
        *at.markdown, *at.caption, *at.title, *at.header, *at.subheader,
        *at.warning, *at.info, *at.success, *at.error,
    )  # fmt: skip
    return [RENDER.render(str(e.value)) for e in elements]


def _assert_literal(at: AppTest, *needles: str) -> None:
    """Each needle appears as text (HTML-escaped once) and the page has no user-made markup."""
    assert not at.exception
    html = "\n".join(_rendered(at))
    for tag in ("<a ", "<em>", "<b>", "<script", "<del>", "<code>"):
        assert tag not in html
    for needle in needles:
        literal = needle.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert literal in html.replace("&quot;", '"')
    # The only bold on these pages is ours: it never wraps the user's own asterisks away.
    assert "<strong>Жирный</strong>" not in html


@pytest.mark.parametrize(
    "value",
    [
        BOLD_LINK, HTML, SHORTCODES, "a\n# Заголовок\n- пункт", "\\*уже\\* экранировано",
        "1. пункт", "- пункт", "# заголовок", "> цитата", "`код`", "~~зачёркнуто~~",
        "<https://example.com>", "![картинка](https://example.com/x.png)",
    ],
)  # fmt: skip
def test_escape_renders_literally(value):
    html = RENDER.render(escape(value))
    assert html.count("<p>") == 1
    for tag in ("<a ", "<strong>", "<em>", "<b>", "<h1>", "<li>", "<script", "<img", "<code>"):
        assert tag not in html
    for tag in ("<blockquote>", "<del>", "<s>", "<ol", "<ul"):
        assert tag not in html


def test_escape_keeps_ordinary_messages_as_they_read():
    message = "Исправьте клетки журнала: Белов Дмитрий, 09.11.2026: «5-» — не оценка (с 09:30)."
    assert escape(message) == message


def test_guardian_home_and_sidebar_show_names_as_text(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        account = session.scalars(select(UserAccount).where(UserAccount.login == "roditel")).one()
        account.display_name = BOLD_LINK
        guardian = session.get(Guardian, account.guardian_id)
        assert guardian is not None
        guardian.last_name, guardian.first_name = BOLD_LINK, HTML
        session.execute(update(Student).values(last_name=BOLD_LINK, first_name=SHORTCODES))
        session.execute(update(Staff).values(last_name=HTML, first_name=BOLD_LINK))
    at = logged_in("roditel")
    _assert_literal(at, BOLD_LINK, HTML, ":red[Красный]")
    # A family's name is in the «Меню» popover (families have no sidebar).
    (menu,) = at.get("popover")
    names = [m for m in menu.children.values() if getattr(m, "type", None) == "markdown"]
    assert any(BOLD_LINK in str(m.value).replace("\\", "") for m in names)


def test_class_journal_warning_and_individual_plan_show_names_as_text(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(update(Student).values(last_name=BOLD_LINK, first_name=HTML))
        session.execute(
            update(StudyGroup)
            .where(StudyGroup.kind == GroupKind.INDIVIDUAL)
            .values(name=StudyGroup.name + " " + BOLD_LINK)
        )
        session.execute(update(SchoolClass).values(letter="*"))
        # Low marks put the pupils on the at-risk list, whatever the demo's dice gave.
        session.execute(update(Grade).values(value=2))
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    assert at.warning, "the class has students at risk"
    _assert_literal(at, BOLD_LINK, HTML)
    at = at.switch_page("app_pages/study_groups.py").run()
    assert any("Индивидуальный учебный план" in str(c.value) for c in at.caption)
    _assert_literal(at, BOLD_LINK)
