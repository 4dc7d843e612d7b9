#!/usr/bin/env python3
"""The pandas baseline for the import benchmark: tally the same department workbooks with pandas'
default xlsx engine (openpyxl), as a script a city might write.

For each workbook: read the sheet with a two-row header, keep the fiscal-year rows, and sum every
category per year and agency (the agency taken from the file name). Prints the file count, the
number of figures and the elapsed seconds.

    pip install pandas openpyxl
    python3 crates/mamori-ingest/benches/pandas_tally.py DIR
"""

import sys
import time
from pathlib import Path

import pandas as pd


def main() -> None:
    folder = Path(sys.argv[1])
    files = sorted(folder.glob("*.xlsx"))
    started = time.perf_counter()
    totals = {}
    for path in files:
        agency = path.stem.split("_", 1)[1]
        frame = pd.read_excel(path, sheet_name=0, header=[1, 2])
        frame = frame.rename(columns=lambda c: c)
        label_column = frame.columns[0]
        for _, row in frame.iterrows():
            year = str(row[label_column])
            if not year.endswith("年度"):
                continue
            for column in frame.columns[1:]:
                key = (year, agency, column[-1] if "Unnamed" not in column[-1] else column[0])
                totals[key] = totals.get(key, 0) + int(row[column])
    elapsed = time.perf_counter() - started
    print(f"{len(files)} files, {len(totals)} figures, {elapsed:.3f} s")


if __name__ == "__main__":
    main()
