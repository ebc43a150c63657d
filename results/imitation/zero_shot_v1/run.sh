#!/bin/bash
# usage: run.sh NAME TARGET [train args...]
name=$1; target=$2; shift 2
cd /work/main
D=/work/ds/pick_place/merge/data
ALL="unitree_h1 fourier_gr1t2 apptronik_apollo booster_t1 openloong_qinglong"
robots=$(for r in $ALL; do [ $r != $target ] && echo -n "$r,"; done); robots=${robots%,}
out=/work/zs/$name
if [ ! -f $out/run/summary.json ]; then
python -m humanoid_ground train algo=bc dataset=$D task=pick_place "robots=[$robots]" seed=0 hydra.run.dir=$out/run eval.episodes=0 progress=false "$@" > $out.train.log 2>&1
fi
python -m humanoid_ground eval checkpoint=$out/run/final_model.zip robot=$target episodes=${EPISODES:-20} out=$out/eval_$target > $out.eval_$target.log 2>&1
tail -3 $out.eval_$target.log
