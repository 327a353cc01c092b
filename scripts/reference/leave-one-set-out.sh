#!/bin/sh
# Trains and scores the reference recipe (siamese_unet.py) on every leave-one-set-out fold at
# the given seeds, all at once (one process each, sharing the GPU), and gathers each fold's
# JSON line into OUT/results.jsonl and the ends of the logs into OUT/logs.txt.
#   scripts/reference/leave-one-set-out.sh DATA OUT SECONDS SEED...
set -eu
data=$1 out=$2 seconds=$3
shift 3
work=$(mktemp -d)
export OMP_NUM_THREADS=${THREADS:-2} PYTHONUNBUFFERED=1
for seed in "$@"; do
  for fold in levir dsifn airchange-szada levir-test; do
    python3 "$(dirname "$0")/siamese_unet.py" --data "$data" --left-out "$fold" --seed "$seed" \
      --steps 5000 --max-seconds "$seconds" --json-out "$work/$fold-$seed.json" \
      >"$work/$fold-$seed.log" 2>&1 &
  done
done
wait
cat "$work"/*.json >"$out/results.jsonl" || true
tail -n 4 "$work"/*.log >"$out/logs.txt"
cat "$out/logs.txt"
