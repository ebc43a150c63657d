#!/bin/bash
# diffusion on the 4-vendor pick_place pools, prediction=sample, 15k steps; 20 evaluation episodes per robot + held-out T1
cd /work/wt18
PY=/work/venv18/bin/python
D=/work/ds3/pick_place/merge/data
R="robots=[unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong]"
log() { echo "$(date +%T) $*" >> /work/df2/walls.txt; }
s=$(date +%s)
[ -f /work/df2/full/final_model.zip ] || $PY -m humanoid_ground train algo=diffusion dataset=$D "$R" seed=0 hydra.run.dir=/work/df2/full eval.episodes=0 progress=false algo.params.inputs=scaled algo.params.embodiment=auto algo.params.prediction=sample algo.params.mirror=auto total_timesteps=15000 > /work/df2/full.train.log 2>&1
log "train rc=$? wall=$(( $(date +%s)-s ))s"
for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong booster_t1; do
  s=$(date +%s)
  [ -f /work/df2/full/eval_$r/eval.json ] || $PY -m humanoid_ground eval checkpoint=/work/df2/full/final_model.zip robot=$r episodes=20 out=/work/df2/full/eval_$r > /work/df2/full.eval_$r.log 2>&1
  log "eval $r rc=$? wall=$(( $(date +%s)-s ))s $($PY -c "import json; print(json.load(open('/work/df2/full/eval_$r/eval.json'))['summary']['success_rate'])")"
done
