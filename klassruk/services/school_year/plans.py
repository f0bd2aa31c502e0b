"""The rollover's plan: what closing the year will do, named by a digest and told in Russian."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

from klassruk.services.school_year.closing import YearGrades
from klassruk.text.formatting import format_date


@dataclass(frozen=True)
class ClassMove:
    """A class of the closing year and where its pupils go (None: everyone leaves)."""

    name: str
    new_name: str | None
    class_teacher: str | None
    moving: int
    leaving: tuple[str, ...]


@dataclass(frozen=True)
class GroupLayout:
    """Subgroups of a subject in a class, proposed again for the class it becomes."""

    class_name: str
    new_class_name: str
    subject_name: str
    groups: int


@dataclass(frozen=True)
class RolloverPlan:
    """Everything the rollover will do; `digest` names this exact plan for the apply."""

    year_name: str
    new_year_name: str
    new_starts_on: date
    new_ends_on: date
    periods_to_close: tuple[str, ...]
    year_grades: tuple[YearGrades, ...]
    moves: tuple[ClassMove, ...]
    enrolments_ended: int
    groups_ended: int
    memberships_ended: int
    layouts: tuple[GroupLayout, ...]
    leavers_block_on: date
    leaver_accounts: int
    # The 9th graders the school named as leaving (the rest go on to the 10th grade).
    ninth_leavers: tuple[int, ...] = field(default=())
    blockers: tuple[str, ...] = field(default=())

    @property
    def digest(self) -> str:
        """SHA-256 of the plan: apply refuses when the database no longer gives the same one."""
        text = json.dumps(asdict(self), default=str, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def leavers(self) -> int:
        return sum(len(move.leaving) for move in self.moves)

    def describe(self) -> list[str]:
        """The plan in Russian, one line per step (the CLI prints it, the page confirms it)."""
        missing = [g for g in self.year_grades if g.missing]
        lines = [
            f"Учебный год {self.year_name} будет закрыт: его журнал останется только для чтения.",
            "Закрыть периоды: " + (", ".join(self.periods_to_close) or "все уже закрыты") + ".",
            # Pupils are counted once each: a sum over subjects (6,500 in a school of 550) is
            # pupil × subject pairs, which the line names separately.
            f"Итоговые оценки выставлены полностью: {len(self.year_grades) - len(missing)} из "
            f"{len(self.year_grades)} предметов классов; обучающихся, у которых не хватает "
            f"оценок: {len({(g.class_name, name) for g in missing for name in g.missing})} "
            f"(пар «обучающийся — предмет»: {sum(len(g.missing) for g in missing)}).",
        ]
        promoted = [f"{m.name} → {m.new_name}" for m in self.moves if m.new_name]
        lines.append("Перевести классы: " + (", ".join(promoted) or "нет") + ".")
        lines.append(
            f"Выпускники: {self.leavers}; их учётные записи и записи родителей, у которых нет "
            f"других детей в школе ({self.leaver_accounts}), будут заблокированы "
            f"с {format_date(self.leavers_block_on)}."
        )
        lines.append(
            f"Завершить: зачислений в классы {self.enrolments_ended}, учебных групп "
            f"{self.groups_ended}, членств в группах {self.memberships_ended}."
        )
        lines.append(
            f"Новый учебный год {self.new_year_name}: {format_date(self.new_starts_on)}–"
            f"{format_date(self.new_ends_on)}, периоды и каникулы как в прошлом году, "
            "на год позже (заместитель директора их уточнит)."
        )
        if self.layouts:
            lines.append(
                f"Деление на группы ({len(self.layouts)}) предлагается как в прошлом году: "
                "классный руководитель подтверждает его на странице «Учебные группы»."
            )
        lines.append("Учебная нагрузка и расписание нового года задаются заново.")
        return lines
