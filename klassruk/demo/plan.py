"""The demo school planned in memory from a seed: staff, classes, families, loads."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from faker.providers.person.ru_RU import Provider as RuPersonProvider

from klassruk.access.logins import to_latin
from klassruk.access.permissions import Role
from klassruk.demo.catalogue import (
    ADMIN_LOGIN,
    ADULT_FEMALE_NAMES,
    ADULT_MALE_NAMES,
    CHILD_FEMALE_NAMES,
    CHILD_MALE_NAMES,
    CLASS_LETTERS,
    CLASS_TEACHER_LOGIN,
    CURRICULUM,
    DEPUTY_HEAD_LOGIN,
    EXTRA_SURNAMES,
    FEATURED_TEACHER_AREAS,
    GUARDIAN_EMAIL_DOMAINS,
    MAX_LOAD,
    MIN_SIBLING_GAP_DAYS,
    OLDER_FEMALE_NAMES,
    OLDER_MALE_NAMES,
    PATRONYMICS,
    PRIMARY_POSITION,
    PRIMARY_SPECIALIST_SUBJECTS,
    SIBLING_SHARE,
    SPLIT_FROM_GRADE,
    SPLIT_SUBJECTS,
    STAFF_EMAIL_DOMAIN,
    TARGET_LOAD,
    TEACHER_AREAS,
    TEACHER_LOGIN,
    DemoSize,
)
from klassruk.errors import DomainError
from klassruk.models.school import Relation


@dataclass
class PersonPlan:
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
    person: PersonPlan
    position: str
    roles: set[Role]
    area: str | None = None


@dataclass
class _Family:
    surname: tuple[str, str]
    father_name: str
    guardians: list[tuple[PersonPlan, Relation]]


@dataclass
class _ChildPlan:
    person: PersonPlan
    birth_date: date
    class_index: int
    family: _Family


@dataclass
class SchoolPlan:
    classes: list[tuple[int, str]]
    staff: list[_StaffPlan]
    class_teachers: list[int]
    # (class index, subject name, hours, staff index)
    assignments: list[tuple[int, str, float, int]]
    families: list[_Family]
    children: list[_ChildPlan]
    featured_staff: dict[int, str] = field(default_factory=dict)
    featured_guardian: PersonPlan | None = None
    featured_child: PersonPlan | None = None


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

    def adult(self, surname: tuple[str, str], *, female: bool, older: bool = False) -> PersonPlan:
        """A grown-up with a patronymic from the grandparents' generation."""
        if female:
            pool = OLDER_FEMALE_NAMES if older else ADULT_FEMALE_NAMES
        else:
            pool = OLDER_MALE_NAMES if older else ADULT_MALE_NAMES
        father = self.rng.choice(OLDER_MALE_NAMES)
        return PersonPlan(
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

    def staff_email(self, person: PersonPlan) -> str:
        """A work address in the school's own style: surname.initials."""
        initials = "".join(to_latin(p)[:1] for p in (person.first_name, person.middle_name) if p)
        return self._unique_email(f"{to_latin(person.last_name)}.{initials}", STAFF_EMAIL_DOMAIN)

    def private_email(self, person: PersonPlan) -> str:
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
    guardians: list[tuple[PersonPlan, Relation]] = []
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
    person = PersonPlan(
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


def plan_school(size: DemoSize) -> SchoolPlan:
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
    return SchoolPlan(
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
