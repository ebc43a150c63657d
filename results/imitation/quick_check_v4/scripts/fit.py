"""Offline fit of an imitation checkpoint on its own training frames: mean |a_pred - a| (normalised actions)
over the executed part of the chunk, and per action dimension.

Usage: python fit.py CHECKPOINT.zip [N_FRAMES] [SAMPLER: 1 = DDIM (default), 0 = DDPM with every step]
"""
import io
import json
import sys
import zipfile

import numpy as np
import torch

from humanoid_ground.training import imitation as im

ck = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
with zipfile.ZipFile(ck) as z:
    meta = json.loads(z.read("hground/meta.json"))
    blob = torch.load(io.BytesIO(z.read("policy.pt")), weights_only=False)
cfg = meta["config"]
p = cfg["algo"]["params"]
kind = cfg["algo"]["name"]
d = im.load_demos(cfg["dataset"], meta["robots"], cfg["task"]["name"], cfg.get("dataset_episodes") or None, p.get("success_tail"))
norm = im.Normalizer.from_state(blob["normalizer"])
view = im.imitation_view(p, d.task, cfg["task"].get("params"), d.task_dim)
sizes = [23, d.task_dim, d.obs.shape[1] - 23 - d.task_dim]
xv = view.apply(d.obs, sizes)
ds = im.chunk_dataset(d, norm, int(p["n_obs_steps"]), int(p["horizon"]), xv)
net = im.build_net(kind, int(meta["obs_dim"]), p)
net.load_state_dict(blob["model"])
net.eval()
sampler = int(sys.argv[3]) if len(sys.argv) > 3 else 1
sched = im._schedulers(p)[sampler] if kind == "diffusion" else None
if sampler == 0:
    p = {**p, "inference_steps": int(p["train_timesteps"])}
gen = torch.Generator().manual_seed(0)
idx = np.random.default_rng(0).choice(len(ds), n, replace=False)
o, a, m = ds[idx.tolist()]
k = int(p["n_action_steps"])
errs, per_dim = [], []
for i in range(n):
    pred = im.predict_chunk(kind, net, o[i:i + 1].reshape(1, -1), p, sched, gen)
    e = (pred[:k] - a[i, :k]).abs().mean(-1)[m[i, :k]]
    errs.append(float(e.mean()) if len(e) else 0.0)
    per_dim.append((pred[0] - a[i, 0]).abs().numpy())
print(kind, ck, "mean |err| (normalised, executed chunk):", round(float(np.mean(errs)), 4), "median", round(float(np.median(errs)), 4))
print("per dim", np.round(np.mean(per_dim, 0), 3))
print("target std per dim", np.round(a[:, 0].std(0).numpy(), 3))
