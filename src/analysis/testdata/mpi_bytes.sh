#!/bin/sh
# The MPI test: one Monte Carlo sweep run as a plain process and under mpirun with 1, 2 and
# 4 local ranks (more ranks than cores: --oversubscribe; CI runs as root:
# --allow-run-as-root). Rank 0 must write the same CSV, JSON and HTML bytes every time.
# Usage: mpi_bytes.sh FLEETPLAN SCENARIO OUTDIR
set -eu
fleetplan=$1
scenario=$2
out=$3
mkdir -p "$out"
# sweep LAUNCHER ARGS...: the sweep under LAUNCHER ("" for none) with ARGS added.
sweep() {
  launcher=$1
  shift
  $launcher "$fleetplan" sweep "$scenario" --samples 12 --seed 9 --jobs 1 "$@" \
    --vary 'periods[2026].demand[chat].tokens_per_day=uniform(1e12,3e12)' \
    --vary 'perf.error=normal(1,0.1)' --vary 'periods[2026].budget=uniform(50 M USD,150 M USD)'
}
sweep "" --csv "$out/single.csv" --html "$out/single.html" --json >"$out/single.json"
for np in 1 2 4; do
  sweep "mpirun --oversubscribe --allow-run-as-root -np $np" --csv "$out/np$np.csv" --html "$out/np$np.html" --json >"$out/np$np.json"
  for ext in csv json html; do
    cmp "$out/single.$ext" "$out/np$np.$ext"
  done
  echo "np $np: CSV, JSON and HTML identical to the single-process run"
done
test "$(wc -l <"$out/single.csv")" -eq 13
