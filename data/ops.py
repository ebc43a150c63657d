"""``hground data info|check|merge`` and ``hground export``."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

from .lerobot import (VIDEO_PATH, LeRobotWriter, _to_numpy, episodes_rows, is_lerobot, read_episode,
                      read_info, read_tasks)
from .schema import features, pad_episode


def _require(root: str | Path) -> Path:
    root = Path(root).expanduser()
    if not root.exists():
        raise HGroundError(f"{root} does not exist")
    if not is_lerobot(root):
        raise HGroundError(f"{root} is not a dataset written by 'hground collect' (no meta/info.json)")
    return root


def dir_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def info(root: str | Path) -> dict:
    root = _require(root)
    inf = read_info(root)
    rows = episodes_rows(root)
    h = inf.get("hground", {})
    per_robot: dict[str, int] = {}
    names = [r["name"] for r in h.get("robots", [])]
    for r in rows:
        per_robot[r.get("hground/robot", "?")] = per_robot.get(r.get("hground/robot", "?"), 0) + 1
    succ = [bool(r.get("hground/success")) for r in rows if "hground/success" in r]
    return {"path": str(root), "format": f"LeRobot {inf['codebase_version']}", "episodes": len(rows),
            "frames": int(sum(r["length"] for r in rows)), "fps": inf["fps"], "robots": names, "episodes_per_robot": per_robot,
            "tasks": read_tasks(root) if (root / "meta" / "tasks.parquet").is_file() else [],
            "success_rate": (sum(succ) / len(succ)) if succ else None,
            "features": {k: {"dtype": f["dtype"], "shape": f["shape"]} for k, f in inf["features"].items()},
            "size_bytes": dir_size(root), "schema_version": h.get("schema_version"), "project_version": h.get("project_version")}


def check(root: str | Path) -> list[str]:
    """Problems found (empty: the dataset is sound): structure, row counts, indices, shapes, NaNs,
    stats, video frame counts."""
    import av
    import pyarrow.parquet as pq

    root = Path(root).expanduser()
    if not root.exists():
        return [f"{root} does not exist"]
    problems: list[str] = []
    try:
        inf = read_info(root)
    except HGroundError as e:
        return [str(e)]
    for key in ("codebase_version", "fps", "features", "data_path", "total_episodes", "total_frames"):
        if key not in inf:
            problems.append(f"meta/info.json lacks '{key}'")
    if problems:
        return problems
    if inf["codebase_version"] != "v3.0":
        problems.append(f"codebase_version is {inf['codebase_version']}, expected v3.0")
    try:
        rows = episodes_rows(root)
    except HGroundError as e:
        return problems + [str(e)]
    if len(rows) != inf["total_episodes"]:
        problems.append(f"info.json says {inf['total_episodes']} episodes, meta/episodes holds {len(rows)}")
    if sum(r["length"] for r in rows) != inf["total_frames"]:
        problems.append(f"info.json says {inf['total_frames']} frames, episodes add up to {sum(r['length'] for r in rows)}")
    if not (root / "meta" / "stats.json").is_file() and rows:
        problems.append("meta/stats.json is missing")
    if not (root / "meta" / "tasks.parquet").is_file() and rows:
        problems.append("meta/tasks.parquet is missing")
    feats = inf["features"]
    expected_index = 0
    for r in rows:
        e = r["episode_index"]
        path = root / inf["data_path"].format(chunk_index=r["data/chunk_index"], file_index=r["data/file_index"])
        if not path.is_file():
            problems.append(f"episode {e}: data file {path.relative_to(root)} is missing")
            continue
        try:
            t = pq.read_table(path)
        except Exception as ex:
            problems.append(f"episode {e}: data file {path.relative_to(root)} is unreadable ({ex})")
            continue
        ep_col = _to_numpy(t["episode_index"]) if "episode_index" in t.column_names else None
        n = int(np.sum(ep_col == e)) if ep_col is not None else t.num_rows
        if n != r["length"]:
            problems.append(f"episode {e}: {n} frames in {path.relative_to(root)}, metadata says {r['length']}")
        if r["dataset_from_index"] != expected_index:
            problems.append(f"episode {e}: dataset_from_index {r['dataset_from_index']}, expected {expected_index}")
        expected_index = r["dataset_to_index"]
        for k, f in feats.items():
            if f["dtype"] == "video":
                continue
            if k not in t.column_names:
                problems.append(f"episode {e}: column '{k}' is missing")
                continue
            a = _to_numpy(t[k])
            shape = tuple(a.shape[1:]) if a.ndim > 1 else (1,)
            if list(shape) != list(f["shape"]):
                problems.append(f"episode {e}: column '{k}' has shape {shape}, info.json says {tuple(f['shape'])}")
            elif f["dtype"] == "float32" and not np.all(np.isfinite(a)):
                problems.append(f"episode {e}: column '{k}' holds NaN/inf")
        if "index" in t.column_names:
            idx = _to_numpy(t["index"])[ep_col == e] if ep_col is not None else _to_numpy(t["index"])
            if len(idx) and (idx[0] != r["dataset_from_index"] or np.any(np.diff(idx) != 1)):
                problems.append(f"episode {e}: 'index' is not contiguous from {r['dataset_from_index']}")
        for k, f in feats.items():
            if f["dtype"] != "video":
                continue
            vp = root / VIDEO_PATH.format(video_key=k, chunk_index=r.get(f"videos/{k}/chunk_index", -1),
                                          file_index=r.get(f"videos/{k}/file_index", -1))
            if not vp.is_file():
                problems.append(f"episode {e}: video {k} is missing ({vp.relative_to(root)})")
                continue
            try:
                with av.open(str(vp)) as c:
                    s = c.streams.video[0]
                    frames = sum(1 for fr in c.decode(video=0)
                                 if r[f"videos/{k}/from_timestamp"] - 0.5 / inf["fps"] <= float(fr.time) < r[f"videos/{k}/to_timestamp"] - 0.5 / inf["fps"])
                    if (s.height, s.width) != tuple(f["shape"][:2]):
                        problems.append(f"episode {e}: video {k} is {s.height}x{s.width}, info.json says {f['shape'][0]}x{f['shape'][1]}")
            except Exception as ex:
                problems.append(f"episode {e}: video {vp.relative_to(root)} does not decode ({ex})")
                continue
            if frames != r["length"]:
                problems.append(f"episode {e}: video {k} has {frames} frames, the episode has {r['length']}")
    if rows and (root / "meta" / "stats.json").is_file():
        import json

        stats = json.loads((root / "meta" / "stats.json").read_text())
        for k, f in feats.items():
            if k not in stats:
                problems.append(f"meta/stats.json has no entry for '{k}'")
                continue
            for s in ("min", "max", "mean", "std", "count"):
                if s not in stats[k]:
                    problems.append(f"meta/stats.json['{k}'] lacks '{s}'")
            if f["dtype"] != "video" and "mean" in stats[k] and np.asarray(stats[k]["mean"]).size != int(np.prod(f["shape"])):
                problems.append(f"meta/stats.json['{k}'] has {np.asarray(stats[k]['mean']).size} values, the feature has {int(np.prod(f['shape']))}")
    return problems


def merge(inputs: list[str | Path], out: str | Path, progress=None) -> dict:
    """Merge datasets (any robots, same cameras/resolution/fps) into ``out``: native joints re-padded
    to the largest DOF, task states to the largest task, robots and tasks re-indexed."""
    srcs = [_require(p) for p in inputs]
    if not srcs:
        raise HGroundError("merge: give at least one dataset")
    infos = [read_info(s) for s in srcs]
    fps = {i["fps"] for i in infos}
    if len(fps) != 1:
        raise HGroundError(f"merge: datasets have different fps {sorted(fps)}; they cannot share one timeline")
    cams = [[k for k, f in i["features"].items() if f["dtype"] == "video"] for i in infos]
    if any(c != cams[0] for c in cams):
        raise HGroundError(f"merge: datasets record different cameras {cams}; collect them with the same cameras=")
    res = {tuple(i["features"][c]["shape"]) for i in infos for c in cams[0]}
    if len(res) > 1:
        raise HGroundError(f"merge: camera resolutions differ {sorted(res)}; collect them with the same resolution=")
    hs = [i["hground"] for i in infos]
    D, K = max(h["max_dof"] for h in hs), max(h["task_state_dim"] for h in hs)
    robots, tasks = [], []
    for h in hs:
        for r in h["robots"]:
            if r["name"] not in [x["name"] for x in robots]:
                robots.append(r)
        for t in h["tasks"]:
            if t["name"] not in [x["name"] for x in tasks]:
                tasks.append(t)
    controls = {h["control"] for h in hs}
    h0 = dict(hs[0], robots=robots, tasks=tasks, max_dof=D, task_state_dim=K, merged_from=[str(s) for s in srcs],
              control=controls.pop() if len(controls) == 1 else "mixed")
    cam_names = [c.split(".")[-1] for c in cams[0]]
    names = robots[0]["joint_names"] if len(robots) == 1 else None
    feats = features(D, K, cam_names, res.pop()[0] if res else 224, fps.pop(), joint_names=names)
    out = Path(out).expanduser()
    writer = LeRobotWriter(out, feats, infos[0]["fps"], h0, robot_type=robots[0]["name"] if len(robots) == 1 else "multi", batch=True)
    stage = out / ".staging"
    stage.mkdir(exist_ok=True)
    try:
        for src, inf in zip(srcs, infos):
            h = inf["hground"]
            d_old, k_old = h["max_dof"], h["task_state_dim"]
            for row in episodes_rows(src):
                ep = read_episode(src, inf, row, images=False)
                robot = ep["meta"].get("robot") or h["robots"][int(ep["robot_index"][0])]["name"]
                ri = [r["name"] for r in robots].index(robot)
                ep = pad_episode(ep, d_old, k_old, D, K)
                ep["image_stats"] = {c.split(".")[-1]: {s: np.asarray(row[f"stats/{c}/{s}"]).reshape(3, 1, 1) if s != "count" else np.asarray(row[f"stats/{c}/{s}"])
                                                        for s in ("min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99")
                                                        if f"stats/{c}/{s}" in row} for c in cams[0]}
                videos = {}
                for c in cams[0]:
                    span = row[f"videos/{c}/to_timestamp"] - row[f"videos/{c}/from_timestamp"]
                    if row[f"videos/{c}/from_timestamp"] != 0.0 or not math.isclose(span, row["length"] / inf["fps"], rel_tol=1e-6):
                        raise HGroundError(f"merge: {src} packs several episodes per video file; re-encoding them is not supported yet")
                    vsrc = src / VIDEO_PATH.format(video_key=c, chunk_index=row[f"videos/{c}/chunk_index"], file_index=row[f"videos/{c}/file_index"])
                    tmp = stage / f"{writer.n_episodes}_{c.split('.')[-1]}.mp4"
                    shutil.copyfile(vsrc, tmp)
                    videos[c.split(".")[-1]] = tmp
                extra = {k: v for k, v in ep["meta"].items() if k in ("robot", "seed", "success", "return")}
                extra["robot"] = robot
                extra["source"] = f"{src}#{row['episode_index']}"
                writer.add_episode(ep, row["tasks"][0], ri, videos=videos, extra=extra)
                if progress:
                    progress(writer.n_episodes)
    except OSError as e:
        raise HGroundError(f"writing {out} failed ({e.strerror or e}); the {writer.n_episodes} episodes written so far are intact") from None
    writer.close()
    shutil.rmtree(stage, ignore_errors=True)
    return {"out": str(out), "episodes": writer.n_episodes, "frames": writer.n_frames, "robots": [r["name"] for r in robots], "max_dof": D}


def export(src: str | Path, fmt: str, out: str | Path, dataset_id: str | None = None) -> dict:
    src = _require(src)
    if fmt == "minari":
        from .minari_io import export_minari

        did = export_minari(src, out, dataset_id)
        return {"format": "minari", "id": did, "root": str(Path(out).expanduser())}
    if fmt == "lerobot":
        return dict(merge([src], out), format="lerobot")
    raise HGroundError(f"export: unknown format '{fmt}'; use lerobot or minari")
