#!/bin/bash
# zero-shot on booster_t1 with procedural variants (descriptor in), fresh data with the current code
cd /work/main
while pgrep -f "quick.sh q_noise05" > /dev/null; do sleep 10; done
s=$(date +%s)
out=/work/zs3/old_var_ckpt_eval50_booster_t1
[ -f $out/eval.json ] || python -m humanoid_ground eval checkpoint=/work/zs/scaled_var/run/final_model.zip robot=booster_t1 episodes=50 out=$out > $out.log 2>&1
echo "old_var_ckpt booster_t1 $(python -c "import json;print(json.load(open('$out/eval.json'))['summary']['success_rate'])")" >> /work/zs3/results.txt
echo "old_var eval wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
s=$(date +%s)
for k in $(seq 1 10); do for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do
  d=/work/zs3/var/$r-m$k
  [ -f $d/meta/info.json ] && continue
  python -m humanoid_ground collect robot=$r-m$k task=pick_place policy=expert episodes=10 out=$d seed=$k workers=1 >> /work/zs3/var_collect.log 2>&1
done; done
echo "collect variants wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
P=/work/ds3/pick_place
[ -f /work/zs3/pools_var10/meta/info.json ] || python -m humanoid_ground data merge $P/collect_unitree_h1/data $P/collect_fourier_gr1t2/data $P/collect_apptronik_apollo/data $P/collect_openloong_qinglong/data /work/zs3/var/* --out /work/zs3/pools_var10 >> /work/zs3/var_collect.log 2>&1
for nv in 10 5; do
  R="unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong"
  for k in $(seq 1 $nv); do for r in unitree_h1 fourier_gr1t2 apptronik_apollo openloong_qinglong; do R="$R,$r-m$k"; done; done
  name=var${nv}_emb; out=/work/zs3/$name; mkdir -p $out
  s=$(date +%s)
  [ -f $out/run/summary.json ] || python -m humanoid_ground train algo=bc dataset=/work/zs3/pools_var10 task=pick_place "robots=[$R]" seed=0 hydra.run.dir=$out/run eval.episodes=0 progress=false algo.params.embodiment=true > $out/train.log 2>&1
  echo "$name train wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
  s=$(date +%s)
  [ -f $out/eval50_booster_t1/eval.json ] || python -m humanoid_ground eval checkpoint=$out/run/final_model.zip robot=booster_t1 episodes=50 out=$out/eval50_booster_t1 > $out/eval50_booster_t1.log 2>&1
  echo "$name eval wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
  echo "$name booster_t1 $(python -c "import json;print(json.load(open('$out/eval50_booster_t1/eval.json'))['summary']['success_rate'])")" >> /work/zs3/results.txt
done
