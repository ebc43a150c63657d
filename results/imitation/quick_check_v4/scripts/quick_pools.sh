#!/bin/bash
# README quick check recipe on the ds3 pools (first 40 episodes of H1, GR1-T2, Apollo); NAME and extra train args
name=$1; shift
cd /work/wt18
D=/work/ds3/pick_place/merge/data
mkdir -p /work/zs/$name
s=$(date +%s)
[ -f /work/zs/$name/run/summary.json ] || /work/venv18/bin/python -m humanoid_ground train algo=bc dataset=$D task=pick_place "robots=[unitree_h1,fourier_gr1t2,apptronik_apollo]" "dataset_episodes={unitree_h1:40,fourier_gr1t2:40,apptronik_apollo:40}" seed=0 hydra.run.dir=/work/zs/$name/run eval.episodes=0 progress=false "$@" > /work/zs/$name/train.log 2>&1
echo "$name train wall $(( $(date +%s)-s ))s" >> /work/zs/walls.txt
for r in unitree_h1 fourier_gr1t2 apptronik_apollo booster_t1; do
  out=/work/zs/$name/eval20_$r
  [ -f $out/eval.json ] || /work/venv18/bin/python -m humanoid_ground eval checkpoint=/work/zs/$name/run/final_model.zip robot=$r episodes=20 out=$out > $out.log 2>&1
  echo "$name $r $(/work/venv18/bin/python -c "import json;print(json.load(open('$out/eval.json'))['summary']['success_rate'])")" >> /work/zs/results.txt
done
