#!/usr/bin/env bash
# Peer comparison: the M/M/c model of benches/peer/mmc.toml in ecsim and in
# SimPy (installed from PyPI into target/peer-venv). Prints events/s of both,
# the ratio, and the mean queueing delay of both against Erlang-C; exits 1
# when the delays disagree beyond 4 standard errors (see compare.py).
#
#   benches/peer/run.sh            # 3 timed runs of each (REPS=5 for more)
#   benches/peer/run.sh --stream   # then the 10 M-task streaming check (stream.sh)
#   KEEP=1 benches/peer/run.sh     # keep the results under target/peer/
#
# Takes about 1.5 minutes (2 more with --stream) on 2 cores; not part of .ci/run (it downloads SimPy).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
reps="${REPS:-3}"
simpy_version="4.1.2"
stream=0
for a in "$@"; do
    case "$a" in
        --stream) stream=1 ;;
        *) echo "usage: benches/peer/run.sh [--stream]" >&2; exit 2 ;;
    esac
done

target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/peer"
venv="$target/peer-venv"
ecsim="$target/release/ecsim"
scenario="$here/mmc.toml"

if [ ! -x /usr/bin/time ]; then
    echo "== installing GNU time (Debian package \"time\")"
    apt-get install -y -qq time >/dev/null
fi
echo "== building ecsim (release)"
cargo build --release --quiet

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

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%d)"
status=0
"$py" "$here/compare.py" "$work" "$scenario" || status=$?
# ~350 MB per run; KEEP=1 keeps them.
[ "${KEEP:-0}" = 1 ] || rm -rf "$work"/ecsim-run-*/

if [ "$stream" = 1 ]; then
    echo
    "$here/stream.sh" || status=$?
fi
exit "$status"
