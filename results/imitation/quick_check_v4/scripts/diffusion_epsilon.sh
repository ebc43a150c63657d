#!/bin/bash
# pick_place imitation on the 4-vendor pools (/work/ds3: 50 expert episodes each of H1, GR1-T2, Apollo, Qinglong, seed 0):
# diffusion (defaults + overrides given below) and bc (defaults), each evaluated over 50 episodes per robot + held-out T1
cd /work/main
D=/work/ds3/pick_place/merge/data
R="robots=[unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong]"
HG="python -m humanoid_ground"
log() { echo "$(date +%T) $*" >> /work/df1/walls.txt; }
step() { local n=$1; shift; [ -e /work/df1/done_$n ] && return; local s=$(date +%s); "$@" > /work/df1/log_$n.txt 2>&1; local rc=$?; log "$n rc=$rc wall=$(( $(date +%s)-s ))s"; [ $rc -eq 0 ] && touch /work/df1/done_$n; }
name=$1; shift
step train_$name $HG train dataset=$D "$R" seed=0 hydra.run.dir=/work/df1/$name eval.episodes=0 progress=false "$@"
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong booster_t1; do
  step ev_${name}_$r $HG eval checkpoint=/work/df1/$name/final_model.zip robot=$r episodes=50 out=/work/df1/$name/eval_$r
done
log "$name finished"
