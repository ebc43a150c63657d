"""LeRobotDataset v3.0 writer and reader (pyarrow + PyAV; no dependency on the ``lerobot`` package).

Layout written (https://huggingface.co/blog/lerobot-datasets-v3)::

    meta/info.json                       codebase_version "v3.0", fps, features, path templates (+ "hground" metadata)
    meta/stats.json                      per-feature min/max/mean/std/count/quantiles
    meta/tasks.parquet                   task text -> task_index
    meta/episodes/chunk-XXX/file-XXX.parquet   one row per episode: lengths, offsets, video spans, per-episode stats
    data/chunk-XXX/file-XXX.parquet      frames
    videos/<camera key>/chunk-XXX/file-XXX.mp4

Each episode is written to its own data/video/episode-metadata files (LeRobot v3 allows several
episodes per file; one per file makes every episode an atomic unit): temporary file, then rename,
with the episode-metadata file last. An episode whose metadata file exists is complete; a crash
leaves only whole episodes, and ``resume`` rewrites anything after the last complete one.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from humanoid_ground.errors import HGroundError

from humanoid_ground.common import stats as st
from humanoid_ground.common.lerobot_read import (VIDEO_PATH, _to_numpy, episodes_rows, is_lerobot, iter_episodes, read_columns,  # noqa: F401
                                                 read_episode, read_frames, read_info, read_tasks)
from .schema import INDEX_FEATURES, SCALAR_FEATURES, VECTOR_FEATURES

CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
PA_TYPES = {"float32": pa.float32(), "int64": pa.int64(), "bool": pa.bool_()}


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="snappy", use_dictionary=False)  # float data: dictionaries cost time, save nothing
    os.replace(tmp, path)


def _column(values: np.ndarray, dtype: str) -> pa.Array:
    t = PA_TYPES[dtype]
    values = np.asarray(values)
    if values.ndim == 1:
        return pa.array(values.astype(np.dtype(dtype) if dtype != "bool" else bool), type=t)
    flat = pa.array(values.reshape(-1).astype(np.dtype(dtype) if dtype != "bool" else bool), type=t)
    return pa.FixedSizeListArray.from_arrays(flat, values.shape[1])


class LeRobotWriter:
    """Writes episodes (already padded to the dataset's widths) into a LeRobot v3.0 root."""

    def __init__(self, root: str | Path, features: dict, fps: int, hground: dict, resume: bool = False,
                 robot_type: str | None = None, batch: bool = False):
        """``batch=False`` (collect): every episode is committed on its own (data, video and
        metadata files, info/stats refreshed). ``batch=True`` (export, merge): episodes are packed
        into multi-episode data files (up to ``data_files_size_in_mb``) and the metadata is written
        by :meth:`close` — much faster; the output is only complete after ``close``."""
        self.batch = batch
        self._pending: list[pa.Table] = []
        self._pending_bytes = 0
        self._pending_rows: list[dict] = []
        self._data_file = 0
        self._ep_stats: list[dict] = []
        self.root = Path(root)
        self.features, self.fps, self.hground = features, int(fps), hground
        self.robot_type = robot_type
        if is_lerobot(self.root):
            if not resume:
                raise HGroundError(f"{self.root} already holds a dataset; pass resume=true to continue it, or choose a new out=")
            info = read_info(self.root)
            if info["features"] != json.loads(json.dumps(features)):
                raise HGroundError(f"{self.root}: the existing dataset has other features (robot, task, cameras or resolution differ); "
                                   "resume with the same settings or choose a new out=")
        elif self.root.exists() and any(self.root.iterdir()):
            raise HGroundError(f"output {self.root} exists and is not empty; choose a new out= (nothing was written)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write_test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise HGroundError(f"cannot write to {self.root} ({e.strerror}); choose a writable out=") from None
        self.rows: list[dict] = episodes_rows(self.root) if is_lerobot(self.root) else []
        self.tasks: list[str] = list(read_tasks(self.root)) if (self.root / "meta" / "tasks.parquet").is_file() else []
        self._discard_incomplete()
        self._agg = aggregate_rows(self.rows, self.features) if self.rows else {}
        if not is_lerobot(self.root):
            self.write_info()

    # --- state -------------------------------------------------------------------------------------------
    @property
    def n_episodes(self) -> int:
        return len(self.rows)

    @property
    def n_frames(self) -> int:
        return int(sum(r["length"] for r in self.rows))

    def _discard_incomplete(self) -> None:
        """Remove files of episodes that never got their metadata row (a crash mid-episode) and temporaries."""
        done = {(r["data/chunk_index"], r["data/file_index"]) for r in self.rows}
        for sub in ("data", "videos", "meta/episodes"):
            d = self.root / sub
            if not d.is_dir():
                continue
            for f in d.rglob("*"):
                if f.is_file() and (f.name.endswith(".tmp") or ".tmp." in f.name):
                    f.unlink()
        for sub, pattern in (("data", "file-*.parquet"), ("videos", "file-*.mp4"), ("meta/episodes", "file-*.parquet")):
            d = self.root / sub
            for f in d.rglob(pattern) if d.is_dir() else []:
                key = (int(f.parent.name.split("-")[1]), int(f.stem.split("-")[1]))
                if key not in done:
                    f.unlink()

    # --- writing ------------------------------------------------------------------------------------------
    def task_index(self, task: str) -> int:
        if task not in self.tasks:
            self.tasks.append(task)
            import pandas as pd

            df = pd.DataFrame({"task_index": range(len(self.tasks))}, index=pd.Index(self.tasks, name="task"))
            _atomic_parquet(pa.Table.from_pandas(df), self.root / "meta" / "tasks.parquet")
        return self.tasks.index(task)

    def add_episode(self, ep: dict, task_text: str, robot_index: int, videos: dict[str, Path] | None = None,
                    extra: dict | None = None) -> int:
        """Append one episode (arrays padded to this dataset's widths). ``videos``: camera -> an
        encoded MP4 of the episode's frames, moved into place. Returns the episode index."""
        e = self.n_episodes
        T = int(len(ep["action"]))
        start = self.n_frames
        chunk, file = divmod(e, CHUNKS_SIZE)
        vchunk, vfile = chunk, file
        if self.batch:
            chunk, file = divmod(self._data_file, CHUNKS_SIZE)
        ti = self.task_index(task_text)
        cols, names = [], []
        for k, f in self.features.items():
            if f["dtype"] == "video":
                continue
            if k in VECTOR_FEATURES or k in SCALAR_FEATURES:
                v = np.full(T, robot_index, dtype=np.int64) if k == "robot_index" else ep[k]
            elif k == "timestamp":
                v = (np.arange(T) / self.fps).astype(np.float32)
            elif k == "frame_index":
                v = np.arange(T, dtype=np.int64)
            elif k == "episode_index":
                v = np.full(T, e, dtype=np.int64)
            elif k == "index":
                v = np.arange(start, start + T, dtype=np.int64)
            elif k == "task_index":
                v = np.full(T, ti, dtype=np.int64)
            else:
                raise HGroundError(f"feature {k} has no source in the episode")
            if f["shape"] != [1] and np.asarray(v).shape[1:] != tuple(f["shape"]):
                raise HGroundError(f"feature {k}: episode gives shape {np.asarray(v).shape[1:]}, dataset expects {tuple(f['shape'])}")
            cols.append(_column(v, f["dtype"]))
            names.append(k)
        table = pa.Table.from_arrays(cols, names=names)
        if self.batch:
            self._pending.append(table)
            self._pending_bytes += table.nbytes
        else:
            _atomic_parquet(table, self.root / DATA_PATH.format(chunk_index=chunk, file_index=file))
        row: dict = {"episode_index": e, "tasks": [task_text], "length": T, "data/chunk_index": chunk, "data/file_index": file,
                     "dataset_from_index": start, "dataset_to_index": start + T}
        for cam, src in (videos or {}).items():
            key = f"observation.images.{cam}"
            dst = self.root / VIDEO_PATH.format(video_key=key, chunk_index=vchunk, file_index=vfile)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), dst.with_name(dst.name + ".tmp"))
            os.replace(dst.with_name(dst.name + ".tmp"), dst)
            row.update({f"videos/{key}/chunk_index": vchunk, f"videos/{key}/file_index": vfile,
                        f"videos/{key}/from_timestamp": 0.0, f"videos/{key}/to_timestamp": T / self.fps})
        numeric = {k: (ep[k] if k != "robot_index" else np.full(T, robot_index)) for k in self.features
                   if k in VECTOR_FEATURES or k in SCALAR_FEATURES}
        numeric.update({"timestamp": np.arange(T) / self.fps, "frame_index": np.arange(T), "episode_index": np.full(T, e),
                        "index": np.arange(start, start + T), "task_index": np.full(T, ti)})
        ep_stats = st.many_vector_stats(numeric)
        for cam, frames in (ep.get("images") or {}).items():
            if len(frames):
                ep_stats[f"observation.images.{cam}"] = st.image_stats(frames)
        for cam, s_img in (ep.get("image_stats") or {}).items():  # computed where the frames were
            ep_stats[f"observation.images.{cam}"] = s_img
        for f, s in ep_stats.items():
            for k, v in s.items():
                if v.ndim != 1 or v.dtype != np.float64:  # image stats are (3, 1, 1); counts are int
                    v = v.astype(np.float64).reshape(-1)
                row[f"stats/{f}/{k}"] = v if self.batch else v.tolist()  # batch: columns built in close()
        row["meta/episodes/chunk_index"], row["meta/episodes/file_index"] = chunk, file
        for k, v in (extra or {}).items():
            row[f"hground/{k}"] = v
        for k, v in (ep.get("final") or {}).items():
            row[f"hground/final/{k}"] = np.asarray(v, dtype=np.float32).tolist()
        if self.batch:
            row["meta/episodes/chunk_index"], row["meta/episodes/file_index"] = 0, 0
            self._pending_rows.append(row)
            self.rows.append(row)
            self._ep_stats.append(ep_stats)  # aggregated once, in close()
            if self._pending_bytes >= 100e6:
                self._flush_data()
            return e
        # commit: everything is prepared under temporary names first, then the episode row (the
        # commit marker) and info/stats are renamed into place back to back, so a kill leaves either
        # the old dataset or the new one (barring the microseconds between the renames)
        meta_path = self.root / EPISODES_PATH.format(chunk_index=chunk, file_index=file)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = meta_path.with_name(meta_path.name + ".tmp")
        pq.write_table(pa.Table.from_pylist([row]), meta_tmp, compression="snappy", use_dictionary=False)
        self.rows.append(row)
        self._agg = {f: st.aggregate([self._agg[f], s]) if f in self._agg else s for f, s in ep_stats.items()}  # O(1) per episode
        staged = self._stage_info()
        os.replace(meta_tmp, meta_path)
        for tmp, final in staged:
            os.replace(tmp, final)
        return e

    def _flush_data(self) -> None:
        if self._pending:
            chunk, file = divmod(self._data_file, CHUNKS_SIZE)
            _atomic_parquet(pa.concat_tables(self._pending), self.root / DATA_PATH.format(chunk_index=chunk, file_index=file))
            self._pending, self._pending_bytes = [], 0
            self._data_file += 1

    def close(self) -> None:
        """Batch mode: write the remaining data, the episodes table, info and stats."""
        if self.batch:
            self._flush_data()
            if self._pending_rows:
                _atomic_parquet(_rows_table(self._pending_rows), self.root / EPISODES_PATH.format(chunk_index=0, file_index=0))
                self._pending_rows = []
            if self._ep_stats:
                feats = self._ep_stats[0].keys()
                self._agg = {f: st.aggregate(([self._agg[f]] if f in self._agg else []) + [e[f] for e in self._ep_stats]) for f in feats}
                self._ep_stats = []
        self.write_info()

    def write_info(self) -> None:
        for tmp, final in self._stage_info():
            os.replace(tmp, final)

    def _stage_info(self) -> list[tuple[Path, Path]]:
        """info.json and stats.json written under temporary names; returns (tmp, final) pairs."""
        n = self.n_episodes
        info = {"codebase_version": CODEBASE_VERSION, "robot_type": self.robot_type, "total_episodes": n,
                "total_frames": self.n_frames, "total_tasks": len(self.tasks), "chunks_size": CHUNKS_SIZE,
                "data_files_size_in_mb": 100, "video_files_size_in_mb": 200, "fps": self.fps,
                "splits": {"train": f"0:{n}"} if n else {}, "data_path": DATA_PATH,
                "video_path": VIDEO_PATH if any(f["dtype"] == "video" for f in self.features.values()) else None,
                "features": self.features, "hground": self.hground}
        out = []
        docs = [("info.json", info)]
        if self.rows:
            docs.append(("stats.json", st.to_json({f: self._agg[f] for f in self.features if f in self._agg})))
        for name, doc in docs:
            final = self.root / "meta" / name
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(name + ".tmp")
            tmp.write_text(json.dumps(doc, indent=2))
            out.append((tmp, final))
        return out


def _rows_table(rows: list[dict]) -> pa.Table:
    """Episode rows -> a table, numpy stat vectors stacked into list<double> columns in one go."""
    keys = list(rows[0])
    if any(list(r) != keys for r in rows):
        return pa.Table.from_pylist([{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in r.items()} for r in rows])
    cols = {}
    for k in keys:
        vals = [r[k] for r in rows]
        if isinstance(vals[0], np.ndarray):
            n = vals[0].size
            if all(v.size == n for v in vals):  # every row the same width (one feature's stats)
                flat = np.concatenate(vals)
                offsets = pa.array(np.arange(0, flat.size + 1, max(n, 1), dtype=np.int32))
                cols[k] = pa.ListArray.from_arrays(offsets, pa.array(flat))
                continue
            cols[k] = pa.array([v.tolist() for v in vals])
        else:
            cols[k] = pa.array([v.tolist() if isinstance(v, np.ndarray) else v for v in vals])
    return pa.table(cols)


def aggregate_rows(rows: list[dict], features: dict) -> dict:
    out = {}
    for f, spec in features.items():
        per = []
        for r in rows:
            s = {k.split("/")[-1]: np.asarray(v) for k, v in r.items() if k.startswith(f"stats/{f}/")}
            if not s:
                continue
            if spec["dtype"] == "video":
                s = {k: (v.reshape(3, 1, 1) if k != "count" else v) for k, v in s.items()}
            per.append(s)
        if per:
            out[f] = st.aggregate(per)
    return out


INDEX_COLUMNS = tuple(INDEX_FEATURES)
