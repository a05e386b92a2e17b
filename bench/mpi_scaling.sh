#!/bin/sh
# Per-rank scaling of `fleetplan sweep` under MPI: one Monte Carlo sweep of bytedance-2026
# (the bench_sweep parameters) run by 1, 2, ... ranks of one thread each on this machine,
# and for each: wall time, samples per second, speed-up over one rank and efficiency
# (speed-up / ranks), plus whether rank 0 wrote the same CSV bytes as one rank.
# Usage: bench/mpi_scaling.sh FLEETPLAN [SAMPLES [RANKS...]]   (default 100 samples, 1 2)
# Ranks beyond the cores share them (--oversubscribe): on a 2-core machine only 1 and 2
# ranks say anything about scaling, and other load on the machine lowers the efficiency.
set -eu
fleetplan=$1
samples=${2:-100}
shift $(($# >= 2 ? 2 : 1))
ranks=${*:-1 2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-5s %9s %10s %8s %10s %s\n' ranks wall_s samples/s speedup efficiency csv
base=""
for np in $ranks; do
  start=$(date +%s.%N)
  mpirun --oversubscribe --allow-run-as-root -np "$np" "$fleetplan" sweep bytedance-2026 \
    --samples "$samples" --seed 2026 --jobs 1 \
    --vary 'periods[2026].exchange_rates.CNY=normal(6.96,0.15)' \
    --vary 'procurement[H200-SXM,buy].unit_price=triangular(15000 USD,20000 USD,30000 USD)' \
    --vary 'procurement[Ascend-910B,buy].unit_price=triangular(10000 USD,12000 USD,15000 USD)' \
    --vary 'periods[2026].demand[doubao-chat].daily_active_share=triangular(0.25,0.35,0.45)' \
    --vary 'perf.error=normal(1,0.1)' --csv "$out/np$np.csv" >/dev/null
  wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
  if [ -z "$base" ]; then
    base=$wall
    first=$np
  fi
  same=$(cmp -s "$out/np$first.csv" "$out/np$np.csv" && echo same || echo DIFFERENT)
  awk -v np="$np" -v wall="$wall" -v base="$base" -v first="$first" -v n="$samples" -v same="$same" \
    'BEGIN { s = base * first / wall; printf "%-5d %9.2f %10.1f %8.2f %9.0f%% %s\n", np, wall, n / wall, s / first, 100 * s / np, same }'
done
