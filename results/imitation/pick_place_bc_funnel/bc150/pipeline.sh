#!/bin/bash
# bigger pool: 150 expert episodes per training robot (seed 0; resume extends the 50 already collected)
cd /work/bc3
export PYTHONPATH=/work/runpkg4
HG="/work/venv/bin/python -m humanoid_ground"
log() { echo "$(date +%T) $*" >> /work/bc3/walls.txt; }
step() { local n=$1; shift; [ -e /work/bc3/done_$n ] && return; local s=$(date +%s); "$@" > /work/bc3/log_$n.txt 2>&1; local rc=$?; log "$n rc=$rc wall=$(( $(date +%s)-s ))s"; [ $rc -eq 0 ] && touch /work/bc3/done_$n; }
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do
  step c_$r $HG collect robot=$r task=pick_place policy=expert episodes=150 out=/work/bc3/data/$r seed=0 resume=true
done
step merge $HG data merge data/unitree_h1 data/fourier_gr1t2 data/apptronik_apollo data/openloong_qinglong --out data/merged4
step bc150 $HG train algo=bc dataset=data/merged4 seed=0 hydra.run.dir=runs/bc150 eval.episodes=0
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong booster_t1; do
  step ev_$r $HG eval checkpoint=runs/bc150/final_model.zip robot=$r episodes=50 out=runs/bc150/eval_$r
done
log finished
