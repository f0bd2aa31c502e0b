"""Reading a roster file and validating its rows: what a row says, in Russian when it is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from klassruk.errors import DomainError
from klassruk.infra.limits import length_problem
from klassruk.models.school import Guardian, Relation, Student
from klassruk.services.spreadsheets import read_table
from klassruk.text.contacts import normalize_email, normalize_phone
from klassruk.text.cyrillic import normalize_class_name
from klassruk.text.formatting import quote
from klassruk.text.policy import clean_name, person_key

CLASS_COLUMN = "Класс"
STUDENT_COLUMNS = ("Фамилия", "Имя", "Отчество", "Дата рождения")
GUARDIAN_FIELDS = ("фамилия", "имя", "отчество", "кем приходится", "телефон", "e-mail")
GUARDIAN_SLOTS = 2
TEMPLATE_COLUMNS: tuple[str, ...] = (
    CLASS_COLUMN,
    *STUDENT_COLUMNS,
    *(f"Представитель {n}: {f}" for n in range(1, GUARDIAN_SLOTS + 1) for f in GUARDIAN_FIELDS),
)
MAX_ROWS = 5000

RELATION_WORDS: dict[str, Relation] = {
    "мать": Relation.MOTHER,
    "мама": Relation.MOTHER,
    "отец": Relation.FATHER,
    "папа": Relation.FATHER,
    "опекун": Relation.GUARDIAN,
    "попечитель": Relation.GUARDIAN,
    "опекун (попечитель)": Relation.GUARDIAN,
    "иной": Relation.OTHER,
    "иное": Relation.OTHER,
    "другое": Relation.OTHER,
    "иной законный представитель": Relation.OTHER,
}
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
MAX_STUDENT_AGE_YEARS = 25


def _norm_header(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


# People in a file and in the database are compared on the text policy's one key.
name_key = person_key


# ---------------------------------------------------------------- reading files


@dataclass(frozen=True)
class RawRow:
    """One data row of the file, with its row number as the spreadsheet shows it."""

    number: int
    values: dict[str, str]


def read_roster_file(content: bytes, filename: str) -> tuple[list[RawRow], tuple[str, ...]]:
    """Rows of an XLSX or CSV roster keyed by template column, and notes on how it was read."""
    table = read_table(content, filename, max_rows=MAX_ROWS)
    header = [_norm_header(cell) for cell in table.header]
    wanted = {_norm_header(col): col for col in TEMPLATE_COLUMNS}
    missing = [col for key, col in wanted.items() if key not in header]
    if missing:
        shown = ", ".join(f"«{col}»" for col in missing[:5])
        more = f" и ещё {len(missing) - 5}" if len(missing) > 5 else ""
        raise DomainError(
            f"Файл не похож на шаблон импорта: нет столбцов {shown}{more}. "
            "Скачайте шаблон на этой странице и перенесите данные в него."
        )
    index = {wanted[key]: header.index(key) for key in wanted}
    rows = [
        RawRow(row.number, {col: row.get(pos) for col, pos in index.items()})
        for row in table.rows
    ]
    return rows, table.notes


# ---------------------------------------------------------------- validating rows


@dataclass(frozen=True)
class RowError:
    """A problem in one row of the file, in Russian."""

    row: int
    message: str


@dataclass(frozen=True)
class GuardianData:
    """A guardian as written in one row."""

    slot: int
    last_name: str
    first_name: str
    middle_name: str | None
    relation: Relation
    phone: str | None
    email: str | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def name_key(self) -> str:
        return name_key(self.last_name, self.first_name, self.middle_name or "")


@dataclass(frozen=True)
class StudentData:
    """A student row after validation."""

    row: int
    class_name: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date
    guardians: tuple[GuardianData, ...]
    # What was normalised in the row (look-alike letters), for the preview.
    notes: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def key(self) -> tuple[str, date]:
        return name_key(self.last_name, self.first_name), self.birth_date


def parse_birth_date(text: str, *, on: date) -> date:
    """A date of birth written as ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД); raises DomainError if invalid."""
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no zone)
        except ValueError:
            continue
        if parsed > on:
            raise DomainError(f"Дата рождения {quote(text)} ещё не наступила.")
        if parsed < on - timedelta(days=366 * MAX_STUDENT_AGE_YEARS):
            raise DomainError(f"Дата рождения {quote(text)} слишком ранняя для обучающегося.")
        return parsed
    raise DomainError(f"Неверная дата рождения {quote(text)}: нужен формат ДД.ММ.ГГГГ.")


def parse_relation(text: str) -> Relation:
    """мать / отец / опекун / иной; empty means another legal representative."""
    if not text:
        return Relation.OTHER
    relation = RELATION_WORDS.get(_norm_header(text))
    if relation is None:
        raise DomainError(
            f"Неизвестное значение {quote(text)} в столбце «кем приходится»: "
            "укажите мать, отец, опекун или иной."
        )
    return relation


def _validate_guardian(raw: RawRow, slot: int) -> tuple[GuardianData | None, list[str]]:
    values = {f: raw.values[f"Представитель {slot}: {f}"] for f in GUARDIAN_FIELDS}
    if not any(values.values()):
        return None, []
    who = f"представителя {slot}"
    problems: list[str] = []
    if not values["фамилия"]:
        problems.append(f"Не указана фамилия {who}.")
    if not values["имя"]:
        problems.append(f"Не указано имя {who}.")
    relation, phone, email = Relation.OTHER, None, None
    try:
        relation = parse_relation(values["кем приходится"])
    except DomainError as error:
        problems.append(f"{error} ({who})")
    if values["телефон"]:
        try:
            phone = normalize_phone(values["телефон"])
        except DomainError as error:
            problems.append(f"{error} ({who})")
    if values["e-mail"]:
        try:
            email = normalize_email(values["e-mail"])
        except DomainError as error:
            problems.append(f"{error} ({who})")
    if problems:
        return None, problems
    return (
        GuardianData(
            slot=slot,
            last_name=values["фамилия"],
            first_name=values["имя"],
            middle_name=values["отчество"] or None,
            relation=relation,
            phone=phone,
            email=email,
        ),
        [],
    )


# Template column → the model column it is stored in (its length is the limit).
STORED_IN: dict[str, InstrumentedAttribute[Any]] = {
    "Фамилия": Student.last_name,
    "Имя": Student.first_name,
    "Отчество": Student.middle_name,
    **{
        f"Представитель {n}: {f}": column
        for n in range(1, GUARDIAN_SLOTS + 1)
        for f, column in (
            ("фамилия", Guardian.last_name),
            ("имя", Guardian.first_name),
            ("отчество", Guardian.middle_name),
            ("e-mail", Guardian.email),
        )
    },
}
NAME_COLUMNS = tuple(c for c, column in STORED_IN.items() if column.key.endswith("_name"))


def _normalise(raw: RawRow) -> tuple[RawRow, list[str], list[str]]:
    """Look-alike Latin letters fixed in the names, lengths checked: row, notes, problems."""
    values = dict(raw.values)
    notes: list[str] = []
    problems: list[str] = []
    for column in NAME_COLUMNS:
        try:
            fixed = clean_name(values[column], field=column)
        except DomainError as error:
            problems.append(str(error))
            continue
        values[column] = fixed.text
        notes.extend(fixed.notes)
    for column, stored in STORED_IN.items():
        problem = length_problem(stored, values[column])
        if problem:
            problems.append(f"{column}. {problem}")
    return RawRow(raw.number, values), notes, problems


def validate_row(raw: RawRow, *, on: date) -> tuple[StudentData | None, list[str]]:
    """Check one row on its own (names, date, contacts); problems are Russian sentences."""
    raw, notes, problems = _normalise(raw)
    values = raw.values
    if not values["Фамилия"]:
        problems.append("Не указана фамилия обучающегося.")
    if not values["Имя"]:
        problems.append("Не указано имя обучающегося.")
    birth_date = None
    if not values["Дата рождения"]:
        problems.append("Не указана дата рождения обучающегося.")
    else:
        try:
            birth_date = parse_birth_date(values["Дата рождения"], on=on)
        except DomainError as error:
            problems.append(str(error))
    class_name = ""
    if values[CLASS_COLUMN]:
        class_name = normalize_class_name(values[CLASS_COLUMN]) or ""
        if not class_name:
            problems.append(
                f"Неверное обозначение класса {quote(values[CLASS_COLUMN])}: нужно, например, 7А."
            )
    guardians: list[GuardianData] = []
    for slot in range(1, GUARDIAN_SLOTS + 1):
        guardian, guardian_problems = _validate_guardian(raw, slot)
        problems.extend(guardian_problems)
        if guardian is not None:
            guardians.append(guardian)
    if len(guardians) == 2 and guardians[0].name_key == guardians[1].name_key:
        problems.append("Один и тот же представитель указан в строке дважды.")
    if problems or birth_date is None:
        return None, problems
    return (
        StudentData(
            row=raw.number,
            class_name=class_name,
            last_name=values["Фамилия"],
            first_name=values["Имя"],
            middle_name=values["Отчество"] or None,
            birth_date=birth_date,
            guardians=tuple(guardians),
            notes=tuple(notes),
        ),
        [],
    )
