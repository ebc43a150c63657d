#!/bin/bash
# DAgger pipeline for pick_place BC (issue 16). Each step is skipped when its output exists.
cd /work/bc
export PYTHONPATH=/work/runpkg
HG="/work/venv/bin/python -m humanoid_ground"
log() { echo "$(date +%T) $*" >> /work/bc/walls.txt; }
step() { # name, command...
  local n=$1; shift
  if [ -e /work/bc/done_$n ]; then return; fi
  local s=$(date +%s); "$@" > /work/bc/log_$n.txt 2>&1; local rc=$?
  log "$n rc=$rc wall=$(( $(date +%s)-s ))s"
  [ $rc -eq 0 ] && touch /work/bc/done_$n
}
ROBOTS="unitree_h1 fourier_gr1t2 apptronik_apollo"
for r in $ROBOTS; do step q_$r $HG collect robot=$r task=pick_place policy=expert episodes=40 out=data/q_$r; done
step merge_q $HG data merge data/q_unitree_h1 data/q_fourier_gr1t2 data/q_apptronik_apollo --out data/q_merged
step bc0 $HG train algo=bc dataset=data/q_merged hydra.run.dir=runs/bc0
prev=runs/bc0; merged=data/q_merged
for k in 1 2; do
  parts=""
  for r in $ROBOTS; do
    step d${k}_$r $HG collect robot=$r task=pick_place policy=expert executor=$prev/best_model.zip executor_beta=0.3 episodes=40 seed=${k}000 out=data/d${k}_$r
    parts="$parts data/d${k}_$r"
  done
  step merge_d$k $HG data merge $merged $parts --out data/m$k
  step bc$k $HG train algo=bc dataset=data/m$k hydra.run.dir=runs/bc$k
  for r in $ROBOTS booster_t1; do
    step eval${k}_$r $HG eval checkpoint=runs/bc$k/best_model.zip robot=$r episodes=20 out=runs/bc$k/eval_$r
  done
  prev=runs/bc$k; merged=data/m$k
done
for r in $ROBOTS booster_t1; do step eval0_$r $HG eval checkpoint=runs/bc0/best_model.zip robot=$r episodes=20 out=runs/bc0/eval_$r; done
log finished
