#!/bin/bash
# the README quick check with the new bc defaults: 40 expert episodes each of H1, GR1-T2, Apollo
cd /work/main
D=/work/ds/pick_place/merge/data
python -m humanoid_ground train algo=bc dataset=$D task=pick_place "robots=[unitree_h1,fourier_gr1t2,apptronik_apollo]" "dataset_episodes={unitree_h1:40,fourier_gr1t2:40,apptronik_apollo:40}" seed=0 hydra.run.dir=/work/zs/quick/run eval.episodes=0 progress=false > /work/zs/quick.train.log 2>&1
/work/zs/evalmany.sh quick 20 booster_t1 unitree_h1 fourier_gr1t2 apptronik_apollo
