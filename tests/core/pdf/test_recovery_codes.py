"""The second factor's recovery codes on paper."""

from __future__ import annotations

import io

import pyotp
from pypdf import PdfReader

from klassruk.pdf.recovery_codes import render_recovery_codes
from klassruk.services.second_factor import confirm_enrolment, own_name, start_enrolment
from tests.factories import act_as, build_two_classes


def test_the_recovery_codes_print_on_one_page_with_their_owner(session):
    build_two_classes(session)
    teacher = act_as(session, "teacher_a")
    setup = start_enrolment(session, teacher)
    codes = confirm_enrolment(
        session, teacher, setup=setup, code=pyotp.TOTP(setup.secret).now()
    )
    pdf = render_recovery_codes(
        codes, name=own_name(session, teacher), login="teacher_a", school_name="Школа № 17",
        made_on="30.11.2026",
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(reader.pages[0].extract_text().split())
    assert len(reader.pages) == 1
    assert "Teacher_A (логин teacher_a), коды выданы 30.11.2026" in text
    assert all(code in text for code in codes) and len(codes) == 10
    assert "отдельно от телефона" in text
