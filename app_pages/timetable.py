"""The deputy head's calendar and timetable: periods, holidays, slots, import, lesson changes."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from components.auth import guard_page
from components.feedback import act, show_outcome
from components.pickers import kept_tabs
from components.runtime import db
from components.school import school_timezone, today
from components.text import escape
from klassruk.formatting import format_date, format_timestamp
from klassruk.models.journal import LESSON_CHANGE_TITLES, LessonStatus
from klassruk.services import calendar, class_journal, timetable

actor = guard_page(__file__)
st.title("Расписание и календарь")
show_outcome()
on = today()
periods_tab, holidays_tab, slots_tab, lessons_tab, changes_tab = kept_tabs(
    ["Периоды", "Каникулы", "Расписание", "Уроки", "Замены и переносы"], key="tt_tab"
)

with periods_tab:
    with db(actor) as session:
        periods = calendar.list_periods(session)
    for period in periods:
        left, right = st.columns([4, 1])
        left.markdown(escape(period.label))
        if period.is_closed:
            if right.button("Открыть", key=f"tt_open_{period.period_id}"):
                act(
                    actor,
                    lambda s, p=period: calendar.set_period_closed(
                        s, actor, period_id=p.period_id, closed=False
                    ),
                    f"Период «{period.name}» открыт для учителей.",
                )
        elif right.button("Закрыть", key=f"tt_close_{period.period_id}"):
            act(
                actor,
                lambda s, p=period: calendar.set_period_closed(
                    s, actor, period_id=p.period_id, closed=True
                ),
                f"Период «{period.name}» закрыт.",
            )
    with st.form("tt_period_form"):
        name = st.text_input("Название периода", key="tt_period_name")
        starts = st.date_input("Начало", format="DD.MM.YYYY", key="tt_period_start")
        ends = st.date_input("Конец", format="DD.MM.YYYY", key="tt_period_end")
        if st.form_submit_button("Добавить период"):
            act(
                actor,
                lambda s: calendar.add_period(s, actor, name=name, starts_on=starts, ends_on=ends),
                "Период добавлен.",
            )

with holidays_tab:
    with db(actor) as session:
        holidays = calendar.list_holidays(session)
    st.dataframe(
        pd.DataFrame(
            {
                "Название": [h.name for h in holidays],
                "С": [format_date(h.starts_on) for h in holidays],
                "По": [format_date(h.ends_on) for h in holidays],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form("tt_holiday_form"):
        name = st.text_input("Название (каникулы, праздничный день)", key="tt_holiday_name")
        starts = st.date_input("С", format="DD.MM.YYYY", key="tt_holiday_start")
        ends = st.date_input("По", format="DD.MM.YYYY", key="tt_holiday_end")
        if st.form_submit_button("Добавить"):
            act(
                actor,
                lambda s: calendar.add_holiday(s, actor, name=name, starts_on=starts, ends_on=ends),
                "Каникулы добавлены.",
            )

with db(actor) as session:
    classes = class_journal.readable_classes(session, actor)
class_names = dict(classes)

with slots_tab:
    if not classes:
        st.info("Классов пока нет.")
    else:
        class_id = st.selectbox(
            "Класс", list(class_names), format_func=class_names.__getitem__, key="tt_class"
        )
        with db(actor) as session:
            slots = timetable.class_timetable(session, class_id=class_id)
            options = timetable.load_options(session, class_id=class_id)
        st.dataframe(
            pd.DataFrame(
                {
                    "День": [timetable.WEEKDAYS[s.weekday - 1] for s in slots],
                    "Урок": [s.lesson_number for s in slots],
                    "Группа": [s.group for s in slots],
                    "Предмет": [s.subject for s in slots],
                    "Учитель": [s.teacher for s in slots],
                    "Кабинет": [s.room for s in slots],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        if options:
            with st.form("tt_slot_form"):
                option = st.selectbox(
                    "Группа, предмет, учитель",
                    range(len(options)),
                    format_func=lambda i: options[i].label,
                    key="tt_slot_option",
                )
                weekday = st.selectbox(
                    "День недели",
                    range(1, 7),
                    format_func=lambda d: timetable.WEEKDAYS[d - 1],
                    key="tt_slot_day",
                )
                number = st.number_input("Номер урока", 0, 10, 1, key="tt_slot_number")
                room = st.text_input("Кабинет", key="tt_slot_room")
                if st.form_submit_button("Добавить урок в расписание"):
                    chosen = options[option]
                    act(
                        actor,
                        lambda s: timetable.add_slot(
                            s,
                            actor,
                            group_id=chosen.group_id,
                            subject_id=chosen.subject_id,
                            staff_id=chosen.staff_id,
                            weekday=weekday,
                            lesson_number=int(number),
                            room=room,
                        ),
                        "Урок добавлен в расписание.",
                    )
    st.subheader("Загрузка расписания из файла")
    st.caption(
        "XLSX или CSV (UTF-8 с запятой или Windows-1251 с точкой с запятой). Столбцы: "
        + ", ".join(timetable.IMPORT_COLUMNS)
        + ". Файл загружается целиком или не загружается."
    )
    upload = st.file_uploader("Файл расписания", type=["xlsx", "csv"], key="tt_upload")
    if upload is not None and st.button("Загрузить расписание", key="tt_import"):
        data, filename = upload.getvalue(), upload.name
        act(
            actor,
            lambda s: timetable.import_slots(s, actor, data=data, filename=filename),
            lambda result: " ".join(
                (f"Расписание загружено: уроков в неделю добавлено {result.added}.", *result.notes)
            ),
        )

with lessons_tab:
    st.caption(
        "Уроки создаются по расписанию на выбранные даты; каникулы, праздники и дни вне "
        "учебных периодов пропускаются. Повторный запуск не создаёт дублей."
    )
    starts = st.date_input("С", value=on, format="DD.MM.YYYY", key="tt_gen_start")
    ends = st.date_input("По", value=on + timedelta(days=6), format="DD.MM.YYYY", key="tt_gen_end")
    if st.button("Создать уроки", key="tt_generate"):
        counter: list[int] = []
        act(
            actor,
            lambda s: counter.append(
                timetable.generate_lessons(s, actor, starts_on=starts, ends_on=ends)
            ),
            "Уроки созданы по расписанию.",
        )

with changes_tab:
    if classes:
        class_id = st.selectbox(
            "Класс", list(class_names), format_func=class_names.__getitem__, key="tt_ch_class"
        )
        day = st.date_input("Дата", value=on, format="DD.MM.YYYY", key="tt_ch_day")
        with db(actor) as session:
            lessons = timetable.lessons_on(session, actor, on=day, class_id=class_id)
            teachers = timetable.subject_teachers(session)
        if not lessons:
            st.info("В этот день у класса нет уроков.")
        else:
            chosen_index = st.selectbox(
                "Урок",
                range(len(lessons)),
                format_func=lambda i: (
                    f"{lessons[i].number}. {lessons[i].subject} ({lessons[i].group}), "
                    f"{lessons[i].teacher}"
                    + (" — отменён" if lessons[i].status == LessonStatus.CANCELLED else "")
                ),
                key="tt_ch_lesson",
            )
            lesson = lessons[chosen_index]
            kind = st.radio(
                "Изменение",
                ["Замена учителя", "Перенос", "Отмена"],
                horizontal=True,
                key="tt_ch_kind",
            )
            reason = st.text_input("Причина (увидят родители)", key="tt_ch_reason")
            if kind == "Замена учителя":
                names = dict(teachers)
                staff_id = st.selectbox(
                    "Кто заменяет", list(names), format_func=names.__getitem__, key="tt_ch_staff"
                )
                if st.button("Назначить замену", key="tt_ch_sub"):
                    act(
                        actor,
                        lambda s: timetable.substitute_teacher(
                            s, actor, lesson_id=lesson.lesson_id, staff_id=staff_id, reason=reason
                        ),
                        "Замена назначена.",
                    )
            elif kind == "Перенос":
                new_day = st.date_input(
                    "Новая дата", value=day, format="DD.MM.YYYY", key="tt_ch_new_day"
                )
                new_number = st.number_input(
                    "Новый номер урока", 0, 10, lesson.number, key="tt_ch_new_number"
                )
                if st.button("Перенести", key="tt_ch_move"):
                    act(
                        actor,
                        lambda s: timetable.move_lesson(
                            s,
                            actor,
                            lesson_id=lesson.lesson_id,
                            new_date=new_day,
                            new_number=int(new_number),
                            reason=reason,
                        ),
                        "Урок перенесён.",
                    )
            elif st.button("Отменить урок", key="tt_ch_cancel"):
                act(
                    actor,
                    lambda s: timetable.cancel_lesson(
                        s, actor, lesson_id=lesson.lesson_id, reason=reason
                    ),
                    "Урок отменён.",
                )
        with db(actor) as session:
            changes = timetable.lesson_changes(
                session,
                starts_on=on - timedelta(days=30),
                ends_on=on + timedelta(days=30),
                class_id=class_id,
            )
        zone = school_timezone()
        st.subheader("Объявленные изменения (±30 дней)")
        st.dataframe(
            pd.DataFrame(
                {
                    "Урок": [f"{format_date(c.lesson_date)}, {c.number}" for c in changes],
                    "Предмет": [f"{c.subject} ({c.group})" for c in changes],
                    "Изменение": [LESSON_CHANGE_TITLES[c.kind] for c in changes],
                    "Было": [
                        c.old_teacher
                        or (f"{format_date(c.old_date)}, {c.old_number}" if c.old_date else "")
                        for c in changes
                    ],
                    "Стало": [c.new_teacher for c in changes],
                    "Объявлено": [format_timestamp(c.announced_at, zone) for c in changes],
                    "Причина": [c.reason for c in changes],
                }
            ),
            hide_index=True,
            width="stretch",
        )
