#!/bin/bash
# The README quick check of #16, literally: collect 40 expert pick_place episodes on each of three robots,
# merge, train bc with no other keys, evaluate 20 episodes on each and on the held-out booster_t1.
# Resumable: finished steps are skipped. Usage: quick_check.sh DIR [python]
set -u
D=$1; PY=${2:-python}
HG="$PY -m humanoid_ground"
mkdir -p $D; cd $D
log() { echo "$(date +%T) $*" >> walls.txt; }
step() { local n=$1; shift; [ -e done_$n ] && return; local s=$(date +%s); "$@" > log_$n.txt 2>&1; local rc=$?; log "$n rc=$rc wall=$(( $(date +%s)-s ))s"; [ $rc -eq 0 ] && touch done_$n; }
for r in unitree_h1 fourier_gr1t2 apptronik_apollo; do
  step collect_$r $HG collect robot=$r task=pick_place policy=expert episodes=40 out=data/q_$r
done
step merge $HG data merge data/q_unitree_h1 data/q_fourier_gr1t2 data/q_apptronik_apollo --out data/q_merged
step train $HG train algo=bc dataset=data/q_merged
RUN=$(ls -d runs/*_s0 | tail -1)
for r in unitree_h1 fourier_gr1t2 apptronik_apollo booster_t1; do
  step eval_$r $HG eval checkpoint=$RUN robot=$r episodes=20 out=eval_$r
done
for r in unitree_h1 fourier_gr1t2 apptronik_apollo booster_t1; do
  echo "$r $($PY -c "import json; s=json.load(open('eval_$r/eval.json'))['summary']; print(s['success_rate'], [round(x, 2) for x in s['success_ci95']])" 2>/dev/null)"
done > results.txt
log finished
