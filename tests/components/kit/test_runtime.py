"""A script run: school settings read once, its reads in one transaction, new code frozen."""

from __future__ import annotations

import gc
import importlib

from streamlit.testing.v1 import AppTest

import components.kit.runtime


def _script() -> None:
    import streamlit as st

    from components.kit import runtime
    from components.kit.school import school_timezone, today

    runtime.start_run_school_settings()
    # The per-process copy goes stale in the middle of the run: the page still reads no more.
    runtime._school_settings_cache(runtime.settings().database_url).read_at = 0.0
    st.text(f"{school_timezone()} {today()} {runtime.school_settings().school_name}")


def test_school_settings_are_read_once_per_run_even_when_the_copy_goes_stale(
    demo_app, monkeypatch
) -> None:
    reads: list[object] = []
    real_read = components.kit.runtime.read_school_settings

    def counting_read(session):  # type: ignore[no-untyped-def]
        reads.append(session)
        return real_read(session)

    monkeypatch.setattr(components.kit.runtime, "read_school_settings", counting_read)
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception
    assert len(reads) == 1
    at.run()
    assert len(reads) == 2  # the next run starts with a fresh read of the stale copy


def _run_reads_script() -> None:
    import streamlit as st
    from sqlalchemy import event, select

    from components.kit import runtime
    from klassruk.access.permissions import Actor
    from klassruk.infra.db import ReadOnlyViolation
    from klassruk.models.accounts import AppSetting

    actor = Actor.system("test")
    engine = runtime.session_factory().kw["bind"]
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(engine, "begin", count)

    def probe() -> str | None:
        with runtime.db_read(actor) as session:
            return session.scalar(select(AppSetting.value).where(AppSetting.key == "probe"))

    with runtime.script_run():
        before = [probe(), probe(), probe()]
        reads_before_write = len(begun)
        with runtime.db(actor) as session:
            session.add(AppSetting(key="probe", value="записано"))
        after = probe()
        try:
            with runtime.db_read(actor) as session:
                row = session.get(AppSetting, "probe")
                assert row is not None
                row.value = "изменено при чтении"
                session.scalar(select(AppSetting.value))  # autoflush
            refused = False
        except ReadOnlyViolation:
            refused = True
        after_refusal = probe()
    event.remove(engine, "begin", count)
    st.text(repr([before, reads_before_write, after, refused, after_refusal, len(begun),
                  engine.pool.checkedout()]))


def test_a_run_reads_in_one_transaction_and_a_write_ends_it(demo_app) -> None:
    """Reads share the run's transaction; after a write they see it; the run returns it."""
    at = AppTest.from_function(_run_reads_script, default_timeout=30).run()
    assert not at.exception
    before, reads_before_write, after, refused, after_refusal, begun, checked_out = eval(
        at.text[0].value
    )
    assert before == [None, None, None] and reads_before_write == 1
    assert after == "записано"
    assert refused and after_refusal == "записано"  # nothing changed by the refused write
    assert begun == 4  # one read, the write, the read after it, the read after the refusal
    assert checked_out == 0  # the run's transaction ended with the run


def _after_run_script() -> None:
    import streamlit as st
    from sqlalchemy import event, select

    from components.kit import runtime
    from klassruk.access.permissions import Actor
    from klassruk.models.accounts import AppSetting

    actor = Actor.system("test")
    engine = runtime.session_factory().kw["bind"]
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    def write() -> None:
        with runtime.db(actor) as session:
            session.add(AppSetting(key="probe", value="после страницы"))

    def probe() -> str | None:
        with runtime.db_read(actor) as session:
            return session.scalar(select(AppSetting.value).where(AppSetting.key == "probe"))

    event.listen(engine, "begin", count)
    with runtime.script_run():
        first = probe()
        runtime.after_run(write)
        during = probe()  # the write waits: the page's reads stay one transaction
        reads = len(begun)
    after = probe()
    event.remove(engine, "begin", count)
    st.text(repr([first, during, reads, after]))


def test_a_write_after_the_run_leaves_its_reads_one_transaction(demo_app) -> None:
    """`after_run`: done once the page is drawn, not in the middle of its reads."""
    at = AppTest.from_function(_after_run_script, default_timeout=30).run()
    assert not at.exception
    first, during, reads, after = eval(at.text[0].value)
    assert first is None and during is None and reads == 1
    assert after == "после страницы"


def _stopped_run_script() -> None:
    import streamlit as st
    from sqlalchemy import select

    from components.kit import runtime
    from klassruk.access.permissions import Actor
    from klassruk.models.accounts import AppSetting

    actor = Actor.system("test")

    def write() -> None:
        with runtime.db(actor) as session:
            session.add(AppSetting(key="probe", value="записано"))

    if "stopped" not in st.session_state:
        st.session_state["stopped"] = True
        with runtime.script_run():
            runtime.after_run(write)
            st.stop()
    with runtime.db_read(actor) as session:
        st.text(str(session.scalar(select(AppSetting.value).where(AppSetting.key == "probe"))))


def test_a_page_that_stops_still_writes_what_it_left_for_after_the_run(demo_app) -> None:
    """A screen's record is not lost when the page stops (or reruns) after asking for it."""
    at = AppTest.from_function(_stopped_run_script, default_timeout=30).run()
    assert not at.exception
    at.run()
    assert at.text[0].value == "записано"


def test_a_run_that_imported_code_freezes_it_and_a_run_that_did_not_collects_nothing(
    tmp_path, monkeypatch
) -> None:
    (tmp_path / "klassruk_freshly_imported.py").write_text("ROWS = [[n] for n in range(1000)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    full_collections: list[int] = []

    def count_full(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_collections.append(1)

    gc.disable()  # only the runs' own collections are counted
    gc.callbacks.append(count_full)
    try:
        with components.kit.runtime.script_run():
            rows = importlib.import_module("klassruk_freshly_imported").ROWS
        assert len(full_collections) == 1
        # Frozen objects are no longer among those a collection walks.
        assert not any(tracked is rows for tracked in gc.get_objects())
        with components.kit.runtime.script_run():
            pass
        assert len(full_collections) == 1
    finally:
        gc.callbacks.remove(count_full)
        gc.enable()
