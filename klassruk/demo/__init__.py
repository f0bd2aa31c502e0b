"""A deterministic Russian demo school: the same code seeds tests, the demo and the benchmark.

`catalogue` holds what the school is made of, `plan` decides it in memory from the seed, and
`school` writes it, then calls the writers of its details (groups, credentials, journal, family
week, consent).
"""

from klassruk.demo.catalogue import (
    ADMIN_LOGIN,
    CLASS_TEACHER_LOGIN,
    DEFAULT,
    DEMO_PASSWORD,
    DEPUTY_HEAD_LOGIN,
    FEATURED_LOGINS,
    GUARDIAN_LOGIN,
    LARGE,
    SCHOOL_NAME,
    SMALL,
    STUDENT_LOGIN,
    TEACHER_LOGIN,
    TIMEZONE,
    DemoSize,
    DemoYear,
    demo_year,
)
from klassruk.demo.school import DemoAccount, DemoSchool, featured_accounts, seed_demo_school

__all__ = [
    "ADMIN_LOGIN",
    "CLASS_TEACHER_LOGIN",
    "DEFAULT",
    "DEMO_PASSWORD",
    "DEPUTY_HEAD_LOGIN",
    "FEATURED_LOGINS",
    "GUARDIAN_LOGIN",
    "LARGE",
    "SCHOOL_NAME",
    "SMALL",
    "STUDENT_LOGIN",
    "TEACHER_LOGIN",
    "TIMEZONE",
    "DemoAccount",
    "DemoSchool",
    "DemoSize",
    "DemoYear",
    "demo_year",
    "featured_accounts",
    "seed_demo_school",
]
