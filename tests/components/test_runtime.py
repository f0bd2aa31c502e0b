"""School settings are read once, as a run starts, never from inside a page's work."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import components.runtime


def _script() -> None:
    import streamlit as st

    from components import runtime
    from components.school import school_timezone, today

    runtime.start_run_school_settings()
    # The per-process copy goes stale in the middle of the run: the page still reads no more.
    runtime._school_settings_cache(runtime.settings().database_url).read_at = 0.0
    st.text(f"{school_timezone()} {today()} {runtime.school_settings().school_name}")


def test_school_settings_are_read_once_per_run_even_when_the_copy_goes_stale(
    demo_app, monkeypatch
) -> None:
    reads: list[object] = []
    real_read = components.runtime.read_school_settings

    def counting_read(session):  # type: ignore[no-untyped-def]
        reads.append(session)
        return real_read(session)

    monkeypatch.setattr(components.runtime, "read_school_settings", counting_read)
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception
    assert len(reads) == 1
    at.run()
    assert len(reads) == 2  # the next run starts with a fresh read of the stale copy
