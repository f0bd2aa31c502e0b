"""AppTest: a guardian builds and downloads the archive of own data from the profile."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models import ActivityLog


def test_a_guardian_builds_the_archive_on_the_profile(logged_in, factory):
    at = logged_in("roditel")
    at.switch_page("app_pages/profile.py").run()
    assert "Мои данные" in [h.value for h in at.subheader]
    assert not at.get("download_button")
    at.button(key="own_data_build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.get("download_button")
    assert at.session_state["own_data_archive"].startswith(b"PK")
    with factory() as session:
        assert session.scalar(
            select(ActivityLog.login).where(ActivityLog.event == "own_data_download")
        ) == "roditel"


def test_staff_have_no_such_section(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/profile.py").run()
    assert "Мои данные" not in [h.value for h in at.subheader]
