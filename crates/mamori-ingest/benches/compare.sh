#!/usr/bin/env bash
# Whole-process import benchmark (not part of CI): 1,000 generated department workbooks (one per
# department) read from disk into a fresh SQLite store by `mamori import`, the same with the eight
# 実施機関 sending in turn (every file replaces an earlier one's figures), against bare calamine reading every cell of the
# same files and a pandas+openpyxl script doing the same tally; then a 500,000-row ledger, timed
# and with peak memory; and SQLite alone storing the same figures (sqlite_floor.py). Needs: a release build, python3 with pandas and openpyxl (pip install pandas
# openpyxl) for the pandas column, and GNU time (/usr/bin/time, Debian package `time`).
#
#   bash crates/mamori-ingest/benches/compare.sh [WORKDIR]
set -euo pipefail
export MAMORI_LOG=warn
cd "$(dirname "$0")/../../.."
work="${1:-$(mktemp -d)}"
runs=5
cargo build --release -q -p mamori-cli -p mamori-ingest --examples --bin mamori
bin=target/release
[ -d "$work/workbooks" ] || "$bin/examples/bench_fixtures" workbooks "$work/workbooks" 1000
[ -d "$work/resends" ] || "$bin/examples/bench_fixtures" resends "$work/resends" 1000
[ -f "$work/ledger.xlsx" ] || "$bin/examples/bench_fixtures" ledger "$work/ledger.xlsx" 500000

best() { sort -n | head -1; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc -l; }

calamine=$(for _ in $(seq $runs); do seconds "$bin/examples/calamine_baseline" "$work/workbooks"; done | best)
mamori=$(for _ in $(seq $runs); do rm -rf "$work/store"; seconds "$bin/mamori" --db "$work/store/mamori.db" import "$work/workbooks"; done | best)
parse_only=$(for _ in $(seq $runs); do rm -rf "$work/none"; seconds "$bin/mamori" --db "$work/none/mamori.db" import --dry-run "$work/workbooks"; done | best)
printf '1,000 workbooks   bare calamine %.3f s   mamori read+check only (--dry-run, no store) %.3f s   ratio %.2f\n' "$calamine" "$parse_only" "$(echo "$parse_only / $calamine" | bc -l)"
printf '1,000 workbooks   bare calamine %.3f s   mamori import (fresh store) %.3f s   ratio %.2f\n' "$calamine" "$mamori" "$(echo "$mamori / $calamine" | bc -l)"
resends=$(for _ in $(seq $runs); do rm -rf "$work/store"; seconds "$bin/mamori" --db "$work/store/mamori.db" import "$work/resends"; done | best)
printf '1,000 workbooks from 8 bodies in turn (each replaces an earlier one)   mamori import %.3f s   ratio %.2f\n' "$resends" "$(echo "$resends / $calamine" | bc -l)"
if python3 -c 'import pandas, openpyxl' 2>/dev/null; then
  pandas=$(seconds python3 crates/mamori-ingest/benches/pandas_tally.py "$work/workbooks")
  printf '1,000 workbooks   pandas+openpyxl %.3f s   mamori is %.1fx faster\n' "$pandas" "$(echo "$pandas / $mamori" | bc -l)"
fi
# The floor under any importer that stores every figure with its cell: SQLite alone storing the
# same 30,000 rows (prepared statements, nothing parsed).
python3 crates/mamori-ingest/benches/sqlite_floor.py "$work"
ledger_calamine=$(for _ in $(seq 3); do seconds "$bin/examples/calamine_baseline" "$work/ledger.xlsx"; done | best)
ledger_mamori=$(for _ in $(seq 3); do rm -rf "$work/ledger-store"; seconds "$bin/mamori" --db "$work/ledger-store/mamori.db" import "$work/ledger.xlsx"; done | best)
rm -rf "$work/ledger-store"
/usr/bin/time -o "$work/rss" -f '%M' "$bin/mamori" --db "$work/ledger-store/mamori.db" import "$work/ledger.xlsx" >/dev/null 2>&1
rss=$(tail -1 "$work/rss")
/usr/bin/time -o "$work/rss" -f '%M' "$bin/examples/calamine_baseline" "$work/ledger.xlsx" >/dev/null 2>&1
rss_calamine=$(tail -1 "$work/rss")
printf '500,000-row ledger   bare calamine %.3f s (%d KiB peak)   mamori import %.3f s (%d KiB peak)\n' "$ledger_calamine" "$rss_calamine" "$ledger_mamori" "$rss"
