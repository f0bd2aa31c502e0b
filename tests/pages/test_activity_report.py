"""The activity report page on the demo school: families that never logged in are flagged."""

from __future__ import annotations

from sqlalchemy import select

from components.reports.activity import REMINDER_TITLE
from klassruk.models.notifications import ClassMessage, ClassMessageRecipient
from klassruk.models.school import Student


def _table(at):
    return next(d.value for d in at.dataframe if "Обратить внимание" in d.value.columns)


def test_class_teacher_sees_own_families_flagged(logged_in):
    at = logged_in("klassruk").switch_page("app_pages/activity_report.py").run()
    assert not at.exception
    table = _table(at)
    never = next(m for m in at.metric if m.label == "Ни разу не входили")
    flagged = table["Обратить внимание"].str.contains("ни разу не входил", regex=False)
    # In the parent's gender, as the name gives it: «ни разу не входил(а)» was for nobody.
    assert not table["Обратить внимание"].str.contains("(а)", regex=False).any()
    mothers = table["Родитель"].str.endswith("вна")
    assert (flagged & mothers).any()
    assert table.loc[flagged & mothers, "Обратить внимание"].str.contains("не входила").all()
    assert int(never.value) == int(flagged.sum()) > 0
    assert (table.loc[flagged, "Последний вход"] == "—").all()
    assert (table.loc[~flagged, "Последний вход"] != "—").any()  # the demo has both kinds
    # «Входов 0» beside last Friday's login read as a contradiction: the count is the range's.
    assert "Входов за выбранные дни" in table.columns and "Входов" not in table.columns
    assert len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")) >= 1
    at.toggle(key="act_only_flagged").set_value(True).run()
    assert not at.exception
    assert _table(at)["Обратить внимание"].ne("—").all()


def test_class_teacher_prints_a_familys_extract(logged_in):
    at = logged_in("klassruk").switch_page("app_pages/activity_report.py").run()
    at.button(key="act_print").click().run()
    assert not at.exception
    assert any(b.label == "Скачать выписку (PDF)" for b in at.get("download_button"))


def test_deputy_head_compares_classes(logged_in):
    at = logged_in("zavuch").switch_page("app_pages/activity_report.py").run()
    assert not at.exception
    assert any("Классы школы" in e.label for e in at.expander)
    assert not [b for b in at.button if b.key == "act_print"]


def test_class_teacher_reminds_the_flagged_families_with_a_class_message(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/activity_report.py").run()
    flagged = set(_table(at).loc[_table(at)["Обратить внимание"].ne("—"), "Ребёнок"])
    at.button(key="act_remind").click().run()
    question = next(w.value for w in at.warning if w.value.startswith("Отправить сообщение"))
    assert f"«{REMINDER_TITLE}»" in question and " 7А класса (" in question
    with factory() as session:
        assert session.scalars(select(ClassMessage)).first() is None
    at.button(key="act_remind_confirm_yes").click().run()
    assert not at.exception
    assert any("Напоминание отправлено" in s.value for s in at.success)
    with factory() as session:
        message = session.scalars(select(ClassMessage)).one()
        children = set(
            session.scalars(
                select(ClassMessageRecipient.student_id).where(
                    ClassMessageRecipient.message_id == message.id
                )
            )
        )
        names = {
            f"{s.last_name} {s.first_name}"
            for s in session.scalars(select(Student).where(Student.id.in_(children)))
        }
    assert message.asks_acknowledgement and message.title.startswith("Напоминание")
    assert names and all(any(n in shown for shown in flagged) for n in names)
