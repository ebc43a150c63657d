#!/bin/bash
# data sharing k = 5 and 20 (a, b) for three targets from three vendors, current bc defaults; pools /work/ds3 (50 expert pick_place episodes per robot, seed 0)
cd /work/main
for p in apptronik_apollo:5:a apptronik_apollo:5:b apptronik_apollo:20:a apptronik_apollo:20:b \
         booster_t1:5:a booster_t1:5:b booster_t1:20:a booster_t1:20:b \
         unitree_h1:5:a unitree_h1:5:b unitree_h1:20:a unitree_h1:20:b; do
  s=$(date +%s); python scripts/data_sharing.py --out /work/ds4 --pools /work/ds3 --piece $p >> /work/ds4/chain.log 2>&1
  echo "$(date +%T) $p rc=$? wall=$(( $(date +%s)-s ))s" >> /work/ds4/walls.txt
done
