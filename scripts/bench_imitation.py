"""Data loading for imitation learning: the project's LeRobot reader → torch Dataset → batches.

Usage: python scripts/bench_imitation.py DATASET [--epochs 3] [--batch 256]

Prints, for a dataset ``collect``/``merge`` wrote: the time to read every frame (state only) with the
project's reader, frames per second of one epoch of shuffled batches (observation windows + action
chunks + masks, one vectorised gather per batch), the time of an epoch scaled to 100k frames, and the
bc/diffusion gradient-step rate, measured side by side in one run.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def algo_defaults(name: str) -> dict:
    """The algorithm's default params, from its config file (configs/algo/<name>.yaml)."""
    from pathlib import Path

    import yaml

    import humanoid_ground.configs as c

    return yaml.safe_load((Path(c.__file__).parent / "algo" / f"{name}.yaml").read_text())["algo"]["params"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--grad-steps", type=int, default=200)
    args = ap.parse_args()
    import torch

    from humanoid_ground.training.imitation import Normalizer, build_net, chunk_dataset, load_demos, loss_fn, _schedulers

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    demos = load_demos(args.dataset)
    t_read = time.perf_counter() - t0
    N = len(demos.obs)
    print(f"dataset: {demos.episodes} episodes, {N} frames, robots {', '.join(demos.robots)}")
    print(f"read (project reader, every frame, no images): {t_read:.2f} s = {N / t_read:,.0f} frames/s")
    norm = Normalizer(demos.stats)
    for name in ("bc", "diffusion"):
        p = algo_defaults(name)
        n_obs, horizon = int(p["n_obs_steps"]), int(p["horizon"])
        ds = chunk_dataset(demos, norm, n_obs, horizon)
        times = []
        for _ in range(args.epochs):
            perm = torch.randperm(N)
            t0 = time.perf_counter()
            for k in range(0, N, args.batch):
                ds.batch(perm[k: k + args.batch])
            times.append(time.perf_counter() - t0)
        ep = float(np.median(times))
        print(f"{name}: epoch of batches ({N} frames, window {n_obs}, chunk {horizon}): {ep:.3f} s = {N / ep:,.0f} frames/s; "
              f"100k frames: {100_000 / (N / ep):.2f} s")
        p = algo_defaults(name)
        net = build_net(name, demos.obs.shape[1], p)
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
        ns = _schedulers(p)[0] if name == "diffusion" else None
        gen = torch.Generator().manual_seed(0)
        t0 = time.perf_counter()
        for _ in range(args.grad_steps):
            b = ds.batch(torch.randint(0, N, (args.batch,), generator=gen))
            loss = loss_fn(name, net, b, p, ns, gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
        dt = time.perf_counter() - t0
        print(f"{name}: {args.grad_steps / dt:.0f} gradient steps/s (default net {p['hidden']} × {p['layers']}, batch {args.batch}, "
              "1 thread)")


if __name__ == "__main__":
    main()
