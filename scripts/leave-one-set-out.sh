#!/usr/bin/env bash
# Leave-one-set-out figures of a training recipe, as detect's model card reports them: for each
# labelled set of the shared data, a network trained without it (one thread) and evaluated on
# it. LEVIR's 7 `test_` pairs are also left out on their own: that network trains on the other
# 4 LEVIR pairs, dsifn and airchange-szada.
#
#   scripts/leave-one-set-out.sh [-s SEED] [-n STEPS] [-j JOBS] [-o DIR] [-- TRAIN OPTION...]
#
# -s the seed (1), -n training steps (6000, the shipped recipe's), -j trainings at once (2),
# -o where weights and results go (target/leave-one-set-out/seed-SEED); options after `--` go to
# every `sitewatch train` (e.g. `-- --building-head`). SITEWATCH names the binary
# (target/release/sitewatch), SITEWATCH_DATA the shared data (../shared/data).
set -euo pipefail

seed=1 steps=6000 jobs=2 out=
while getopts s:n:j:o: option; do
  case $option in
    s) seed=$OPTARG ;;
    n) steps=$OPTARG ;;
    j) jobs=$OPTARG ;;
    o) out=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
recipe=("$@")
out=${out:-target/leave-one-set-out/seed-$seed}
bin=${SITEWATCH:-target/release/sitewatch}
data=${SITEWATCH_DATA:-../shared/data}
pairs=$data/changepairs
if [ ! -x "$bin" ]; then
  echo "error: $bin is not there: build it (cargo build --release) or name it in SITEWATCH" >&2
  exit 1
fi
if [ ! -d "$pairs" ]; then
  echo "error: $pairs is missing: name the shared data folder in SITEWATCH_DATA" >&2
  exit 1
fi
mkdir -p "$out"

# LEVIR's pairs split by file name into two sets, linked rather than copied.
split=$out/levir-split
for d in A B label; do
  mkdir -p "$split/levir-test/$d" "$split/levir-train/$d"
  for file in "$pairs/levir/$d"/*.png; do
    case $(basename "$file") in
      test_*) part=levir-test ;;
      *) part=levir-train ;;
    esac
    ln -sf "$(realpath "$file")" "$split/$part/$d/"
  done
done

# Trains without one set and evaluates on it; each step's JSON output is kept.
leave_out() {
  local set=$1 evaluated train
  if [ "$set" = levir-test ]; then
    train=("$split" "$pairs/dsifn" "$pairs/airchange-szada")
    evaluated=$split/levir-test
  else
    train=("$pairs")
    evaluated=$pairs/$set
  fi
  RAYON_NUM_THREADS=1 "$bin" train --data "${train[@]}" --exclude "$set" \
    --buildings "$data/joplin/pre" --footprints "$data/joplin/footprints-2020.geojson" \
    --seed "$seed" --steps "$steps" "${recipe[@]}" -o "$out/without-$set.bpk" --json \
    >"$out/without-$set.train.json"
  RAYON_NUM_THREADS=1 "$bin" eval "$evaluated" --method net --weights "$out/without-$set.bpk" \
    --json >"$out/without-$set.eval.json"
}

sets=(levir dsifn airchange-szada levir-test)
running=0 failed=0
for set in "${sets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  leave_out "$set" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || { echo "error: a training or evaluation failed (see $out)" >&2; exit 1; }

# The first value of a top-level key of a pretty-printed JSON file.
value() { sed -n "s/^  \"$2\": \([^,]*\),*$/\1/p" "$1" | head -n 1; }
printf 'left-out set\tF1\tprecision\trecall\ttraining s\n' | tee "$out/results.tsv"
for set in "${sets[@]}"; do
  evaluation=$out/without-$set.eval.json
  printf '%s\t%.3f\t%.3f\t%.3f\t%.0f\n' "$set" "$(value "$evaluation" f1)" \
    "$(value "$evaluation" precision)" "$(value "$evaluation" recall)" \
    "$(value "$out/without-$set.train.json" seconds)"
done | tee -a "$out/results.tsv"
