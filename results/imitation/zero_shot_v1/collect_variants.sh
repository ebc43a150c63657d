#!/bin/bash
# expert pick_place demos on procedural variants of the four training robots (T1 held out)
cd /work/main
for k in $(seq 1 10); do for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do
  d=/work/ds/var/$r-m$k
  [ -f $d/meta/info.json ] && continue
  python -m humanoid_ground collect robot=$r-m$k task=pick_place policy=expert episodes=10 out=$d seed=$k workers=1 >> /work/ds/var/collect.log 2>&1
done; done
echo finished >> /work/ds/var/collect.log
