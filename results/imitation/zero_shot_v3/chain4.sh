#!/bin/bash
# data sharing at k = 5 and 20 on apptronik_apollo (pools: /work/ds3, 50 expert episodes per robot, seed 0), bc defaults
cd /work/main
while pgrep -f "chain3.sh" > /dev/null; do sleep 15; done
for p in apptronik_apollo:5:a apptronik_apollo:5:b apptronik_apollo:20:a apptronik_apollo:20:b; do
  s=$(date +%s); python scripts/data_sharing.py --out /work/ds4 --pools /work/ds3 --piece $p >> /work/zs3/ds4.log 2>&1
  echo "$(date +%T) $p rc=$? wall=$(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
done
