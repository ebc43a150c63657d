#!/bin/bash
# short diffusion trainings (3000 gradient steps) on the 4-vendor pick_place pools; offline fit on the training frames
name=$1; shift
cd /work/wt18
D=/work/ds3/pick_place/merge/data
R="robots=[unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong]"
[ -f /work/df2/$name/final_model.zip ] || /work/venv18/bin/python -m humanoid_ground train algo=diffusion dataset=$D "$R" seed=0 hydra.run.dir=/work/df2/$name eval.episodes=0 progress=false algo.params.inputs=scaled total_timesteps=3000 checkpoint_freq=3000 "$@" > /work/df2/$name.train.log 2>&1
echo "$name $(/work/venv18/bin/python /work/df1/diag/fit.py /work/df2/$name/final_model.zip 150 2>&1 | grep mean)" >> /work/df2/fit.txt
