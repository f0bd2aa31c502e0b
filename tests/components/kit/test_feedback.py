"""The page kit's outcome and error reporting, run in a small Streamlit script."""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from klassruk.models.school import Subject
from tests.factories import SYSTEM


def _script() -> None:
    import streamlit as st

    from components.kit.feedback import act, show_outcome
    from klassruk.access.permissions import Actor
    from klassruk.errors import DomainError
    from klassruk.models.school import Subject

    actor = Actor.system("test")

    def add_subject(session, refuse: bool) -> str:  # type: ignore[no-untyped-def]
        session.add(Subject(name="Астрономия", short_name="Астр."))
        session.flush()
        if refuse:
            raise DomainError("Предмет добавить нельзя.")
        return "Астрономия"

    show_outcome()
    if st.button("Добавить", key="add"):
        act(actor, lambda s: add_subject(s, False), lambda name: f"Предмет «{name}» добавлен.")
    if st.button("Отказ", key="refuse"):
        act(actor, lambda s: add_subject(s, True), "не должно появиться")
    st.text("страница дорисована")


def _subjects(factory) -> int:
    with factory() as session:
        session.info["actor"] = SYSTEM
        return int(session.scalar(select(func.count()).select_from(Subject)) or 0)


def test_outcome_is_shown_after_the_rerun_exactly_once(app_env, factory) -> None:
    at = AppTest.from_function(_script, default_timeout=30).run()
    at.button(key="add").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Предмет «Астрономия» добавлен."]
    assert _subjects(factory) == 1
    at.run()
    assert not at.success


def test_domain_error_is_a_message_and_nothing_is_written(app_env, factory) -> None:
    at = AppTest.from_function(_script, default_timeout=30).run()
    at.button(key="refuse").click().run()
    assert not at.exception
    assert [m.value for m in at.error] == ["Предмет добавить нельзя."]
    assert not at.success
    assert at.text[0].value == "страница дорисована"
    assert _subjects(factory) == 0
