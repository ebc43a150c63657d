#!/bin/bash
# data-sharing v2: pools with the current expert; bc defaults (inputs=scaled); zero-shot pieces first
cd /work/main
for p in collect:unitree_h1 collect:fourier_gr1t2 collect:apptronik_apollo collect:booster_t1 collect:openloong_qinglong merge \
         fourier_gr1t2:c unitree_h1:c booster_t1:c apptronik_apollo:c; do
  s=$(date +%s); python scripts/data_sharing.py --out /work/ds3 --piece $p >> /work/ds3/log.txt 2>&1; echo "$(date +%T) $p rc=$? wall=$(( $(date +%s)-s ))s" >> /work/ds3/walls.txt
done
