#!/usr/bin/env bash
# Peer comparison: the M/M/c model of benches/peer/mmc.toml in ecsim, in
# SimPy (installed from PyPI into target/peer-venv), on simcore 0.1 and as a
# bare BinaryHeap loop (benches/peer/simcore/, a crate of its own built from
# crates.io). Prints events/s, every ratio of issue 32's table, and the mean
# queueing delay of ecsim and SimPy against Erlang-C; exits 1 when the
# delays disagree beyond 4 standard errors (see compare.py).
#
# Beside the M/M/c: a year of scenarios/large.toml as `run --format parquet`
# (time, output size), scenarios/region-scale.toml `run`, and callgrind
# instruction counts of `price` on quickstart, large and the M/M/c cut to
# 27 days (instruction counts do not drift with the machine's load).
#
#   benches/peer/run.sh            # 3 timed runs of each (REPS=5 for more)
#   benches/peer/run.sh --quick    # the M/M/c peers only (no large/region/callgrind)
#   benches/peer/run.sh --stream   # then the 10 M-task streaming check (stream.sh)
#   KEEP=1 benches/peer/run.sh     # keep the results under target/peer/
#
# Takes about 8 minutes on 2 cores (1.5 with --quick, 2 more with
# --stream); not part of .ci/run (it downloads SimPy and simcore).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
reps="${REPS:-3}"
simpy_version="4.1.2"
stream=0
quick=0
for a in "$@"; do
    case "$a" in
        --stream) stream=1 ;;
        --quick) quick=1 ;;
        *) echo "usage: benches/peer/run.sh [--quick] [--stream]" >&2; exit 2 ;;
    esac
done

target="${CARGO_TARGET_DIR:-$root/target}"
work="${PEER_WORK:-$target/peer}"
venv="$target/peer-venv"
# ECSIM=path measures another build (e.g. a copy of an earlier commit's).
ecsim="${ECSIM:-$target/release/ecsim}"
scenario="$here/mmc.toml"

if [ ! -x /usr/bin/time ]; then
    echo "== installing GNU time (Debian package \"time\")"
    apt-get install -y -qq time >/dev/null
fi
echo "== building ecsim (release) and the Rust peers"
[ -n "${ECSIM:-}" ] || cargo build --release --quiet
CARGO_TARGET_DIR="$target/peer-crate" cargo build --release --quiet \
    --manifest-path "$here/simcore/Cargo.toml"
peers="$target/peer-crate/release"

if ! "$venv/bin/python" -c "import simpy" 2>/dev/null ||
    [ "$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("simpy"))')" != "$simpy_version" ]; then
    echo "== creating $venv and installing simpy==$simpy_version from PyPI"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "simpy==$simpy_version"
fi
py="$venv/bin/python"

rm -rf "$work"
mkdir -p "$work"

now() { echo "$EPOCHREALTIME"; }
elapsed() { "$py" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.6f}')" "$1" "$2"; }

echo "== ecsim run x $reps (writes every output file; tasks.csv has a row per task)"
for i in $(seq 1 "$reps"); do
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$work/ecsim-run-$i.cpu" "$ecsim" run "$scenario" --out "$work/ecsim-run-$i" --quiet
    t1=$(now)
    elapsed "$t0" "$t1" >"$work/ecsim-run-$i.wall"
    echo "   run $i: $(cat "$work/ecsim-run-$i.wall") s"
done
# Determinism on the way: every run wrote the same tasks.csv.
for i in $(seq 2 "$reps"); do
    cmp -s "$work/ecsim-run-1/tasks.csv" "$work/ecsim-run-$i/tasks.csv" ||
        { echo "error: tasks.csv of run $i differs from run 1 (same scenario and seed)" >&2; exit 1; }
done

echo "== ecsim price x $reps (simulates and bills; writes no files)"
for i in $(seq 1 "$reps"); do
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$work/ecsim-price-$i.cpu" "$ecsim" price "$scenario" --format json >/dev/null
    t1=$(now)
    elapsed "$t0" "$t1" >"$work/ecsim-price-$i.wall"
    echo "   run $i: $(cat "$work/ecsim-price-$i.wall") s"
done

echo "== SimPy x $reps"
for i in $(seq 1 "$reps"); do
    extra=()
    [ "$i" = 1 ] && extra=(--delays "$work/simpy-1.f64")
    "$py" "$here/mmc_simpy.py" "$scenario" --seed "$i" --json "$work/simpy-$i.json" "${extra[@]}"
    echo "   run $i: $("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sim_loop_wall_s"])' "$work/simpy-$i.json") s"
done

# The Rust peers get the model's parameters from the scenario, as SimPy does.
read -r lam mu c horizon < <("$py" -c 'import sys; sys.path.insert(0, sys.argv[1])
from mmc_simpy import params; print(*params(sys.argv[2]))' "$here" "$scenario")
for peer in simcore heap; do
    echo "== mmc_$peer x $reps"
    for i in $(seq 1 "$reps"); do
        t0=$(now)
        "$peers/mmc_$peer" "$lam" "$mu" "$c" "$horizon" "$i" >"$work/$peer-$i.json"
        t1=$(now)
        elapsed "$t0" "$t1" >"$work/$peer-$i.wall"
        echo "   run $i: $(cat "$work/$peer-$i.wall") s"
    done
done

extra="$work/extra.tsv"
: >"$extra"
if [ "$quick" = 0 ]; then
    echo "== a year of scenarios/large.toml, run --format parquet"
    sed 's/^duration = "7d"$/duration = "365d"/' scenarios/large.toml >"$work/large-year.toml"
    grep -q '^duration = "365d"$' "$work/large-year.toml" ||
        { echo "error: scenarios/large.toml: expected the line duration = \"7d\"" >&2; exit 1; }
    t0=$(now)
    "$ecsim" run "$work/large-year.toml" --format parquet --out "$work/large-year" --quiet
    t1=$(now)
    printf 'large_year_parquet_s\t%s\n' "$(elapsed "$t0" "$t1")" >>"$extra"
    printf 'large_year_parquet_bytes\t%s\n' "$(du -sb "$work/large-year" | cut -f1)" >>"$extra"
    rm -rf "$work/large-year"
    echo "== scenarios/region-scale.toml run"
    t0=$(now)
    "$ecsim" run scenarios/region-scale.toml --out "$work/region" --quiet
    t1=$(now)
    printf 'region_scale_run_s\t%s\n' "$(elapsed "$t0" "$t1")" >>"$extra"
    rm -rf "$work/region"
    if command -v valgrind >/dev/null; then
        echo "== callgrind: price on quickstart, large, M/M/c (27 days)"
        sed 's/^duration = "272d"$/duration = "27d"/' "$scenario" >"$work/mmc-27d.toml"
        for s in scenarios/quickstart.toml scenarios/large.toml "$work/mmc-27d.toml"; do
            name=$(basename "$s" .toml)
            valgrind --tool=callgrind --callgrind-out-file="$work/cg-$name.out" \
                "$ecsim" price "$s" --format json >/dev/null 2>"$work/cg-$name.log"
            ir=$(sed -n 's/^summary: //p' "$work/cg-$name.out")
            printf 'callgrind_price_%s\t%s\n' "$name" "$ir" >>"$extra"
        done
    else
        echo "(valgrind not installed: no instruction counts)"
    fi
fi

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%d)"
status=0
"$py" "$here/compare.py" "$work" "$scenario" || status=$?
# ~350 MB per run; KEEP=1 keeps them.
[ "${KEEP:-0}" = 1 ] || rm -rf "$work"/ecsim-run-*/ "$work"/cg-*.out

if [ "$stream" = 1 ]; then
    echo
    "$here/stream.sh" || status=$?
fi
exit "$status"
