"""A deterministic Russian demo school: the same code seeds tests, the demo and the benchmark."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import holidays
from faker import Faker
from faker.providers.person.ru_RU import Provider as RuPersonProvider
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.demo_consent import seed_demo_consent
from klassruk.demo_credentials import DemoState, seed_demo_credentials
from klassruk.demo_family import seed_demo_family
from klassruk.demo_groups import SPLIT_FROM_GRADE, SPLIT_SUBJECTS, seed_demo_groups
from klassruk.demo_journal import seed_demo_journal
from klassruk.errors import DomainError
from klassruk.logins import make_login, to_latin
from klassruk.models import (
    AccountStatus,
    AppSetting,
    GroupKind,
    Guardian,
    GuardianLink,
    Holiday,
    Relation,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
    UserAccount,
    UserRole,
)
from klassruk.passwords import hash_password
from klassruk.permissions import ROLE_TITLES, Actor, Role
from klassruk.services.groups import enrolment_rows
from klassruk.setup import claim_empty_database


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
# The date a demo seeded without `today` pretends it is (tests stay independent of the clock).
DEMO_TODAY = date(2026, 11, 30)

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


@dataclass(frozen=True)
class DemoAccount:
    """A featured demo account shown on the login page."""

    login: str
    role_title: str
    display_name: str


@dataclass(frozen=True)
class DemoSchool:
    """What was seeded: the featured accounts and the head counts."""

    featured: list[DemoAccount]
    classes: int
    students: int
    guardians: int
    staff: int
    accounts: int


SCHOOL_NAME = "МБОУ «Средняя общеобразовательная школа №\u00a017»"
TIMEZONE = "Europe/Moscow"
SETTINGS = {"school_name": SCHOOL_NAME, "timezone": TIMEZONE, "demo_mode": "1"}

YEAR_NAME = "2026/2027"
YEAR_STARTS = date(2026, 9, 1)
YEAR_ENDS = date(2027, 5, 31)
PERIODS: tuple[tuple[str, date, date], ...] = (
    ("1 четверть", date(2026, 9, 1), date(2026, 10, 24)),
    ("2 четверть", date(2026, 11, 5), date(2026, 12, 28)),
    ("3 четверть", date(2027, 1, 12), date(2027, 3, 20)),
    ("4 четверть", date(2027, 3, 30), date(2027, 5, 31)),
)
VACATIONS: tuple[tuple[str, date, date], ...] = (
    ("Осенние каникулы", date(2026, 10, 25), date(2026, 11, 4)),
    ("Зимние каникулы", date(2026, 12, 29), date(2027, 1, 11)),
    ("Весенние каникулы", date(2027, 3, 21), date(2027, 3, 29)),
)

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
INSERT_BATCH = 2000


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


@dataclass
class _Person:
    last_name: str
    first_name: str
    middle_name: str | None
    female: bool
    email: str | None = None
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass
class _StaffPlan:
    person: _Person
    position: str
    roles: set[Role]
    area: str | None = None


@dataclass
class _Family:
    surname: tuple[str, str]
    father_name: str
    guardians: list[tuple[_Person, Relation]]


@dataclass
class _ChildPlan:
    person: _Person
    birth_date: date
    class_index: int
    family: _Family


@dataclass
class _Plan:
    classes: list[tuple[int, str]]
    staff: list[_StaffPlan]
    class_teachers: list[int]
    # (class index, subject name, hours, staff index)
    assignments: list[tuple[int, str, float, int]]
    families: list[_Family]
    children: list[_ChildPlan]
    featured_staff: dict[int, str] = field(default_factory=dict)
    featured_guardian: _Person | None = None
    featured_child: _Person | None = None


class _People:
    """Names, phones and e-mails from one seeded Faker and one seeded Random."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("ru_RU")
        self.fake.seed_instance(seed)
        self._phones: set[str] = set()
        self._emails: set[str] = set()

    def surname(self) -> tuple[str, str]:
        """A surname in its male and female form."""
        if self.rng.random() < 0.12:
            return self.rng.choice(EXTRA_SURNAMES)
        index = self.fake.random_int(0, len(RuPersonProvider.last_names_male) - 1)
        return RuPersonProvider.last_names_male[index], RuPersonProvider.last_names_female[index]

    def patronymic(self, father_name: str, *, female: bool) -> str:
        """The patronymic a father's name gives a son or a daughter."""
        return PATRONYMICS[father_name][1 if female else 0]

    def adult(self, surname: tuple[str, str], *, female: bool, older: bool = False) -> _Person:
        """A grown-up with a patronymic from the grandparents' generation."""
        if female:
            pool = OLDER_FEMALE_NAMES if older else ADULT_FEMALE_NAMES
        else:
            pool = OLDER_MALE_NAMES if older else ADULT_MALE_NAMES
        father = self.rng.choice(OLDER_MALE_NAMES)
        return _Person(
            last_name=surname[1 if female else 0],
            first_name=self.rng.choice(pool),
            middle_name=self.patronymic(father, female=female),
            female=female,
        )

    def phone(self) -> str:
        """A unique mobile number in the stored form +79XXXXXXXXX."""
        while True:
            number = f"+79{self.rng.randrange(10**9):09d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        suffix = 2
        while email in self._emails:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        self._emails.add(email)
        return email

    def staff_email(self, person: _Person) -> str:
        """A work address in the school's own style: surname.initials."""
        initials = "".join(to_latin(p)[:1] for p in (person.first_name, person.middle_name) if p)
        return self._unique_email(f"{to_latin(person.last_name)}.{initials}", STAFF_EMAIL_DOMAIN)

    def private_email(self, person: _Person) -> str:
        """A personal address of one of the usual shapes."""
        first, last = to_latin(person.first_name), to_latin(person.last_name)
        shapes = (
            f"{first}.{last}",
            f"{last}.{first[:1]}",
            f"{first[:1]}{last}",
            f"{last}{self.rng.randint(70, 99)}",
        )
        local = shapes[self.rng.randrange(len(shapes))]
        return self._unique_email(local, self.rng.choice(GUARDIAN_EMAIL_DOMAINS))


def _hours_by_grade() -> dict[int, list[tuple[str, float]]]:
    return {
        grade: [
            (name, float(by_grade[grade - 1]))
            for name, _, by_grade in CURRICULUM
            if by_grade[grade - 1]
        ]
        for grade in range(1, 12)
    }


def _groups_per_class(subject: str, grade: int) -> int:
    return 2 if subject in SPLIT_SUBJECTS and grade >= SPLIT_FROM_GRADE else 1


def _area_of(subject: str, grade: int) -> str:
    if grade <= 4 and subject not in PRIMARY_SPECIALIST_SUBJECTS:
        return PRIMARY_POSITION
    for area in TEACHER_AREAS:
        if subject in area.subjects:
            return area.position
    raise AssertionError(f"subject without a teacher area: {subject}")


def _featured_title(roles: Iterable[Role]) -> str:
    # A class teacher also teaches: name the role the account is featured for.
    roles = set(roles)
    top_role = min(roles - {Role.TEACHER} or roles, key=list(Role).index)
    return ROLE_TITLES[top_role]


def featured_accounts(session: Session) -> list[DemoAccount]:
    """The featured demo accounts present in the database, for the login page."""
    users = {
        user.login: user
        for user in session.scalars(
            select(UserAccount).where(UserAccount.login.in_(FEATURED_LOGINS))
        )
    }
    return [
        DemoAccount(login, _featured_title(users[login].roles), users[login].display_name)
        for login in FEATURED_LOGINS
        if login in users
    ]


def _check_size(size: DemoSize) -> list[int]:
    grades = sorted(size.grades)
    if not grades or any(g < 1 or g > 11 for g in grades) or len(set(grades)) != len(grades):
        raise DomainError("Параллели демо-школы должны быть разными числами от 1 до 11.")
    if not 1 <= size.classes_per_grade <= len(CLASS_LETTERS):
        raise DomainError(
            f"Классов в параллели может быть от 1 до {len(CLASS_LETTERS)} "
            f"(буквы {', '.join(CLASS_LETTERS)})."
        )
    if size.students_per_class < 1:
        raise DomainError("В классе должен быть хотя бы один обучающийся.")
    return grades


def _split_load(blocks: list[tuple[int, list[tuple[str, float]]]]) -> tuple[int, list[int]]:
    """Teachers needed for one area and the teacher of each block, in contiguous class runs."""
    total = sum(hours for _, items in blocks for _, hours in items)
    count = max(1, math.ceil(total / TARGET_LOAD))
    while True:
        owners: list[int] = []
        loads = [0.0] * count
        done = 0.0
        for _, items in blocks:
            hours = sum(h for _, h in items)
            # Contiguous runs keep a teacher on neighbouring classes, as schools plan it.
            teacher = min(count - 1, int((done + hours / 2) * count / total))
            owners.append(teacher)
            loads[teacher] += hours
            done += hours
        if max(loads) <= MAX_LOAD:
            # A huge block can jump over a teacher's share; nobody is hired to teach nothing.
            used = sorted(set(owners))
            return len(used), [used.index(owner) for owner in owners]
        count += 1


def _plan_staff(
    people: _People, classes: list[tuple[int, str]]
) -> tuple[list[_StaffPlan], list[tuple[int, str, float, int]], list[int]]:
    hours = _hours_by_grade()
    staff: list[_StaffPlan] = []

    deputy = people.adult(people.surname(), female=people.rng.random() < 0.8)
    staff.append(_StaffPlan(deputy, "Заместитель директора по УВР", {Role.DEPUTY_HEAD}))
    admin = people.adult(people.surname(), female=people.rng.random() < 0.2)
    staff.append(_StaffPlan(admin, "Инженер-программист", {Role.ADMIN}))

    def hire(position: str, female_share: float) -> int:
        female = people.rng.random() < female_share
        person = people.adult(people.surname(), female=female, older=people.rng.random() < 0.3)
        staff.append(_StaffPlan(person, position, {Role.TEACHER}, area=position))
        return len(staff) - 1

    assignments: list[tuple[int, str, float, int]] = []
    class_teachers: list[int] = [-1] * len(classes)
    for index, (grade, _) in enumerate(classes):
        if grade <= 4:
            teacher = hire(PRIMARY_POSITION, 0.97)
            class_teachers[index] = teacher
            for subject, h in hours[grade]:
                if _area_of(subject, grade) == PRIMARY_POSITION:
                    assignments.append((index, subject, h, teacher))

    for area in TEACHER_AREAS:
        blocks: list[tuple[int, list[tuple[str, float]]]] = []
        for index, (grade, _) in enumerate(classes):
            items = [(s, h) for s, h in hours[grade] if _area_of(s, grade) == area.position]
            if items:
                blocks.append((index, items))
        if not blocks:
            continue
        # A subject split into two subgroups is taught twice: hire for the doubled hours.
        planned = [
            (index, [(s, h * _groups_per_class(s, classes[index][0])) for s, h in items])
            for index, items in blocks
        ]
        count, owners = _split_load(planned)
        teachers = [hire(area.position, area.female_share) for _ in range(count)]
        for (index, items), owner in zip(blocks, owners, strict=True):
            for subject, h in items:
                assignments.append((index, subject, h, teachers[owner]))
    return staff, assignments, class_teachers


def _pick_featured_teacher(staff: list[_StaffPlan]) -> int:
    for position in (*FEATURED_TEACHER_AREAS, *(a.position for a in TEACHER_AREAS)):
        for index, plan in enumerate(staff):
            if plan.area == position:
                return index
    raise AssertionError("a demo school always has subject teachers")


def _assign_class_teachers(
    classes: list[tuple[int, str]],
    assignments: list[tuple[int, str, float, int]],
    class_teachers: list[int],
    reserved: int,
) -> None:
    hours_in_class: dict[tuple[int, int], float] = {}
    for class_index, _, h, teacher in assignments:
        key = (class_index, teacher)
        hours_in_class[key] = hours_in_class.get(key, 0.0) + h
    busy = {t for t in class_teachers if t >= 0}
    for index in range(len(classes)):
        if class_teachers[index] >= 0:
            continue
        teaching = sorted(
            (t for (c, t) in hours_in_class if c == index),
            key=lambda t: (-hours_in_class[(index, t)], t),
        )
        free = [t for t in teaching if t not in busy and t != reserved]
        fallback = [t for t in teaching if t != reserved] or teaching
        chosen = free[0] if free else fallback[0]
        class_teachers[index] = chosen
        busy.add(chosen)


def _birth_date(rng: random.Random, grade: int) -> date:
    # Grade 1 starts at 6½–8 years of age; a calendar-year cohort (2019 for grade 1) fits that.
    first = date(2020 - grade, 1, 1)
    last = date(2020 - grade, 12, 31)
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _new_family(people: _People, *, both_parents: bool) -> _Family:
    rng = people.rng
    surname = people.surname()
    father_name = rng.choice(ADULT_MALE_NAMES)
    roll = 0.5 if both_parents else rng.random()
    guardians: list[tuple[_Person, Relation]] = []
    if roll < 0.03:
        own = surname if rng.random() < 0.6 else people.surname()
        guardians.append((people.adult(own, female=True, older=True), Relation.GUARDIAN))
    else:
        if roll < 0.97:
            mother = people.adult(surname, female=True)
            if roll < 0.81 and rng.random() < 0.12:
                # Some married mothers keep their own surname, a few take a double one.
                maiden = people.surname()[1]
                mother.last_name = f"{surname[1]}-{maiden}" if rng.random() < 0.25 else maiden
            guardians.append((mother, Relation.MOTHER))
        if roll < 0.81 or roll >= 0.97:
            father = people.adult(surname, female=False)
            father.first_name = father_name
            guardians.append((father, Relation.FATHER))
    for person, relation in guardians:
        person.phone = people.phone()
        if rng.random() < (0.45 if relation is Relation.GUARDIAN else 0.82):
            person.email = people.private_email(person)
    return _Family(surname=surname, father_name=father_name, guardians=guardians)


def _new_child(
    people: _People,
    family: _Family,
    grade: int,
    class_index: int,
    *,
    sibling_of: _ChildPlan | None = None,
) -> _ChildPlan:
    rng = people.rng
    female = rng.random() < 0.5
    pool = CHILD_FEMALE_NAMES if female else CHILD_MALE_NAMES
    first_name = rng.choice(pool)
    while sibling_of is not None and first_name == sibling_of.person.first_name:
        first_name = rng.choice(pool)
    person = _Person(
        last_name=family.surname[1 if female else 0],
        first_name=first_name,
        middle_name=people.patronymic(family.father_name, female=female),
        female=female,
    )
    born = _birth_date(rng, grade)
    if sibling_of is not None and born.year == sibling_of.birth_date.year:
        # Same grade: twins, taught in parallel classes.
        born = sibling_of.birth_date
    elif sibling_of is not None:
        for _ in range(100):
            if abs((born - sibling_of.birth_date).days) >= MIN_SIBLING_GAP_DAYS:
                break
            born = _birth_date(rng, grade)
    return _ChildPlan(person, born, class_index, family)


def _plan_children(
    people: _People, classes: list[tuple[int, str]], per_class: int, featured_class: int
) -> tuple[list[_Family], list[_ChildPlan], _ChildPlan]:
    rng = people.rng
    slots = [(c, p) for c in range(len(classes)) for p in range(per_class)]
    featured_slot = (featured_class, rng.randrange(per_class))
    sibling_of: dict[tuple[int, int], tuple[int, int]] = {}
    if len(classes) >= 2:
        wanted = min(len(slots) // 2, max(1, round(len(slots) * SIBLING_SHARE)))
        shuffled = rng.sample(slots, len(slots))
        candidates = [featured_slot, *(s for s in shuffled if s != featured_slot)]
        hosts = rng.sample(slots, len(slots))
        used: set[tuple[int, int]] = set()
        for slot in candidates:
            if len(sibling_of) == wanted:
                break
            if slot in used:
                continue
            grade = classes[slot[0]][0]
            free = [h for h in hosts if h not in used and h[0] != slot[0]]
            older_or_younger = [h for h in free if classes[h[0]][0] != grade]
            if not free:
                continue
            host = (older_or_younger or free)[0]
            sibling_of[slot] = host
            used.update((slot, host))

    featured_family_slot = sibling_of.get(featured_slot, featured_slot)
    families: list[_Family] = []
    planned: dict[tuple[int, int], _ChildPlan] = {}
    for slot in slots:
        if slot in sibling_of:
            continue
        family = _new_family(people, both_parents=slot == featured_family_slot)
        families.append(family)
        planned[slot] = _new_child(people, family, classes[slot[0]][0], slot[0])
    for slot in slots:
        host_slot = sibling_of.get(slot)
        if host_slot is None:
            continue
        elder = planned[host_slot]
        planned[slot] = _new_child(
            people, elder.family, classes[slot[0]][0], slot[0], sibling_of=elder
        )

    def alphabetical(child: _ChildPlan) -> tuple[int, str]:
        p = child.person
        return child.class_index, f"{p.last_name} {p.first_name} {p.middle_name}".replace("ё", "е")

    children = sorted(planned.values(), key=alphabetical)
    return families, children, planned[featured_slot]


def _featured_class(classes: list[tuple[int, str]]) -> int:
    # A class teacher's demo shows best on a middle-school class: the top grade up to 7.
    up_to_seven = [g for g, _ in classes if g <= 7]
    grade = max(up_to_seven) if up_to_seven else min(g for g, _ in classes)
    return next(i for i, (g, _) in enumerate(classes) if g == grade)


def _plan_school(size: DemoSize) -> _Plan:
    """Everything the demo school will hold, decided in memory from the seed alone."""
    grades = _check_size(size)
    people = _People(size.seed)
    classes = [(g, CLASS_LETTERS[i]) for g in grades for i in range(size.classes_per_grade)]
    staff, assignments, class_teachers = _plan_staff(people, classes)
    plain_teacher = _pick_featured_teacher(staff)
    _assign_class_teachers(classes, assignments, class_teachers, plain_teacher)
    for teacher in class_teachers:
        staff[teacher].roles.add(Role.CLASS_TEACHER)
    for plan in staff:
        plan.person.phone = people.phone()
        plan.person.email = people.staff_email(plan.person)

    featured_class = _featured_class(classes)
    families, children, featured_child = _plan_children(
        people, classes, size.students_per_class, featured_class
    )
    deputy = next(i for i, p in enumerate(staff) if Role.DEPUTY_HEAD in p.roles)
    admin = next(i for i, p in enumerate(staff) if Role.ADMIN in p.roles)
    return _Plan(
        classes=classes,
        staff=staff,
        class_teachers=class_teachers,
        assignments=assignments,
        families=families,
        children=children,
        featured_staff={
            admin: ADMIN_LOGIN,
            deputy: DEPUTY_HEAD_LOGIN,
            plain_teacher: TEACHER_LOGIN,
            class_teachers[featured_class]: CLASS_TEACHER_LOGIN,
        },
        featured_guardian=featured_child.family.guardians[0][0],
        featured_child=featured_child.person,
    )


def _public_days_off() -> list[tuple[date, str]]:
    calendar = holidays.country_holidays(
        "RU", years=(YEAR_STARTS.year, YEAR_ENDS.year), language="ru"
    )
    days: list[tuple[date, str]] = []
    for day, name in sorted(calendar.items()):
        if not YEAR_STARTS <= day <= YEAR_ENDS or day.weekday() >= 5:
            continue
        if any(start <= day <= end for _, start, end in VACATIONS):
            continue
        days.append((day, name))
    return days


def _insert(session: Session, rows: Sequence[object]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        session.add_all(rows[start : start + INSERT_BATCH])
        session.flush()


_MISSING = object()


def seed_demo_school(
    session: Session, *, size: DemoSize = DEFAULT, today: date | None = None
) -> DemoSchool:
    """Fill an empty database with the demo school; periods ended before `today` are closed."""
    actor = session.info.get("actor")
    if not isinstance(actor, Actor) or not actor.is_system:
        raise DomainError("Демо-школу создаёт только системный процесс.")
    # Only an empty database: seeding a real school would publish the demo password for
    # ~1,500 accounts and switch its login page to demo mode.
    claim_empty_database(session)
    taken = set(session.scalars(select(UserAccount.login)))
    plan = _plan_school(size)
    taken.update(FEATURED_LOGINS)

    previous = session.info.get("audit", _MISSING)
    # Demo rows need no audit trail, and auditing 30 000 inserts would dominate the time.
    session.info["audit"] = False
    try:
        school = _write_plan(session, plan, taken, today)
        session.flush()
        seed_demo_groups(session)
        session.flush()
        states = seed_demo_credentials(session, today or DEMO_TODAY)
        seed_demo_journal(session, today or DEMO_TODAY, size.seed)
        seed_demo_family(session, guardian_login=GUARDIAN_LOGIN, today=today or DEMO_TODAY)
        seed_demo_consent(session, today or DEMO_TODAY)
        school = replace(school, accounts=school.accounts - states[DemoState.NO_ACCOUNT])
    finally:
        if previous is _MISSING:
            session.info.pop("audit", None)
        else:
            session.info["audit"] = previous
    return school


def _write_plan(session: Session, plan: _Plan, taken: set[str], today: date | None) -> DemoSchool:
    year = SchoolYear(name=YEAR_NAME, starts_on=YEAR_STARTS, ends_on=YEAR_ENDS, is_current=True)
    subjects = {name: Subject(name=name, short_name=short) for name, short, _ in CURRICULUM}
    staff_rows = [
        Staff(
            last_name=s.person.last_name,
            first_name=s.person.first_name,
            middle_name=s.person.middle_name,
            position=s.position,
            email=s.person.email,
            phone=s.person.phone,
        )
        for s in plan.staff
    ]
    _insert(session, [year, *subjects.values(), *staff_rows])

    session.add_all(
        ReportingPeriod(
            school_year_id=year.id,
            name=name,
            starts_on=start,
            ends_on=end,
            is_closed=today is not None and end < today,
        )
        for name, start, end in PERIODS
    )
    session.add_all(
        Holiday(school_year_id=year.id, name=name, starts_on=start, ends_on=end)
        for name, start, end in VACATIONS
    )
    session.add_all(
        Holiday(school_year_id=year.id, name=name, starts_on=day, ends_on=day)
        for day, name in _public_days_off()
    )
    class_rows = [
        SchoolClass(
            school_year_id=year.id,
            grade=grade,
            letter=letter,
            class_teacher_id=staff_rows[plan.class_teachers[i]].id,
        )
        for i, (grade, letter) in enumerate(plan.classes)
    ]
    _insert(session, class_rows)

    group_rows = [
        StudyGroup(
            school_year_id=year.id,
            class_id=row.id,
            subject_id=None,
            kind=GroupKind.WHOLE_CLASS,
            name=f"{row.grade}{row.letter} — весь класс",
        )
        for row in class_rows
    ]
    student_rows = [
        Student(
            last_name=c.person.last_name,
            first_name=c.person.first_name,
            middle_name=c.person.middle_name,
            birth_date=c.birth_date,
        )
        for c in plan.children
    ]
    guardian_rows: list[Guardian] = []
    guardian_of: dict[int, Guardian] = {}
    for family in plan.families:
        for person, _ in family.guardians:
            row = Guardian(
                last_name=person.last_name,
                first_name=person.first_name,
                middle_name=person.middle_name,
                email=person.email,
                phone=person.phone,
            )
            guardian_rows.append(row)
            guardian_of[id(person)] = row
    _insert(session, [*group_rows, *student_rows, *guardian_rows])

    links: list[object] = []
    for child, student in zip(plan.children, student_rows, strict=True):
        links += enrolment_rows(
            student=student,
            school_class=class_rows[child.class_index],
            whole_class=group_rows[child.class_index],
            on=YEAR_STARTS,
        )
        for person, relation in child.family.guardians:
            links.append(
                GuardianLink(
                    guardian_id=guardian_of[id(person)].id,
                    student_id=student.id,
                    relation=relation,
                )
            )
    for class_index, subject, hours, teacher in plan.assignments:
        links.append(
            TeachingAssignment(
                staff_id=staff_rows[teacher].id,
                subject_id=subjects[subject].id,
                group_id=group_rows[class_index].id,
                hours_per_week=hours,
            )
        )
    _insert(session, links)

    password_hash = hash_password(DEMO_PASSWORD)
    featured: dict[str, DemoAccount] = {}

    def account(person: _Person, login: str | None, roles: set[Role], **owner: int) -> UserAccount:
        if login is None:
            login = make_login(person.last_name, person.first_name, taken)
        else:
            featured[login] = DemoAccount(login, _featured_title(roles), person.full_name)
        return UserAccount(
            login=login,
            display_name=person.full_name,
            password_hash=password_hash,
            status=AccountStatus.ACTIVE,
            must_change_password=False,
            role_rows=[UserRole(role=role) for role in sorted(roles)],
            **owner,
        )

    accounts: list[UserAccount] = []
    for index, (member, staff_row) in enumerate(zip(plan.staff, staff_rows, strict=True)):
        login = plan.featured_staff.get(index)
        accounts.append(account(member.person, login, member.roles, staff_id=staff_row.id))
    for family in plan.families:
        for person, _ in family.guardians:
            login = GUARDIAN_LOGIN if person is plan.featured_guardian else None
            guardian_id = guardian_of[id(person)].id
            accounts.append(account(person, login, {Role.GUARDIAN}, guardian_id=guardian_id))
    for child, student in zip(plan.children, student_rows, strict=True):
        login = STUDENT_LOGIN if child.person is plan.featured_child else None
        accounts.append(account(child.person, login, {Role.STUDENT}, student_id=student.id))
    _insert(session, accounts)

    for key, value in SETTINGS.items():
        setting = session.get(AppSetting, key)
        if setting is None:
            session.add(AppSetting(key=key, value=value))
        else:
            setting.value = value

    return DemoSchool(
        featured=[featured[login] for login in FEATURED_LOGINS],
        classes=len(class_rows),
        students=len(student_rows),
        guardians=len(guardian_rows),
        staff=len(staff_rows),
        accounts=len(accounts),
    )
