#!/bin/bash
# peg_insert (1 mm clearance) imitation: 50 expert episodes each of H1, GR1-T2, Apollo, Qinglong (seed 0), merged;
# bc with its defaults; 50 evaluation episodes per robot + held-out T1. Waits for /work/df1 to finish first.
cd /work/main
while pgrep -f "df1/pipeline.sh" > /dev/null; do sleep 20; done
HG="python -m humanoid_ground"
log() { echo "$(date +%T) $*" >> /work/peg1/walls.txt; }
step() { local n=$1; shift; [ -e /work/peg1/done_$n ] && return; local s=$(date +%s); "$@" > /work/peg1/log_$n.txt 2>&1; local rc=$?; log "$n rc=$rc wall=$(( $(date +%s)-s ))s"; [ $rc -eq 0 ] && touch /work/peg1/done_$n; }
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do
  step c_$r $HG collect robot=$r task=peg_insert policy=expert episodes=50 out=/work/peg1/data/$r seed=0 resume=true
done
step merge $HG data merge /work/peg1/data/unitree_h1 /work/peg1/data/fourier_gr1t2 /work/peg1/data/apptronik_apollo /work/peg1/data/openloong_qinglong --out /work/peg1/data/merged4
step train_bc $HG train algo=bc dataset=/work/peg1/data/merged4 seed=0 hydra.run.dir=/work/peg1/bc eval.episodes=0 progress=false "$@"
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong booster_t1; do
  step ev_bc_$r $HG eval checkpoint=/work/peg1/bc/final_model.zip robot=$r episodes=50 out=/work/peg1/bc/eval_$r
done
log finished
