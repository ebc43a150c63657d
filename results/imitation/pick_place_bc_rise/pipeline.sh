#!/bin/bash
# 150 expert episodes per training robot with the state-based rise (seed 0)
cd /work/bc4
export PYTHONPATH=/work/runpkg5
HG="/work/venv/bin/python -m humanoid_ground"
log() { echo "$(date +%T) $*" >> /work/bc4/walls.txt; }
step() { local n=$1; shift; [ -e /work/bc4/done_$n ] && return; local s=$(date +%s); "$@" > /work/bc4/log_$n.txt 2>&1; local rc=$?; log "$n rc=$rc wall=$(( $(date +%s)-s ))s"; [ $rc -eq 0 ] && touch /work/bc4/done_$n; }
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do
  step c_$r $HG collect robot=$r task=pick_place policy=expert episodes=150 out=/work/bc4/data/$r seed=0 resume=true
done
step merge $HG data merge data/unitree_h1 data/fourier_gr1t2 data/apptronik_apollo data/openloong_qinglong --out data/merged4
step bc150r $HG train algo=bc dataset=data/merged4 seed=0 hydra.run.dir=runs/bc150r eval.episodes=0
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong booster_t1; do
  step ev_$r $HG eval checkpoint=runs/bc150r/final_model.zip robot=$r episodes=50 out=runs/bc150r/eval_$r
done
log finished
