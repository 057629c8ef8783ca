#!/usr/bin/env bash
# Streaming check: benches/peer/stream.toml (~10 M short jobs in a simulated
# day) and the same scenario cut to 144 minutes (~1 M tasks), each run under
# /usr/bin/time -v. tasks.csv is written as tasks stop, so peak RSS must stay
# flat: exits 1 when the 10 M run's peak RSS is more than 1.5x the 1 M run's,
# or when its tasks.csv has fewer than 10,000,000 rows.
#
#   benches/peer/stream.sh          # ~30 s; writes ~1.9 GB under target/peer/, deleted at the end
#   KEEP=1 benches/peer/stream.sh   # keep the results
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/peer"
ecsim="$target/release/ecsim"

if [ ! -x /usr/bin/time ]; then
    echo "== installing GNU time (Debian package \"time\")"
    apt-get install -y -qq time >/dev/null
fi
cargo build --release --quiet
mkdir -p "$work"

# The 1 M variant: the same scenario over 144 minutes instead of a day.
sed 's/^duration = "1d"$/duration = "144m"/' "$here/stream.toml" >"$work/stream-1m.toml"
grep -q '^duration = "144m"$' "$work/stream-1m.toml" ||
    { echo "error: $here/stream.toml: expected the line duration = \"1d\"" >&2; exit 1; }

run() { # name scenario
    local out="$work/stream-$1"
    /usr/bin/time -v -o "$out.time" "$ecsim" run "$2" --out "$out" --quiet
    local rss wall rows started
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out.time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out.time")
    rows=$(($(wc -l <"$out/tasks.csv") - 1))
    started=$(sed -n 's/^  "tasks_started": \([0-9]*\),$/\1/p' "$out/summary.json")
    local size
    size=$(du -m "$out/tasks.csv" | cut -f1)
    printf '| %s | %s | %s | %s MB | %s | %s |\n' "$1" "$started" "$rows" "$size" "$rss" "$wall"
    echo "$rss" >"$out.rss"
    echo "$rows" >"$out.rows"
}

echo "== streaming check"
echo
echo "| run | tasks started | tasks.csv rows | tasks.csv size | peak RSS (kB) | wall (m:ss) |"
echo "|---|---|---|---|---|---|"
run 1m "$work/stream-1m.toml"
run 10m "$here/stream.toml"

rss1=$(cat "$work/stream-1m.rss")
rss10=$(cat "$work/stream-10m.rss")
rows10=$(cat "$work/stream-10m.rows")
[ "${KEEP:-0}" = 1 ] || rm -rf "$work/stream-1m" "$work/stream-10m"
echo
status=0
if [ "$rows10" -lt 10000000 ]; then
    echo "FAIL: the 10 M run wrote $rows10 task rows, fewer than 10,000,000"
    status=1
fi
if [ $((rss10 * 2)) -gt $((rss1 * 3)) ]; then
    echo "FAIL: peak RSS grew from $rss1 kB (1 M tasks) to $rss10 kB (10 M tasks): something is kept per task"
    status=1
fi
[ "$status" = 0 ] && echo "streaming ok: peak RSS $rss1 kB at ~1 M tasks, $rss10 kB at ~10 M tasks; $rows10 rows in tasks.csv"
exit "$status"
