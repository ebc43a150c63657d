#!/bin/bash
cd /work/zs3
./var_noemb.sh
./quick.sh q_noise05 algo.params.obs_noise=0.05
./quick.sh q_noise10 algo.params.obs_noise=0.1
