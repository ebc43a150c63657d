#!/bin/bash
# Data sharing with the bc defaults of 2026-12-05 (scaled inputs, mirror auto, embodiment auto), seed 0.
# Pools: /work/ds3 (50 expert pick_place episodes per robot for H1, GR1-T2, Apollo, T1, Qinglong; seed 0).
# One resumable piece per call; finished pieces are skipped. Usage: chain.sh OUT [python]
OUT=$1; PY=${2:-python}
cd "$(dirname "$0")/../../.."
mkdir -p $OUT
for p in booster_t1:5:a booster_t1:5:b booster_t1:20:a booster_t1:20:b \
         unitree_h1:5:a unitree_h1:5:b unitree_h1:20:a unitree_h1:20:b \
         booster_t1:10:a booster_t1:10:b unitree_h1:10:a unitree_h1:10:b \
         apptronik_apollo:5:a apptronik_apollo:5:b apptronik_apollo:10:a apptronik_apollo:10:b \
         apptronik_apollo:20:a apptronik_apollo:20:b \
         booster_t1:c unitree_h1:c apptronik_apollo:c; do
  s=$(date +%s); $PY scripts/data_sharing.py --out $OUT --pools /work/ds3 --piece $p >> $OUT/chain.log 2>&1
  echo "$(date +%T) $p rc=$? wall=$(( $(date +%s)-s ))s" >> $OUT/walls.txt
done
