"""What the demo school is made of: sizes, logins, calendar, subjects, curriculum, names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from klassruk.clock import school_now, utcnow


@dataclass(frozen=True)
class DemoSize:
    """How big the demo school is; every size is built by the same code."""

    grades: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
    classes_per_grade: int = 2
    students_per_class: int = 25
    seed: int = 20260901


SMALL = DemoSize(grades=(5, 7), classes_per_grade=1, students_per_class=6)
DEFAULT = DemoSize()
LARGE = DemoSize(classes_per_grade=8, students_per_class=25)

DEMO_PASSWORD = "Демо-пароль-2026"
# Who wrote the demo's journal rows and lesson changes (the journal shows it as the author).
SEEDER = "system:demo"

ADMIN_LOGIN = "admin"
DEPUTY_HEAD_LOGIN = "zavuch"
TEACHER_LOGIN = "uchitel"
CLASS_TEACHER_LOGIN = "klassruk"
GUARDIAN_LOGIN = "roditel"
STUDENT_LOGIN = "uchenik"
FEATURED_LOGINS = (
    ADMIN_LOGIN,
    DEPUTY_HEAD_LOGIN,
    TEACHER_LOGIN,
    CLASS_TEACHER_LOGIN,
    GUARDIAN_LOGIN,
    STUDENT_LOGIN,
)


SCHOOL_NAME = "МБОУ «Средняя общеобразовательная школа №\u00a017»"
TIMEZONE = "Europe/Moscow"
SETTINGS = {"school_name": SCHOOL_NAME, "timezone": TIMEZONE, "demo_mode": "1"}


def seeded_moment(moment: datetime) -> datetime:
    """`moment`, or a minute before now when later: nothing is dated after the seeding moment."""
    return min(moment, utcnow() - timedelta(minutes=1))


def demo_moment(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of a demo school day, given in Moscow (UTC+3 all year), never after now."""
    return seeded_moment(datetime.combine(day, time(hour - 3, minute), tzinfo=UTC))


# The demo's bells: the first lesson at 8:30, lessons of 45 minutes, breaks of 10.
FIRST_LESSON = time(8, 30)
LESSON_MINUTES, BREAK_MINUTES = 45, 10


def lesson_end(day: date, number: int) -> datetime:
    """When the demo's lesson `number` on `day` ends, in school time (naive)."""
    minutes = number * LESSON_MINUTES + (number - 1) * BREAK_MINUTES
    return datetime.combine(day, FIRST_LESSON) + timedelta(minutes=minutes)


def seeding_moment(today: date) -> datetime:
    """Now in school time (naive), within `today`: the journal is filled up to this moment.

    A demo seeded for a day already gone has the whole of it behind; one for a day ahead, none.
    """
    now = school_now(TIMEZONE).replace(tzinfo=None)
    return min(max(now, datetime.combine(today, time.min)), datetime.combine(today, time.max))


# The calendar of the 2026/2027 year; a demo seeded on another day gets the school year that
# day belongs to (or, in the summer, the one that starts next), with the same dates moved to it.
_TEMPLATE_YEAR = 2026
_YEAR = (date(2026, 9, 1), date(2027, 5, 31))
_PERIODS: tuple[tuple[str, date, date], ...] = (
    ("1 четверть", date(2026, 9, 1), date(2026, 10, 24)),
    ("2 четверть", date(2026, 11, 5), date(2026, 12, 28)),
    ("3 четверть", date(2027, 1, 12), date(2027, 3, 20)),
    ("4 четверть", date(2027, 3, 30), date(2027, 5, 31)),
)
_VACATIONS: tuple[tuple[str, date, date], ...] = (
    ("Осенние каникулы", date(2026, 10, 25), date(2026, 11, 4)),
    ("Зимние каникулы", date(2026, 12, 29), date(2027, 1, 11)),
    ("Весенние каникулы", date(2027, 3, 21), date(2027, 3, 29)),
)


@dataclass(frozen=True)
class DemoYear:
    """The demo's school year: its name, bounds, reporting periods and vacations."""

    name: str
    starts_on: date
    ends_on: date
    periods: tuple[tuple[str, date, date], ...]
    vacations: tuple[tuple[str, date, date], ...]


def demo_year(today: date) -> DemoYear:
    """The school year `today` falls in; from June on, the year that starts on 1 September."""
    shift = (today.year if today.month >= 6 else today.year - 1) - _TEMPLATE_YEAR

    def moved(day: date) -> date:
        return day.replace(year=day.year + shift)

    starts, ends = (moved(day) for day in _YEAR)
    return DemoYear(
        name=f"{starts.year}/{ends.year}",
        starts_on=starts,
        ends_on=ends,
        periods=tuple((name, moved(a), moved(b)) for name, a, b in _PERIODS),
        vacations=tuple((name, moved(a), moved(b)) for name, a, b in _VACATIONS),
    )


# Grades taught without marks (безотметочное обучение): the journal takes no numeric grades there.
UNMARKED_GRADES = frozenset({1})

CLASS_LETTERS = "АБВГДЕЖЗИКЛМН"
STAFF_EMAIL_DOMAIN = "school.example"
# Reserved .example domains (RFC 2606): demo notifications can never reach a real mailbox.
GUARDIAN_EMAIL_DOMAINS = ("mail.example", "yandex.example", "inbox.example", "list.example")

RUSSIAN = "Русский язык"
READING = "Литературное чтение"
LITERATURE = "Литература"
ENGLISH = "Иностранный язык (английский)"
MATHS = "Математика"
ALGEBRA = "Алгебра"
GEOMETRY = "Геометрия"
STATISTICS = "Вероятность и статистика"
COMPUTING = "Информатика"
WORLD = "Окружающий мир"
HISTORY = "История"
SOCIAL = "Обществознание"
GEOGRAPHY = "География"
BIOLOGY = "Биология"
PHYSICS = "Физика"
CHEMISTRY = "Химия"
ETHICS = "Основы религиозных культур и светской этики"
ART = "Изобразительное искусство"
MUSIC = "Музыка"
CRAFT = "Труд (технология)"
SAFETY = "Основы безопасности и защиты Родины"
PE = "Физическая культура"

# Weekly hours for grades 1…11, after the federal curriculum (ФООП, five-day week, base level
# in 10–11); 0 means the subject is not taught in that grade.
CURRICULUM: tuple[tuple[str, str, tuple[float, ...]], ...] = (
    (RUSSIAN, "Рус. яз.", (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2)),
    (READING, "Лит. чтение", (4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0)),
    (LITERATURE, "Литература", (0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3)),
    (ENGLISH, "Англ. яз.", (0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3)),
    (MATHS, "Математика", (4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0)),
    (ALGEBRA, "Алгебра", (0, 0, 0, 0, 0, 0, 3, 3, 3, 2, 2)),
    (GEOMETRY, "Геометрия", (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2)),
    (STATISTICS, "Вер. и стат.", (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    (COMPUTING, "Информатика", (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    (WORLD, "Окр. мир", (2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0)),
    (HISTORY, "История", (0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2)),
    (SOCIAL, "Обществозн.", (0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2)),
    (GEOGRAPHY, "География", (0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1)),
    (BIOLOGY, "Биология", (0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1)),
    (PHYSICS, "Физика", (0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2)),
    (CHEMISTRY, "Химия", (0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1)),
    (ETHICS, "ОРКСЭ", (0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)),
    (ART, "ИЗО", (1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)),
    (MUSIC, "Музыка", (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0)),
    (CRAFT, "Труд", (1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0)),
    (SAFETY, "ОБЗР", (0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1)),
    (PE, "Физ-ра", (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)),
)

PRIMARY_POSITION = "Учитель начальных классов"
# In grades 1–4 these come from specialists; the class's own teacher teaches everything else.
PRIMARY_SPECIALIST_SUBJECTS = frozenset({ENGLISH, MUSIC, PE})

# Grades 5+ split these into two groups; one stream and one individual plan take the others.
SPLIT_SUBJECTS = (ENGLISH, COMPUTING)
SPLIT_FROM_GRADE = 5
STREAM_SUBJECTS = (ALGEBRA, MATHS)
IUP_SUBJECTS = (RUSSIAN, ALGEBRA, MATHS)


@dataclass(frozen=True)
class TeacherArea:
    """A teacher's speciality: one or two related subject areas and the staff position."""

    position: str
    subjects: tuple[str, ...]
    female_share: float


# Алгебра, Геометрия and Вероятность и статистика are the courses of the one subject
# «Математика» in the federal curriculum, so a mathematics teacher teaches all of them.
TEACHER_AREAS: tuple[TeacherArea, ...] = (
    TeacherArea("Учитель русского языка и литературы", (RUSSIAN, LITERATURE), 0.95),
    TeacherArea("Учитель математики", (MATHS, ALGEBRA, GEOMETRY, STATISTICS), 0.8),
    TeacherArea("Учитель английского языка", (ENGLISH,), 0.9),
    TeacherArea("Учитель физики и информатики", (PHYSICS, COMPUTING), 0.5),
    TeacherArea("Учитель истории и обществознания", (HISTORY, SOCIAL), 0.7),
    TeacherArea("Учитель географии", (GEOGRAPHY,), 0.75),
    TeacherArea("Учитель биологии и химии", (BIOLOGY, CHEMISTRY), 0.85),
    TeacherArea("Учитель ИЗО и труда (технологии)", (ART, CRAFT), 0.7),
    TeacherArea("Учитель музыки", (MUSIC,), 0.85),
    TeacherArea("Учитель физической культуры и ОБЗР", (PE, SAFETY), 0.35),
)
# The featured plain teacher: someone who is surely not a class teacher, physics first.
FEATURED_TEACHER_AREAS = ("Учитель физики и информатики", "Учитель английского языка")

# A usual full-time load is 18 h; 1.5 rates (27 h) is common; nobody gets more than 30 h.
TARGET_LOAD = 24.0
MAX_LOAD = 30.0

SIBLING_SHARE = 0.065
MIN_SIBLING_GAP_DAYS = 300


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by generation; each father's name carries the patronymic it gives.
PATRONYMICS: dict[str, tuple[str, str]] = {
    "Александр": ("Александрович", "Александровна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Максим": ("Максимович", "Максимовна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Иван": ("Иванович", "Ивановна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Артём": ("Артёмович", "Артёмовна"),
    "Денис": ("Денисович", "Денисовна"),
    "Роман": ("Романович", "Романовна"),
    "Павел": ("Павлович", "Павловна"),
    "Владимир": ("Владимирович", "Владимировна"),
    "Николай": ("Николаевич", "Николаевна"),
    "Антон": ("Антонович", "Антоновна"),
    "Игорь": ("Игоревич", "Игоревна"),
    "Олег": ("Олегович", "Олеговна"),
    "Константин": ("Константинович", "Константиновна"),
    "Виталий": ("Витальевич", "Витальевна"),
    "Илья": ("Ильич", "Ильинична"),
    "Кирилл": ("Кириллович", "Кирилловна"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Вадим": ("Вадимович", "Вадимовна"),
    "Руслан": ("Русланович", "Руслановна"),
    "Виктор": ("Викторович", "Викторовна"),
    "Станислав": ("Станиславович", "Станиславовна"),
    "Григорий": ("Григорьевич", "Григорьевна"),
    "Василий": ("Васильевич", "Васильевна"),
    "Пётр": ("Петрович", "Петровна"),
    "Никита": ("Никитич", "Никитична"),
    "Егор": ("Егорович", "Егоровна"),
    "Тимур": ("Тимурович", "Тимуровна"),
    "Артур": ("Артурович", "Артуровна"),
    "Валерий": ("Валерьевич", "Валерьевна"),
    "Степан": ("Степанович", "Степановна"),
    "Анатолий": ("Анатольевич", "Анатольевна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Борис": ("Борисович", "Борисовна"),
    "Леонид": ("Леонидович", "Леонидовна"),
    "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Фёдор": ("Фёдорович", "Фёдоровна"),
    "Аркадий": ("Аркадьевич", "Аркадьевна"),
    "Валентин": ("Валентинович", "Валентиновна"),
    "Эдуард": ("Эдуардович", "Эдуардовна"),
}
ADULT_MALE_NAMES = _words(
    "Александр Сергей Андрей Дмитрий Алексей Максим Евгений Иван Михаил Артём Денис Роман "
    "Павел Владимир Николай Антон Игорь Олег Константин Виталий Илья Кирилл Юрий Вадим Руслан "
    "Виктор Станислав Григорий Василий Пётр Никита Егор Тимур Артур Валерий Степан"
)
OLDER_MALE_NAMES = _words(
    "Александр Сергей Владимир Николай Виктор Анатолий Юрий Михаил Василий Алексей Иван Пётр "
    "Геннадий Валерий Евгений Игорь Андрей Борис Олег Леонид Григорий Вячеслав Фёдор Павел "
    "Константин Дмитрий Аркадий Степан Валентин Эдуард"
)
ADULT_FEMALE_NAMES = _words(
    "Елена Ольга Наталья Татьяна Ирина Светлана Анна Екатерина Юлия Мария Анастасия Марина "
    "Евгения Ксения Оксана Надежда Виктория Дарья Алина Кристина Яна Вера Александра Людмила "
    "Валентина Галина Алёна Полина Елизавета Олеся"
)
OLDER_FEMALE_NAMES = _words(
    "Галина Людмила Валентина Надежда Татьяна Нина Любовь Тамара Ольга Лидия Вера Зинаида "
    "Раиса Елена Ирина Светлана Лариса"
)
CHILD_MALE_NAMES = _words(
    "Александр Максим Артём Михаил Иван Дмитрий Кирилл Матвей Даниил Егор Тимофей Марк Илья "
    "Лев Роман Андрей Никита Степан Фёдор Алексей Владимир Георгий Платон Ярослав Сергей Глеб "
    "Савелий Арсений Макар Денис Тимур Богдан Всеволод Мирон Захар Елисей Святослав Семён "
    "Николай Павел"
)
CHILD_FEMALE_NAMES = _words(
    "Анна Мария София Алиса Виктория Полина Анастасия Елизавета Александра Дарья Варвара "
    "Ксения Вероника Ева Милана Василиса Арина Екатерина Ульяна Кира Таисия Алёна Валерия "
    "Маргарита Есения Злата Мирослава Агата Вера Майя Евгения Диана Софья"
)
# Faker's ru_RU surnames are all -ов/-ин; these add the other common kinds (and ё).
_EXTRA_SURNAME_PAIRS = (
    "Соловьёв/Соловьёва Королёв/Королёва Шевченко/Шевченко Бондаренко/Бондаренко "
    "Ткаченко/Ткаченко Кравчук/Кравчук Белых/Белых Черных/Черных Седых/Седых Ким/Ким Цой/Цой "
    "Сафин/Сафина Гарипов/Гарипова Хабибуллин/Хабибуллина Алиев/Алиева Вишневский/Вишневская "
    "Троицкий/Троицкая Полянский/Полянская Толстой/Толстая Подъячев/Подъячева Лёвин/Лёвина "
    "Гусейнов/Гусейнова"
)
EXTRA_SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (male, female) for male, female in (pair.split("/") for pair in _EXTRA_SURNAME_PAIRS.split())
)
