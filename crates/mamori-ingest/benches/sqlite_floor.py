#!/usr/bin/env python3
"""What SQLite alone needs to store what `mamori import` stores for the 1,000 benchmark workbooks.

One transaction with 1,000 import rows and 30,000 figure rows (three fiscal years x ten categories
per workbook, with file, sheet and cell), through prepared statements (`executemany`), into a fresh
file made from mamori's own SQLite migrations with mamori's settings (WAL, synchronous = NORMAL,
foreign keys on). Nothing is read or parsed: this is the floor under any importer that keeps every
figure with its cell in this schema. Prints the best of three runs: CPU time of the inserts and
commit, and wall time including the close (the checkpoint that makes the file durable).

    python3 crates/mamori-ingest/benches/sqlite_floor.py [WORKDIR]
"""

import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parents[2] / "mamori-store" / "migrations" / "sqlite"
CATEGORIES = [
    "disclosure_requests",
    "disclosed",
    "partially_disclosed",
    "not_disclosed",
    "nonexistent",
    "withdrawn",
    "correction_requests",
    "suspension_requests",
    "complaints",
    "appeals",
]


def rows():
    generator = random.Random(42)
    imports, figures = [], []
    for index in range(1000):
        source = f"workbooks/{index:04}_第{index + 1}課.xlsx"
        imports.append((source, f"{index:064x}", 4726, "xlsx", "2026-11-23T16:00:00+09:00", "imported", 30))
        for year in (2020, 2021, 2022):
            for offset, category in enumerate(CATEGORIES):
                cell = f"{chr(ord('B') + offset)}{year - 2016}"
                figures.append((index + 1, year, f"第{index + 1}課", category, generator.randint(0, 20), source, "運用状況", cell))
    return imports, figures


def run(path, imports, figures):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    connection = sqlite3.connect(path, isolation_level=None)
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        connection.executescript(migration.read_text(encoding="utf-8"))
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        connection.execute(f"PRAGMA {pragma}")
    cpu, wall = time.process_time(), time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO imports (source, sha256, size_bytes, format, imported_at, status, figure_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
        imports,
    )
    connection.executemany(
        "INSERT INTO figures (import_id, fiscal_year, agency, category, count, file, sheet, cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        figures,
    )
    connection.execute("COMMIT")
    cpu = time.process_time() - cpu
    connection.close()
    return cpu, time.perf_counter() - wall


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
    imports, figures = rows()
    runs = [run(os.path.join(work, "floor.db"), imports, figures) for _ in range(3)]
    cpu = min(r[0] for r in runs)
    wall = min(r[1] for r in runs)
    print(f"SQLite alone, {len(figures):,} figure rows in one transaction: {cpu:.3f} s CPU, {wall:.3f} s with the closing checkpoint")


if __name__ == "__main__":
    main()
