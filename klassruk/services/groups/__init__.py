"""Study groups: subgroups of a class, individual plans, cross-class streams, who teaches whom.

Decisions the rest of the app relies on:

- A class has one WHOLE_CLASS group (named like the class, «7А»); it carries the teaching load of
  every subject that is not split. Its membership rows mirror the class's enrolments (the journal
  reads them): every path enrols through `enrol_student` / `enrolment_rows`, and a group created
  later is filled from the enrolments by `whole_class_group`.
- Splitting subject S in a class creates SUBGROUP groups (class_id, subject_id=S), each with one
  TeachingAssignment. The whole-class assignment of S is removed at the same time, so the
  subject is never taught twice; its hours go to every new group (each group has the full
  lessons of the subject).
- Membership rows are history: a move closes the old row on the day before the move and opens a
  new one, so `group_of_student_on` answers for any past date (the journal files grades by it).
- INDIVIDUAL groups (one student, class_id of that student) and STREAM groups (class_id None,
  several classes) take over their subjects for their members; members are exempt from the
  class's split of those subjects.
"""

from klassruk.services.groups.individual_plans import (
    IndividualSubject,
    create_individual_plan,
)
from klassruk.services.groups.merges import merge_split
from klassruk.services.groups.moves import (
    move_student,
    place_student,
)
from klassruk.services.groups.proposals import (
    SPLIT_METHOD_TITLES,
    GroupPlan,
    SplitMethod,
    SplitPlan,
    SplitProposal,
    propose_split,
)
from klassruk.services.groups.queries import (
    KIND_PRIORITY,
    KIND_TITLES,
    TYPICAL_SPLIT_SUBJECTS,
    ClassGroups,
    GroupInfo,
    SplitInfo,
    StudentRef,
    class_groups,
    default_group_name,
    enrol_student,
    enrolled_students,
    enrolment_rows,
    group_of_student_on,
    subject_teachers,
    subjects_for_split,
    whole_class_group,
)
from klassruk.services.groups.splits import create_splits, current_teacher, update_group
from klassruk.services.groups.streams import (
    create_stream,
    delete_stream,
    list_streams,
    stream_candidates,
)
from klassruk.services.groups.who_teaches import (
    TeacherRow,
    groups_of_class,
    teachers_of_class,
    teachers_of_group,
    teachers_of_student,
)

__all__ = [
    "KIND_PRIORITY",
    "KIND_TITLES",
    "SPLIT_METHOD_TITLES",
    "TYPICAL_SPLIT_SUBJECTS",
    "ClassGroups",
    "GroupInfo",
    "GroupPlan",
    "IndividualSubject",
    "SplitInfo",
    "SplitMethod",
    "SplitPlan",
    "SplitProposal",
    "StudentRef",
    "TeacherRow",
    "class_groups",
    "create_individual_plan",
    "create_splits",
    "create_stream",
    "current_teacher",
    "default_group_name",
    "delete_stream",
    "enrol_student",
    "enrolled_students",
    "enrolment_rows",
    "group_of_student_on",
    "groups_of_class",
    "list_streams",
    "merge_split",
    "move_student",
    "place_student",
    "propose_split",
    "stream_candidates",
    "subject_teachers",
    "subjects_for_split",
    "teachers_of_class",
    "teachers_of_group",
    "teachers_of_student",
    "update_group",
    "whole_class_group",
]
