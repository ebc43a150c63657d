"""Load a dataset written by `hground collect` with the reference reader, `lerobot.datasets.LeRobotDataset`.

The `lerobot` package pins torch<2.11 and torchvision, so it lives in its own venv (not beside this
project, which uses the machine's torch 2.13 CPU build):

    python -m venv /tmp/lerobot-venv && /tmp/lerobot-venv/bin/pip install "lerobot==0.4.4"
    hground collect robot=unitree_h1 task=reach episodes=3 out=/tmp/ds cameras=head resolution=64
    /tmp/lerobot-venv/bin/python scripts/check_lerobot_reader.py /tmp/ds

Prints what LeRobotDataset sees and exits non-zero if anything disagrees with meta/info.json.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    info = json.loads((root / "meta" / "info.json").read_text())
    # pyav: torchcodec needs the system FFmpeg libraries, which a bare machine lacks
    ds = LeRobotDataset(repo_id=f"local/{root.name}", root=root, video_backend="pyav")
    problems = []
    if ds.num_episodes != info["total_episodes"]:
        problems.append(f"num_episodes {ds.num_episodes} != {info['total_episodes']}")
    if ds.num_frames != info["total_frames"]:
        problems.append(f"num_frames {ds.num_frames} != {info['total_frames']}")
    cams = [k for k, f in info["features"].items() if f["dtype"] == "video"]
    for i in (0, len(ds) // 2, len(ds) - 1):
        item = ds[i]
        for k in ("observation.state", "action"):
            if tuple(item[k].shape) != tuple(info["features"][k]["shape"]):
                problems.append(f"frame {i}: {k} shape {tuple(item[k].shape)}")
        for c in cams:
            h, w, ch = info["features"][c]["shape"]
            if tuple(item[c].shape) != (ch, h, w):
                problems.append(f"frame {i}: {c} shape {tuple(item[c].shape)}")
        print(f"frame {i}: episode {int(item['episode_index'])}, task '{item['task']}', "
              f"state[:3] {item['observation.state'][:3].tolist()}, " + ", ".join(f"{c} {tuple(item[c].shape)}" for c in cams))
    print(f"LeRobotDataset loaded {root}: {ds.num_episodes} episodes, {ds.num_frames} frames, fps {ds.fps}, features {len(ds.features)}")
    for p in problems:
        print("FAIL", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
