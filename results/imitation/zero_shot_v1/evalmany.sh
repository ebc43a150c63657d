#!/bin/bash
# usage: evalmany.sh NAME EPISODES robot...
name=$1; eps=$2; shift 2
cd /work/main
for r in "$@"; do
  out=/work/zs/$name/eval50_$r
  [ -f $out/eval.json ] && continue
  python -m humanoid_ground eval checkpoint=/work/zs/$name/run/final_model.zip robot=$r episodes=$eps out=$out > $out.log 2>&1
  grep "success" $out.log | head -1
done
