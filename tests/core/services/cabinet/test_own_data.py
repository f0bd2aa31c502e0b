"""A guardian's own data: everything about them and their children today, as ZIP, JSON and PDF."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.errors import PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models.school import GuardianLink
from klassruk.pdf.own_data import render_own_data
from klassruk.services.cabinet.own_data import collect_own_data, own_data_archive
from tests.factories import SYSTEM, actor_of, give_scanned_consent
from tests.frozen import TODAY

ZONE = "Europe/Moscow"


@pytest.fixture
def demo(factory):
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    return factory


def _collect(session, login: str):
    return collect_own_data(session, actor_of(session, login), on=TODAY, timezone=ZONE,
                            now=utcnow())


def test_the_archive_holds_the_guardian_the_children_and_the_scans(demo):
    with unit_of_work(demo, SYSTEM) as session:
        actor = actor_of(session, "roditel")
        give_scanned_consent(session, actor.guardian_id, file_name="scan.pdf")
    with unit_of_work(demo, SYSTEM, read_only=True) as session:
        data = _collect(session, "roditel")
    children = data.sections["Дети"]
    assert len(children) == 2 and all(child["Классы"] for child in children)
    assert any(child["Оценки"] for child in children)
    assert data.sections["Согласия на обработку персональных данных"]
    assert data.sections["Родитель (законный представитель)"]["Учётная запись"]["логин"] == (
        "roditel"
    )
    pdf = render_own_data(data, school_name="Школа №17")
    archive = zipfile.ZipFile(io.BytesIO(own_data_archive(data, pdf)))
    names = archive.namelist()
    assert "данные.json" in names and "данные.pdf" in names
    assert any(name.startswith("согласия/") and name.endswith("scan.pdf") for name in names)
    parsed = json.loads(archive.read("данные.json"))
    assert parsed["Кто"] == data.guardian_name
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert data.guardian_name.split()[0] in text and "Оценки" in text


def test_a_child_whose_link_ended_is_not_in_it(demo):
    with unit_of_work(demo, SYSTEM) as session:
        actor = actor_of(session, "roditel")
        link = session.scalars(
            select(GuardianLink).where(GuardianLink.guardian_id == actor.guardian_id)
            .order_by(GuardianLink.id)
        ).first()
        link.ends_on = TODAY
    with unit_of_work(demo, SYSTEM, read_only=True) as session:
        assert len(_collect(session, "roditel").sections["Дети"]) == 1


@pytest.mark.parametrize("login", ["klassruk", "admin", "uchenik"])
def test_only_a_guardian_downloads_own_data(demo, login):
    with unit_of_work(demo, SYSTEM, read_only=True) as session, pytest.raises(PermissionDenied):
        _collect(session, login)
