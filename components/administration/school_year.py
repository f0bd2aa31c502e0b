"""The admin's new school year: the plan (dry run) first, then a confirmed rollover."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, reported_errors, show_outcome
from components.kit.pickers import multi_picker
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.services.school_year.rollover import (
    RolloverPlan,
    apply_rollover,
    basic_level_pupils,
    default_leavers_block_on,
    plan_rollover,
)

CONFIRM = "school_year_rollover"


def _choices(actor: Actor) -> tuple[list[int], date | None]:
    """Which 9th graders leave, and from which day leavers' accounts block."""
    with db_read(actor) as session:
        ninth = basic_level_pupils(session, actor)
        default_block_on = default_leavers_block_on(session, actor)
    names = dict(ninth)
    leaving = multi_picker(
        "Девятиклассники, которые уходят из школы (остальные переходят в 10-й класс)",
        [student_id for student_id, _ in ninth],
        key="school_year_ninth_leavers",
        format_func=lambda student_id: names[student_id],
        placeholder="Никто не уходит",
    )
    # Filled in: an empty date field shows Streamlit's English «dd.mm.yyyy».
    block_on = st.date_input(
        "Блокировать учётные записи выпускников с",
        value=default_block_on,
        format="DD.MM.YYYY",
        key="school_year_block_on",
        help="По умолчанию — через три месяца после конца учебного года.",
    )
    return leaving, block_on if isinstance(block_on, date) else None


def _show_plan(plan: RolloverPlan) -> None:
    for line in plan.describe():
        st.markdown(f"- {escape(line)}")
    for blocker in plan.blockers:
        st.warning(escape(blocker))
    st.subheader("Перевод классов")
    show_table(
        {
            "Класс": [m.name for m in plan.moves],
            "Станет": [m.new_name or "выпуск" for m in plan.moves],
            "Классный руководитель": [m.class_teacher for m in plan.moves],
            "Переходят": [m.moving for m in plan.moves],
            "Уходят": [", ".join(m.leaving) for m in plan.moves],
        },
        key="school_year_moves",
        numbers=("Переходят",),
        widths={"Уходят": "large"},
    )
    st.subheader("Итоговые оценки")
    show_table(
        {
            "Класс": [g.class_name for g in plan.year_grades],
            "Предмет": [g.subject_name for g in plan.year_grades],
            "Выставлены": [g.present for g in plan.year_grades],
            "Не хватает": [", ".join(g.missing) for g in plan.year_grades],
        },
        key="school_year_grades",
        empty="Предметов с оценками в этом году нет.",
        numbers=("Выставлены",),
        widths={"Не хватает": "large"},
    )
    if plan.layouts:
        st.subheader("Деление на группы: предложение на новый год")
        show_table(
            {
                "Класс": [f"{g.class_name} → {g.new_class_name}" for g in plan.layouts],
                "Предмет": [g.subject_name for g in plan.layouts],
                "Групп": [g.groups for g in plan.layouts],
            },
            key="school_year_layouts",
            numbers=("Групп",),
        )


def school_year_screen(actor: Actor) -> None:
    """The plan of the rollover with its choices, and the confirmed apply."""
    show_outcome()
    st.caption(
        "Сначала показан план: ничего не меняется, пока вы не подтвердите переход. "
        "Журнал закрытого года остаётся доступен для чтения."
    )
    with reported_errors():
        leaving, block_on = _choices(actor)
        with db_read(actor) as session:
            plan = plan_rollover(
                session, actor, on=today(), ninth_leavers=leaving, leavers_block_on=block_on
            )
        _show_plan(plan)
        if st.button(
            f"Перейти на учебный год {plan.new_year_name}",
            type="primary",
            disabled=bool(plan.blockers),
            key="school_year_apply",
        ):
            ask(CONFIRM, Risky(
                question=(
                    f"Закрыть учебный год {plan.year_name} и перейти на {plan.new_year_name}? "
                    + " ".join(plan.describe()[1:5])
                    + " Отменить переход нельзя."
                ),
                confirm="Закрыть год и перейти",
                payload=plan,
            ))
    answer = confirmed(CONFIRM)
    if answer is not None:
        shown: RolloverPlan = answer.payload
        # A large school's rollover (2,200 pupils) took about 15 s on a loaded machine.
        with st.spinner("Закрываем учебный год и переводим классы…"):
            act(
                actor,
                lambda session: apply_rollover(
                    session, actor, plan=shown, on=today(), now=utcnow()
                ),
                f"Учебный год {shown.year_name} закрыт, текущий — {shown.new_year_name}.",
            )
