"""AppTest: the paper extracts page — reprint from the register, the register as XLSX."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models.accounts import UserAccount
from klassruk.models.extracts import PaperExtract


def test_class_teacher_reprints_an_extract_and_the_register_says_which_it_replaces(
    logged_in, factory
):
    at = logged_in("klassruk")
    at.switch_page("app_pages/extracts.py").run()
    assert not at.exception
    picker = at.selectbox(key="extracts_pick")
    old = int(picker.options[0].split()[1])
    picker.set_value(picker.options[0])
    at.button(key="extracts_reprint").click().run()
    assert not at.exception
    assert f"взамен № {old}" in at.success[0].value
    with factory() as session:
        newest = session.scalars(select(PaperExtract).order_by(PaperExtract.id.desc())).first()
        assert newest is not None and newest.covered["reprint_of"] == old
    register = next(df.value for df in at.dataframe if "Взамен №" in df.value.columns)
    assert str(old) in register["Взамен №"].astype(str).tolist()
    with factory() as session:
        name = session.scalar(
            select(UserAccount.display_name).where(UserAccount.login == "klassruk")
        )
    # Who printed it, by name: the register showed the login «klassruk».
    assert name in register["Кем"].tolist() and "klassruk" not in register["Кем"].tolist()
    assert any(b.label.startswith("Скачать выписки") for b in at.get("download_button"))


def test_the_register_downloads_as_a_spreadsheet(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/extracts.py").run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Скачать таблицу (XLSX)" in labels


def test_the_deputy_head_reads_that_no_schedule_is_set(logged_in):
    at = logged_in("zavuch").switch_page("app_pages/extracts.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "График не задан: его задаёт классный руководитель." in captions, captions
