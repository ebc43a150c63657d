#!/bin/bash
# re-evaluate earlier zero-shot checkpoints on booster_t1 as its scene is now (after the clearance change)
cd /work/main
while pgrep -f "chain2.sh" > /dev/null; do sleep 15; done
ev() {  # name checkpoint episodes
  out=/work/zs3/re_$1; s=$(date +%s)
  [ -f $out/eval.json ] || python -m humanoid_ground eval checkpoint=$2 robot=booster_t1 episodes=$3 out=$out > $out.log 2>&1
  echo "re_$1 eval wall $(( $(date +%s)-s ))s" >> /work/zs3/walls.txt
  echo "re_$1 booster_t1 $(python -c "import json;print(json.load(open('$out/eval.json'))['summary']['success_rate'])")" >> /work/zs3/results.txt
}
ev pools4_noemb /work/ds3_noemb/pick_place/booster_t1_c/run/final_model.zip 50
ev pools4_emb /work/zs/scaled_emb/run/final_model.zip 50
ev quick_noemb /work/zs/q_noemb/run/final_model.zip 20
ev old_var_s1 /work/zs/scaled_var_s1/run/final_model.zip 50
