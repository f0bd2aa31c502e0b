"""AppTest: the roster import page with bad and odd files: a Russian message, never a traceback."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from klassruk.models.school import Student
from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from tests.core.bad_files import BAD_FILES


def _students(factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Student)) or 0)


def test_the_file_field_speaks_russian(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/roster_import.py").run()
    field = at.file_uploader(key="roster_file")
    # The label says what the drop zone's hidden English («200MB per file • CSV») said.
    assert field.label == "Файл со списком (XLSX, CSV; до 5 МБ)"
    assert field.proto.max_upload_size_mb == 5
    style = " ".join(h.proto.body for h in at.get("html"))
    assert "stFileUploaderDropzoneInstructions" in style and "Выбрать файл" in style
    # The button's own «Upload» sits in a markdown block that keeps its font size.
    assert 'button [data-testid="stMarkdownContainer"] {\n  display: none;' in style


def _upload(at, name: str, content: bytes):
    at.file_uploader(key="roster_file").set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def test_bad_files_show_their_message_and_write_nothing(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/roster_import.py").run()
    before = _students(factory)
    for bad in ("binary_csv", "formula_cell", "xlsx_renamed_to_csv"):
        name, build, message = BAD_FILES[bad]
        _upload(at, name, build())
        assert len(at.error) == 1, bad
        assert re.search(message, at.error[0].value.replace("\\", "")), bad
        assert not any(b.key == "roster_apply" for b in at.button)
    assert _students(factory) == before


def test_utf16_file_with_a_latin_letter_is_previewed_once_and_imported(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/roster_import.py").run()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t")
    writer.writerow(TEMPLATE_COLUMNS)
    row = ["", "Яковлева", "Aнна", "", "01.03.2013"]  # Latin A, Excel's «Unicode text»
    writer.writerow(row + [""] * (len(TEMPLATE_COLUMNS) - len(row)))
    _upload(at, "spisok.txt", buffer.getvalue().encode("utf-16"))
    assert not at.error
    assert any("латинские «A» заменены русскими" in i.value.replace("\\", "") for i in at.info)
    kept = at.session_state["roster_preview_kept"]
    at.run()  # any rerun of the page: the preview is kept for the same file, not recomputed
    assert at.session_state["roster_preview_kept"] is kept
    before = _students(factory)
    at.button(key="roster_apply").click().run()
    assert not at.exception
    assert _students(factory) == before + 1
    assert [m.value for m in at.success] == [
        "Импорт выполнен: обучающихся добавлено 1, представителей — 0. "
        "Теперь можно выдать реквизиты на странице «Реквизиты доступа»."
    ]
    with factory() as session:
        assert session.scalar(select(Student.id).where(Student.first_name == "Анна")) is not None
