#!/bin/bash
cd /work/main
python -m humanoid_ground train algo=bc dataset=/work/ds/pools_var task=pick_place "robots=[unitree_h1,fourier_gr1t2,apptronik_apollo,openloong_qinglong,apptronik_apollo-m1,apptronik_apollo-m2,apptronik_apollo-m3,apptronik_apollo-m4,apptronik_apollo-m5,fourier_gr1t2-m1,fourier_gr1t2-m2,fourier_gr1t2-m3,fourier_gr1t2-m4,fourier_gr1t2-m5,openloong_qinglong-m1,openloong_qinglong-m2,openloong_qinglong-m3,openloong_qinglong-m4,openloong_qinglong-m5,unitree_h1-m1,unitree_h1-m2,unitree_h1-m3,unitree_h1-m4,unitree_h1-m5]" seed=1 hydra.run.dir=/work/zs/scaled_var_s1/run eval.episodes=0 progress=false algo.params.inputs=scaled > /work/zs/scaled_var_s1.train.log 2>&1
/work/zs/evalmany.sh scaled_var_s1 50 booster_t1
