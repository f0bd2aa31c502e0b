"""The page registry: every screen with the action it needs; navigation is built from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from klassruk.access.permissions import Action, Actor, Role

# The tab's icon as SVG markup, which Streamlit sends as a data: URI. A `:material/…:` icon
# made every browser fetch it from fonts.gstatic.com: a request to Google from each school PC.
FAVICON = (Path(__file__).parent / "favicon.svg").read_text(encoding="utf-8")


@dataclass(frozen=True)
class PageSpec:
    """One screen of the app."""

    path: str
    title: str
    icon: str
    action: Action
    section: str

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("app_pages/").removesuffix(".py")


HOME = PageSpec("app_pages/home.py", "Главная", ":material/home:", Action.VIEW_HOME, "")
PAGES: tuple[PageSpec, ...] = (
    HOME,
    PageSpec("app_pages/my_class.py", "Мой класс", ":material/groups:", Action.VIEW_CLASS,
             "Классное руководство"),
    PageSpec("app_pages/study_groups.py", "Учебные группы", ":material/group_work:", Action.MANAGE_STUDY_GROUPS, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/who_teaches.py", "Кто учит", ":material/co_present:", Action.VIEW_CLASS, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/credentials.py", "Реквизиты доступа", ":material/key:", Action.ISSUE_CREDENTIALS, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/roster_import.py", "Импорт списка класса", ":material/upload_file:", Action.IMPORT_ROSTER, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/class_journal.py", "Журнал класса", ":material/menu_book:", Action.VIEW_CLASS_JOURNAL, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/consent.py", "Согласия на обработку данных", ":material/verified_user:", Action.VIEW_CONSENT, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/extracts.py", "Бумажные выписки", ":material/print:", Action.VIEW_EXTRACTS, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/analytical_reports.py", "Аналитические отчёты", ":material/analytics:", Action.VIEW_ANALYTICAL_REPORT, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/activity_report.py", "Активность родителей", ":material/fact_check:", Action.VIEW_ACTIVITY_REPORT, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/journal.py", "Журнал", ":material/edit_note:", Action.EDIT_JOURNAL, "Преподавание"),  # noqa: E501
    PageSpec("app_pages/cabinet_grades.py", "Оценки", ":material/grade:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_homework.py", "Домашние задания", ":material/home_work:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_timetable.py", "Расписание", ":material/event_note:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_tests.py", "Контрольные работы", ":material/quiz:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_absences.py", "Пропуски", ":material/event_busy:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_recommendations.py", "Рекомендации", ":material/lightbulb:", Action.VIEW_CABINET, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_acknowledgements.py", "Ознакомление", ":material/task_alt:", Action.ACKNOWLEDGE, "Дневник"),  # noqa: E501
    PageSpec("app_pages/cabinet_teachers.py", "Учителя", ":material/school:", Action.VIEW_CABINET, "Школа"),  # noqa: E501
    PageSpec("app_pages/cabinet_calendar.py", "Каникулы и четверти", ":material/calendar_month:", Action.VIEW_CABINET, "Школа"),  # noqa: E501
    PageSpec("app_pages/notifications.py", "Уведомления", ":material/notifications:", Action.MANAGE_NOTIFICATIONS, "Дневник"),  # noqa: E501
    PageSpec("app_pages/class_messages.py", "Сообщения семьям", ":material/forum:", Action.SEND_MESSAGES, "Классное руководство"),  # noqa: E501
    PageSpec("app_pages/analysis.py", "Анализ", ":material/pivot_table_chart:", Action.RUN_ANALYSIS, "Учебная часть"),  # noqa: E501
    PageSpec("app_pages/teaching_load.py", "Учебная нагрузка", ":material/work:", Action.MANAGE_TEACHING_LOAD, "Учебная часть"),  # noqa: E501
    PageSpec("app_pages/timetable.py", "Расписание и календарь", ":material/calendar_month:", Action.MANAGE_CALENDAR, "Учебная часть"),  # noqa: E501
    PageSpec("app_pages/incidents.py", "Инциденты безопасности", ":material/gpp_maybe:",
             Action.VIEW_INCIDENTS, "Безопасность"),
    PageSpec("app_pages/users.py", "Пользователи", ":material/manage_accounts:",
             Action.VIEW_USERS, "Администрирование"),
    PageSpec("app_pages/data_access.py", "Доступ к персональным данным", ":material/visibility:",
             Action.VIEW_AUDIT_LOG, "Администрирование"),
    PageSpec("app_pages/notification_status.py", "Рассылка уведомлений", ":material/outgoing_mail:", Action.VIEW_SENDER_HEALTH, "Администрирование"),  # noqa: E501
    PageSpec("app_pages/audit.py", "Журнал изменений", ":material/history:",
             Action.VIEW_AUDIT_LOG, "Администрирование"),
    PageSpec("app_pages/school_year.py", "Новый учебный год", ":material/event_repeat:",
             Action.MANAGE_SCHOOL_YEAR, "Администрирование"),
    PageSpec("app_pages/school_settings.py", "Настройки школы", ":material/settings:",
             Action.MANAGE_SCHOOL_STRUCTURE, "Администрирование"),
    PageSpec("app_pages/profile.py", "Профиль", ":material/person:", Action.VIEW_PROFILE,
             "Учётная запись"),
)
LOGIN_PAGE = "app_pages/login.py"
SETUP_PAGE = "app_pages/setup.py"
CHANGE_PASSWORD_PAGE = "app_pages/change_password.py"
SECOND_FACTOR_PAGE = "app_pages/second_factor.py"
# Opened from a notification e-mail, logged in or not: it shows only its own outcome.
NOTIFICATION_LINK_PAGE = "app_pages/notification_link.py"
# The pages app.py shows alone, before the menu: none is in PAGES, so none has an action to
# guard by; the two shown to a logged-in user start with `current_actor()` instead.
GATE_PAGES = (
    SETUP_PAGE, NOTIFICATION_LINK_PAGE, LOGIN_PAGE, CHANGE_PASSWORD_PAGE, SECOND_FACTOR_PAGE
)


def page_everywhere(path: str, title: str) -> list[StreamlitPage]:
    """`path` at the start address and at every page's address, so a deep link survives login."""
    return [st.Page(path, title=title, default=True)] + [
        st.Page(path, title=title, url_path=spec.url_path) for spec in PAGES if spec is not HOME
    ]


def spec_of(page_file: str) -> PageSpec:
    """The registry entry of a page script (its `__file__`)."""
    name = Path(page_file).name
    return next(spec for spec in PAGES if Path(spec.path).name == name)


def allowed_pages(actor: Actor) -> list[PageSpec]:
    """The screens the actor may open, in menu order."""
    return [spec for spec in PAGES if actor.can(spec.action)]


CLASS_TEACHING_SECTION = "Классное руководство"
SCHOOL_CLASSES_SECTION = "Классы школы"


_MENU = "menu_pages"


def section_title(section: str, actor: Actor) -> str:
    """A menu section named for the actor: the class pages are «Классы школы» to the deputy head."""
    if section == CLASS_TEACHING_SECTION and Role.CLASS_TEACHER not in actor.roles:
        return SCHOOL_CLASSES_SECTION
    return section


# «Мой класс» is every class to whoever sees the class pages school-wide.
_SCHOOL_WIDE_TITLES = {"app_pages/my_class.py": "Списки классов"}


def page_title(spec: PageSpec, actor: Actor) -> str:
    """A page's menu title for the actor: «Мой класс» is «Списки классов» to the deputy head."""
    if Role.CLASS_TEACHER not in actor.roles:
        return _SCHOOL_WIDE_TITLES.get(spec.path, spec.title)
    return spec.title


def uses_family_menu(actor: Actor) -> bool:
    """Families read on phones: their menu is one labelled button, not a sidebar."""
    staff = actor.can(Action.VIEW_OWN_GROUPS) or actor.can(Action.VIEW_CLASS) or actor.can(
        Action.VIEW_USERS
    )
    return actor.can(Action.VIEW_CABINET) and not staff


def family_menu(
    sections: dict[str, list[StreamlitPage]], current: StreamlitPage, account: Callable[[], None]
) -> None:
    """«Меню» at the top of every family page: its pages in section order, then the account.

    On a phone Streamlit folds a sidebar or top menu into an unlabelled «»» that stays open
    over the page. The popover's key names the current page, so the page a choice opens
    draws a new, closed one. No section captions: a family has a dozen screens, each with its
    icon, and every element of the menu is drawn and sent on every run of every family page
    (the menu was ~10 % of a family page's server CPU with them).
    """
    with st.popover(
        "Меню", icon=":material/menu:", key=f"family_menu_{current.url_path or 'home'}"
    ):
        for pages in sections.values():
            for page in pages:
                st.page_link(page, width="stretch")
        account()


def build_navigation(actor: Actor) -> dict[str, list[StreamlitPage]]:
    """Menu sections of the pages the actor may open, built once per browser session and roles.

    Kept in the session, not the process: Streamlit marks the page a run may call on the page
    object itself, so two sessions must never share one.
    """
    key = (actor.user_id, actor.roles)
    built = st.session_state.get(_MENU)
    if built is not None and built[0] == key:
        return dict(built[1])
    sections = _menu_sections(actor)
    st.session_state[_MENU] = (key, sections)
    return dict(sections)


def _menu_sections(actor: Actor) -> dict[str, list[StreamlitPage]]:
    sections: dict[str, list[StreamlitPage]] = {}
    for spec in allowed_pages(actor):
        page = st.Page(
            spec.path,
            title=page_title(spec, actor),
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec is HOME,
        )
        sections.setdefault(section_title(spec.section, actor), []).append(page)
    return sections
