"""The printed extract: one family's week fits one A4 page with its tear-off slip."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.clock import school_today
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, SMALL
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import GradeKind
from klassruk.models.school import SchoolClass
from klassruk.pdf.extracts import render_extracts
from klassruk.services.extracts.content import (
    DatedLine,
    ExtractContent,
    ExtractGrade,
    ExtractSubject,
)
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.roster.people import class_people
from tests.factories import act_as

SCHOOL = "МБОУ «Средняя общеобразовательная школа № 7 имени Героя Советского Союза И. И. Иванова»"
MONDAY = date(2026, 11, 23)
SUBJECTS = (
    "Русский язык", "Литература", "Алгебра", "Геометрия", "Вероятность и статистика",
    "Информатика", "Иностранный язык (английский)", "История", "Обществознание", "География",
    "Биология", "Физика",
    "Изобразительное искусство", "Музыка", "Труд (технология)", "Физическая культура",
)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_weekly_extract_of_a_demo_class_fits_one_page(session: Session) -> None:
    seed_demo_school(session, size=SMALL)
    actor = act_as(session, CLASS_TEACHER_LOGIN)
    staff_id = session.scalar(
        select(UserAccount.staff_id).where(UserAccount.login == CLASS_TEACHER_LOGIN)
    )
    class_id = session.scalar(
        select(SchoolClass.id).where(SchoolClass.class_teacher_id == staff_id)
    )
    assert class_id is not None
    today = school_today("Europe/Moscow")
    people = class_people(session, class_id, today)
    families = [Family(guardian, child) for guardian, kids in people.children.items()
                for child in kids]
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=back) for back in range(4)]
    printed = 0
    for monday in weeks:
        extracts = print_extracts(
            session, actor, class_id=class_id, on=today, date_from=monday,
            date_to=monday + timedelta(days=6), families=families,
        )
        assert any(subject.grades for extract in extracts for subject in extract.subjects)
        pages = _pages(render_extracts(extracts, school_name=SCHOOL, timezone="Europe/Moscow"))
        assert len(pages) == len(extracts) == len(families), monday
        for extract, page in zip(extracts, pages, strict=True):
            assert f"Выписка из электронного журнала № {extract.number}" in page
            assert f"Талон к выписке № {extract.number}" in page
            assert "С информацией ознакомлен" in page
        printed += len(pages)
    assert printed == len(weeks) * len(families)


def _busy_week() -> ExtractContent:
    """A heavy but real week of grade 7: every subject graded, six lessons of homework a day."""
    days = [MONDAY + timedelta(days=offset) for offset in range(6)]
    subjects = [
        ExtractSubject(
            subject=name,
            grades=[ExtractGrade(day, 3 + (index + n) % 3, GradeKind.TEST if n else GradeKind.ORAL)
                    for n, day in enumerate(days[index % 3::3])],
            weights=[(4, 1.0), (5, 2.0)],
            absences=int(index % 4 == 0),
        )
        for index, name in enumerate(SUBJECTS)
    ]
    homework = [
        DatedLine(day, SUBJECTS[(lesson + 5 * number) % len(SUBJECTS)],
                  f"§ {lesson + 10}, № {lesson * 7}–{lesson * 7 + 9}, правило на с. 4{lesson}")
        for number, day in enumerate(days) for lesson in range(6)
    ]
    return ExtractContent(
        number=1234, student_id=1, guardian_id=2,
        student="Константинопольская Александра-Виктория Станиславовна",
        guardian="Константинопольский Владислав Александрович", class_name="11Б",
        class_teacher="Преображенская Екатерина Вячеславовна", date_from=MONDAY,
        date_to=MONDAY + timedelta(days=6), period=None,
        printed_at=datetime(2026, 11, 30, 7, tzinfo=UTC), subjects=subjects,
        absences=[DatedLine(days[1], SUBJECTS[n], "Б — болезнь") for n in range(6)],
        homework=homework,
        tests=[DatedLine(days[n], SUBJECTS[n], f"Контрольная работа № {n + 3}") for n in range(3)],
        changes=[DatedLine(days[2], "Физика", "замена: урок ведёт Сидорова А. П.; объявлено "
                           "27.11.2026 18:40"), DatedLine(days[4], "Биология", "отмена урока")],
        recommendations=[DatedLine(days[3], "Алгебра", "Повторить формулы сокращённого "
                                   "умножения, решить № 120–135 до контрольной работы.")],
    )


def test_a_busy_week_with_long_names_still_fits_one_page() -> None:
    pages = _pages(render_extracts([_busy_week()], school_name=SCHOOL, timezone="Europe/Moscow"))
    assert len(pages) == 1
    assert "Константинопольская Александра-Виктория Станиславовна" in pages[0]
    assert "Контрольная работа № 5" in pages[0] and "Повторить формулы" in pages[0]
    assert "Талон к выписке № 1234" in pages[0]


def test_a_longer_range_lists_grades_by_date_and_may_take_more_pages() -> None:
    week = _busy_week()
    quarter = ExtractContent(**{
        **week.__dict__, "date_to": MONDAY + timedelta(days=60), "period": "2 четверть",
        "homework": week.homework * 4,
    })
    pages = _pages(render_extracts([quarter], school_name=SCHOOL, timezone="Europe/Moscow"))
    assert len(pages) > 1
    assert "Оценки (дата: оценки)" in pages[0] and "23.11: 3у" in pages[0]
    # The slip closes the extract on its last page only.
    assert "Талон к выписке" in pages[-1] and all("Талон" not in page for page in pages[:-1])
