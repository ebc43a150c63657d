"""Reading LeRobot v3 datasets (the hground schema): shared by ``data`` (check, merge, export) and
``training`` (imitation learners), which do not import each other. The writer is :mod:`humanoid_ground.data.lerobot`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from humanoid_ground.errors import HGroundError

VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"


def is_lerobot(root: Path) -> bool:
    return (Path(root) / "meta" / "info.json").is_file()


def _to_numpy(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_fixed_size_list(col.type) or pa.types.is_list(col.type):
        n = col.type.list_size if pa.types.is_fixed_size_list(col.type) else None
        flat = col.flatten().to_numpy(zero_copy_only=False)
        return flat.reshape(len(col), n if n else -1)
    return col.to_numpy(zero_copy_only=False)

# --- reading ----------------------------------------------------------------------------------------------

def read_info(root: str | Path) -> dict:
    f = Path(root) / "meta" / "info.json"
    try:
        return json.loads(f.read_text())
    except FileNotFoundError:
        raise HGroundError(f"{root} is not a LeRobot dataset (no meta/info.json)") from None
    except json.JSONDecodeError as e:
        raise HGroundError(f"{f} is corrupt ({e}); the dataset cannot be read") from None


def read_tasks(root: str | Path) -> list[str]:
    import pandas as pd

    df = pd.read_parquet(Path(root) / "meta" / "tasks.parquet")
    return [t for t, _ in sorted(zip(df.index, df["task_index"]), key=lambda x: x[1])]


def episodes_rows(root: str | Path) -> list[dict]:
    files = sorted((Path(root) / "meta" / "episodes").rglob("*.parquet"))
    rows = []
    for f in files:
        try:
            rows += pq.read_table(f).to_pylist()
        except Exception as e:
            raise HGroundError(f"episode metadata {f} is corrupt ({e}); run 'hground data check {root}'") from None
    return sorted(rows, key=lambda r: r["episode_index"])


def read_frames(root: Path, row: dict, key: str, fps: int) -> np.ndarray:
    """The frames of one episode from its video file (by the episode's time span in that file)."""
    import av

    path = root / VIDEO_PATH.format(video_key=key, chunk_index=row[f"videos/{key}/chunk_index"], file_index=row[f"videos/{key}/file_index"])
    t0, t1 = row[f"videos/{key}/from_timestamp"], row[f"videos/{key}/to_timestamp"]
    eps = 0.5 / fps
    out = []
    with av.open(str(path)) as c:
        for fr in c.decode(video=0):
            t = float(fr.time) if fr.time is not None else len(out) / fps
            if t0 - eps <= t < t1 - eps:
                out.append(fr.to_ndarray(format="rgb24"))
    return np.stack(out) if out else np.zeros((0,), np.uint8)


def read_episode(root: str | Path, info: dict, row: dict, images: bool = True) -> dict:
    root = Path(root)
    path = root / info["data_path"].format(chunk_index=row["data/chunk_index"], file_index=row["data/file_index"])
    table = pq.read_table(path)
    e = row["episode_index"]
    ep_col = _to_numpy(table["episode_index"])
    if not np.all(ep_col == e):
        import pyarrow.compute as pc

        table = table.filter(pc.equal(table["episode_index"], e))
    ep = {name: _to_numpy(table[name]) for name in table.column_names}
    # the observation after the last action, kept in the episode metadata (data.schema.FINAL_OBS)
    ep["final"] = {k[len("hground/final/"):]: np.asarray(v, dtype=np.float32) for k, v in row.items() if k.startswith("hground/final/")}
    ep["images"] = {}
    if images:
        for key, f in info["features"].items():
            if f["dtype"] == "video":
                ep["images"][key.split(".")[-1]] = read_frames(root, row, key, info["fps"])
    ep["meta"] = {k[len("hground/"):]: v for k, v in row.items() if k.startswith("hground/") and not k.startswith("hground/final/")}
    ep["meta"]["episode_index"] = e
    ep["meta"]["length"] = row["length"]
    ep["meta"]["task"] = row["tasks"][0] if row.get("tasks") else None
    return ep


def read_columns(root: str | Path, columns: list[str], info: dict | None = None) -> dict[str, np.ndarray]:
    """Selected frame columns of every episode, in episode order: each data file is read once, only
    those columns (what a learner needs; :func:`read_episode` reads one episode with everything)."""
    root = Path(root)
    info = info or read_info(root)
    rows = episodes_rows(root)
    files = list(dict.fromkeys((r["data/chunk_index"], r["data/file_index"]) for r in rows))
    cols = list(dict.fromkeys(["episode_index", "frame_index", *columns]))
    parts: dict[str, list[np.ndarray]] = {c: [] for c in cols}
    for chunk, fidx in files:
        path = root / info["data_path"].format(chunk_index=chunk, file_index=fidx)
        try:
            table = pq.read_table(path, columns=cols)
        except Exception as e:
            raise HGroundError(f"data file {path} is unreadable or lacks a column of {cols} ({e}); run 'hground data check {root}'") from None
        for c in cols:
            parts[c].append(_to_numpy(table[c]))
    out = {c: np.concatenate(v) for c, v in parts.items()}
    order = np.lexsort((out["frame_index"], out["episode_index"]))  # episode order, frames in time order
    return {c: v[order] for c, v in out.items()}


def iter_episodes(root: str | Path, images: bool = True) -> Iterator[dict]:
    info = read_info(root)
    for row in episodes_rows(root):
        yield read_episode(root, info, row, images)


