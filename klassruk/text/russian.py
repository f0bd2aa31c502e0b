"""Russian grammar of generated text: people's names by case, words agreeing with their gender.

Names are declined by `petrovich` (rules made for Russian full names); the gender of a person
is read by `pymorphy3` from the patronymic, then the first name, then the surname. A name the
dictionaries cannot tell (Саша, Женя, a foreign name with no patronymic) gets both forms.
"""

from __future__ import annotations

import enum
import re
from functools import cache

import pymorphy3
from petrovich.enums import Case as PetrovichCase
from petrovich.enums import Gender as PetrovichGender
from petrovich.main import Petrovich


class Gender(enum.Enum):
    """A person's grammatical gender."""

    MALE = "male"
    FEMALE = "female"


class Case(enum.IntEnum):
    """The cases a name is declined to (the nominative is the stored form)."""

    GENITIVE = PetrovichCase.GENITIVE  # «вместо кого»
    DATIVE = PetrovichCase.DATIVE  # «кому»
    ACCUSATIVE = PetrovichCase.ACCUSATIVE  # «кого»
    INSTRUMENTAL = PetrovichCase.INSTRUMENTAL  # «кем»
    PREPOSITIONAL = PetrovichCase.PREPOSITIONAL  # «о ком»


_PETROVICH_GENDER = {
    Gender.MALE: PetrovichGender.MALE,
    Gender.FEMALE: PetrovichGender.FEMALE,
    None: PetrovichGender.ANDRGN,
}
_GRAMMEMES = {"masc": Gender.MALE, "femn": Gender.FEMALE}
_CASE_GRAMMEMES = {
    Case.GENITIVE: "gent",
    Case.DATIVE: "datv",
    Case.ACCUSATIVE: "accs",
    Case.INSTRUMENTAL: "ablt",
    Case.PREPOSITIONAL: "loct",
}


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    # The dictionaries take a while to load: once per process.
    return pymorphy3.MorphAnalyzer()


@cache
def _petrovich() -> Petrovich:
    return Petrovich()


@cache
def _gender_of_word(word: str, kind: str) -> Gender | None:
    """The gender of a name word of this kind (Patr, Name, Surn) in the nominative, if clear."""
    for parse in _morph().parse(word):
        tag = parse.tag
        if kind in tag.grammemes and "nomn" in tag.grammemes and "sing" in tag.grammemes:
            return _GRAMMEMES.get(str(tag.gender))
    return None


def _is_initial(word: str) -> bool:
    """«А.», «А.П.»: initials are never declined and tell no gender."""
    return re.fullmatch(r"(\w\.)+", word) is not None


def gender_of(
    last_name: str | None, first_name: str | None = None, middle_name: str | None = None
) -> Gender | None:
    """The person's gender from the patronymic, else the first name, else the surname."""
    for word, kind in ((middle_name, "Patr"), (first_name, "Name"), (last_name, "Surn")):
        if word and not _is_initial(word):
            found = _gender_of_word(word.split("-")[0].strip().capitalize(), kind)
            if found is not None:
                return found
    return None


def _parts(full_name: str) -> tuple[str | None, str | None, str | None]:
    words = full_name.split()
    padded = [*words[:3], None, None, None]
    last, first, middle = padded[0], padded[1], padded[2]
    return last, first, middle


def gender_of_name(full_name: str) -> Gender | None:
    """The gender of «Фамилия Имя Отчество» (or «Фамилия И. О.»)."""
    return gender_of(*_parts(full_name))


def decline_name(full_name: str, case: Case, gender: Gender | None = None) -> str:
    """«Александрова А. П.» → «Александровой А. П.»; initials and unknown words stay as they are."""
    last, first, middle = _parts(full_name)
    if last is None:
        return full_name
    gender = gender or gender_of(last, first, middle)
    rules = _petrovich()
    sex = _PETROVICH_GENDER[gender]
    declined = [rules.lastname(last, case.value, sex)]
    if first:
        declined.append(first if _is_initial(first) else rules.firstname(first, case.value, sex))
    if middle:
        declined.append(
            middle if _is_initial(middle) else rules.middlename(middle, case.value, sex)
        )
    # Anything after the third word (a second patronymic part, «оглы») is kept as written.
    return " ".join(declined + full_name.split()[3:])


def agree(gender: Gender | None, male: str, female: str) -> str:
    """The word in the person's gender; both forms when it is unknown («сообщил(а)»)."""
    if gender is Gender.MALE:
        return male
    if gender is Gender.FEMALE:
        return female
    if female.startswith(male):
        return f"{male}({female.removeprefix(male)})"
    return f"{male}/{female}"


def agree_with(full_name: str, male: str, female: str) -> str:
    """`agree` for the person named «Фамилия Имя Отчество»."""
    return agree(gender_of_name(full_name), male, female)


def about(full_name: str) -> str:
    """«о Зайцевой Марии», «об Орлове Петре»: «о/об» and the name in the prepositional case."""
    declined = decline_name(full_name, Case.PREPOSITIONAL)
    # «об» before a vowel sound; е, ё, ю, я start with [j] and take «о» (о Елене).
    preposition = "об" if declined[:1].lower() in tuple("аоуэиы") else "о"
    return f"{preposition} {declined}"


@cache
def _noun(word: str, case: Case | None) -> pymorphy3.analyzer.Parse:
    noun = next(p for p in _morph().parse(word) if {"NOUN", "nomn"} <= p.tag.grammemes)
    return (noun.inflect({_CASE_GRAMMEMES[case]}) if case is not None else None) or noun


def counted(number: int, word: str, case: Case | None = None) -> str:
    """«1 семье», «3 семьям», «5 писем»: the number and the noun agreeing with it (in `case`).

    A no-break space joins them: a line never ends on the bare number.
    """
    return f"{number}\u00a0{_noun(word, case).make_agree_with_number(number).word}"


def listing(words: list[str]) -> str:
    """«А», «А и Б», «А, Б и В»."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} и {words[-1]}"
