"""The activity report: the class teacher moves a flagged family to paper by their statement."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models.consent import ConsentEntry
from klassruk.text.russian import Case, about, decline_name

PAPER = "на бумаге (родитель выбрал бумажную форму)"


def _table(at):
    return next(d.value for d in at.dataframe if "Обратить внимание" in d.value.columns)


def _entries(factory, number: str) -> list[ConsentEntry]:
    with factory() as session:
        return list(session.scalars(
            select(ConsentEntry).where(ConsentEntry.form_number == number)
        ))


def test_class_teacher_moves_a_flagged_family_to_paper_from_the_report(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/activity_report.py").run()
    table = _table(at)
    electronic = table[table["Обратить внимание"].ne("—")
                       & table["Доставка"].str.startswith("электронно")]
    assert len(electronic), table[["Обратить внимание", "Доставка"]]
    guardian, child = electronic.iloc[0]["Родитель"], electronic.iloc[0]["Ребёнок"]
    family = at.selectbox(key="act_family")
    family.select_index(family.options.index(f"{guardian} — {child}")).run()

    # Bad input: no statement number — a Russian message, no question, nothing written.
    at.text_input(key="act_paper_reason").input("нет интернета дома")
    at.button(key="act_paper_submit").click().run()
    assert not at.exception
    assert any("Укажите № заявления" in e.value for e in at.error)
    assert not [w for w in at.warning if w.value.startswith("Перевести")]

    at.text_input(key="act_paper_number").input("З-15")
    at.button(key="act_paper_submit").click().run()
    question = next(w.value for w in at.warning if w.value.startswith("Перевести"))
    assert "№ З-15" in question and "нет интернета дома" in question
    assert question.startswith(f"Перевести {decline_name(guardian, Case.ACCUSATIVE)} на бумажные")
    assert f"Сведения {about(child)}" in question
    assert _entries(factory, "З-15") == []  # nothing before the confirmation
    at.button(key="act_paper_confirm_yes").click().run()
    assert not at.exception
    assert any("на бумажные выписки по заявлению № З-15" in s.value for s in at.success)

    table = _table(at)
    routes = table.loc[table["Родитель"] == guardian, "Доставка"]
    assert len(routes) and (routes == PAPER).all()
    entries = _entries(factory, "З-15")
    assert entries and all(e.prefers_paper and e.reason == "нет интернета дома" for e in entries)
    assert len(entries) == len(routes)
