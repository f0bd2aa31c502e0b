"""In a browser: the class teacher records a consent, prints the paper batch, a slip returns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.models.consent import ConsentEntry, ConsentState
from klassruk.models.extracts import PaperExtract
from klassruk.models.families import AckChannel, Acknowledgement
from tests.browser.conftest import wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
FORM_NUMBER = "ПД-БРАУЗЕР-1"


def _pick(page, label: str, typed: str) -> None:
    """Choose the first option containing `typed` (the list is virtualised: filter it)."""
    # During a rerun Streamlit may briefly keep the old widget beside the new one.
    box = page.get_by_role("combobox", name=label, exact=True).last
    box.click()
    box.fill(typed)
    page.keyboard.press("Enter")
    wait_until_idle(page, 300)


def test_consent_recorded_extracts_printed_and_a_slip_returned(
    browser, server_url, database_url, tmp_path: Path
):
    context = browser.new_context(accept_downloads=True, locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server_url}/consent")
        page.get_by_label("Логин").fill("klassruk")
        page.get_by_label("Пароль").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("heading", name="Согласия на обработку персональных данных").wait_for()
        wait_until_idle(page)

        _pick(page, "Чьё согласие", "(не запрашивалось)")
        page.get_by_label("№ бланка").fill(FORM_NUMBER)
        page.get_by_role("button", name="Записать").click()
        page.get_by_text("Записано:").first.wait_for()

        page.goto(f"{server_url}/extracts")
        page.get_by_role("heading", name="Бумажные выписки из журнала").wait_for()
        wait_until_idle(page, 2000)
        page.get_by_role("button", name="Напечатать выписки для бумажного списка").click()
        page.get_by_text(re.compile(r"Напечатано выписок: \d+")).first.wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name=re.compile("Скачать выписки")).click()
        extracts = tmp_path / "extracts.pdf"
        download.value.save_as(extracts)
        text = "\n".join(p.extract_text() for p in PdfReader(extracts).pages)
        assert "Выписка из электронного журнала №" in text
        # A week's grades in a column per day («Пн 07.12 … 5к 4»).
        assert re.search(r"(Пн|Вт|Ср|Чт|Пт|Сб) \d\d\.\d\d", text), "the days' columns"
        assert re.search(r"\b[1-5],\d\d\b", text), "the student's averages (from the grades)"
        assert re.search(r"С информацией ознакомлена?:", text) and "Талон к выписке №" in text

        wait_until_idle(page)
        _pick(page, "Выписка", "№")
        page.get_by_text("талон возвращён", exact=True).click()
        page.get_by_role("button", name="Отметить", exact=True).click()
        page.get_by_text(re.compile(r"Выписка № \d+: талон возвращён")).first.wait_for()
    finally:
        context.close()

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            entry = session.scalar(
                select(ConsentEntry).where(ConsentEntry.form_number == FORM_NUMBER)
            )
            assert entry is not None and entry.state is ConsentState.GIVEN
            returned = session.scalars(
                select(PaperExtract).where(PaperExtract.returned_on.is_not(None))
            ).all()
            assert len(returned) == 2  # the demo's returned slip and this one
            # The returned slip is in the acknowledgement ledger, signed on paper.
            paper = session.scalars(
                select(Acknowledgement).where(Acknowledgement.channel == AckChannel.PAPER)
            ).all()
            signed = {(a.guardian_id, a.student_id) for a in paper}
            assert {(r.guardian_id, r.student_id) for r in returned} <= signed
    finally:
        engine.dispose()
