#!/bin/bash
# data-sharing pieces with the state-based-rise expert (snapshot /work/run5), after the bc4 pipeline
cd /work/ds2
export PYTHONPATH=/work/runpkg5
PY=/work/venv/bin/python
# (bc4 pipeline finished)
for p in collect:unitree_h1 collect:fourier_gr1t2 collect:apptronik_apollo collect:booster_t1 collect:openloong_qinglong merge \
         apptronik_apollo:10:a apptronik_apollo:10:b booster_t1:10:a booster_t1:10:b unitree_h1:10:a unitree_h1:10:b \
         fourier_gr1t2:c booster_t1:c apptronik_apollo:c fourier_gr1t2:10:a fourier_gr1t2:10:b; do
  s=$(date +%s); $PY /work/run5/scripts/data_sharing.py --out /work/ds2 --piece $p >> /work/ds2/log.txt 2>&1; echo "$(date +%T) $p rc=$? wall=$(( $(date +%s)-s ))s" >> /work/ds2/walls.txt
done
