"""Benchmark: how long refusing an oversized roster XLSX takes, against parsing it in full.

Run: .venv/bin/python scripts/bench_spreadsheets.py [--rows 50000]
Builds a roster XLSX of ROWS filled template rows (under the 5 MB cap), then times the app's
reader (which stops at the row limit) and a full openpyxl read (what the import did before).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook

from klassruk.errors import DomainError
from klassruk.services.roster.rows import MAX_ROWS, TEMPLATE_COLUMNS
from klassruk.services.spreadsheets import MAX_FILE_BYTES, read_table


def build(rows: int) -> bytes:
    """A roster XLSX with `rows` filled rows (write-only: fast and small)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Список класса")
    sheet.append(list(TEMPLATE_COLUMNS))
    for n in range(rows):
        sheet.append(
            ["7А", f"Иванов{n}", "Пётр", "Сергеевич", "01.01.2013", "Иванова", "Мария", "",
             "мать", "+79120000000", f"m{n}@mail.example", "", "", "", "", "", ""]
        )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    rows = parser.parse_args().rows
    content = build(rows)
    print(f"file: {rows} rows, {len(content) / 1024 / 1024:.2f} MB (cap {MAX_FILE_BYTES >> 20} MB)")

    started, cpu = time.perf_counter(), time.process_time()
    try:
        read_table(content, "roster.xlsx", max_rows=MAX_ROWS)
        outcome = "read"
    except DomainError as error:
        outcome = f"refused: {error}"
    print(
        f"reader: {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU — {outcome}"
    )
    started, cpu = time.perf_counter(), time.process_time()
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    parsed = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    print(
        f"full parse (before): {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU, {parsed} rows"
    )


if __name__ == "__main__":
    main()
