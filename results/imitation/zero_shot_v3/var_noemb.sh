#!/bin/bash
# zero-shot on booster_t1: the 4 pools + 20 procedural variants (zero_shot_v1/scaled_var), bc defaults (descriptor out)
cd /work/main
R="unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong,apptronik_apollo-m1,apptronik_apollo-m2,apptronik_apollo-m3,apptronik_apollo-m4,apptronik_apollo-m5,fourier_gr1t2-m1,fourier_gr1t2-m2,fourier_gr1t2-m3,fourier_gr1t2-m4,fourier_gr1t2-m5,openloong_qinglong-m1,openloong_qinglong-m2,openloong_qinglong-m3,openloong_qinglong-m4,openloong_qinglong-m5,unitree_h1-m1,unitree_h1-m2,unitree_h1-m3,unitree_h1-m4,unitree_h1-m5"
name=var_noemb; out=/work/zs3/$name; mkdir -p $out
s=$(date +%s)
[ -f $out/run/summary.json ] || python -m humanoid_ground train algo=bc dataset=/work/ds/pools_var task=pick_place "robots=[$R]" seed=0 hydra.run.dir=$out/run eval.episodes=0 progress=false "$@" > $out/train.log 2>&1
echo "$name train wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
s=$(date +%s)
[ -f $out/eval50_booster_t1/eval.json ] || python -m humanoid_ground eval checkpoint=$out/run/final_model.zip robot=booster_t1 episodes=50 out=$out/eval50_booster_t1 > $out/eval50_booster_t1.log 2>&1
echo "$name eval wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
echo "$name booster_t1 $(python -c "import json;print(json.load(open('$out/eval50_booster_t1/eval.json'))['summary']['success_rate'])")" >> /work/zs3/results.txt
