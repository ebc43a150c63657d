"""Datasets as a user makes them: collect -> LeRobot v3 (read back with pyarrow and PyAV) -> Minari
(read back with minari.load_dataset), merge across robots, kill and resume, bad input."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from conftest import run_cli

SHORT = ["task=reach", "max_episode_steps=20", "policy=expert"]


def _collect(out: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
    r = run_cli("collect", f"out={out}", *SHORT, *args)
    assert r.returncode == expect, r.stdout + r.stderr
    return r


def test_collect_lerobot_with_video_and_minari_round_trip(tmp_path):
    ds = tmp_path / "ds"
    _collect(ds, "robot=unitree_h1", "episodes=3", "cameras=head", "resolution=32", "workers=2")
    info = json.loads((ds / "meta" / "info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["total_episodes"] == 3 and info["total_frames"] == 60
    assert info["features"]["observation.images.head"]["dtype"] == "video" and info["fps"] == 50
    h = info["hground"]
    assert h["robots"][0]["name"] == "unitree_h1" and len(h["robots"][0]["joint_names"]) == h["max_dof"] and h["robots"][0]["model_hash"]
    # the reference readers: pyarrow for the tables, PyAV for the video
    t = pq.read_table(ds / "data" / "chunk-000" / "file-001.parquet")
    assert t.num_rows == 20 and t.column("episode_index").to_pylist() == [1] * 20
    assert t.column("index").to_pylist() == list(range(20, 40))
    assert t.schema.field("observation.state").type.list_size == 23 and t.schema.field("action").type.list_size == 16
    eps = pq.read_table(ds / "meta" / "episodes" / "chunk-000" / "file-002.parquet").to_pylist()[0]
    assert eps["dataset_from_index"] == 40 and eps["length"] == 20 and eps["hground/seed"] == 2
    import av
    with av.open(str(ds / "videos" / "observation.images.head" / "chunk-000" / "file-000.mp4")) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 20 and frames[0].shape == (32, 32, 3) and np.std(frames[0]) > 1
    stats = json.loads((ds / "meta" / "stats.json").read_text())
    assert len(stats["observation.state"]["mean"]) == 23 and np.asarray(stats["observation.images.head"]["mean"]).shape == (3, 1, 1)
    assert run_cli("data", "check", str(ds)).returncode == 0
    r = run_cli("data", "info", str(ds), "--format", "json")
    assert json.loads(r.stdout)["frames"] == 60

    r = run_cli("export", str(ds), "--format", "minari", "--out", str(tmp_path / "minari"))
    assert r.returncode == 0, r.stderr
    did = "hground/reach-unitree_h1-v0"
    assert did in r.stdout
    code = (f"import minari, json; d = minari.load_dataset('{did}'); "
            "print(json.dumps([[len(e.actions), e.observations['state'].shape[0]] for e in d.iterate_episodes()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, MINARI_DATASETS_PATH=str(tmp_path / "minari")))
    assert json.loads(out.stdout) == [[20, 21]] * 3, out.stderr

    from humanoid_ground.data.lerobot import iter_episodes
    from humanoid_ground.data.minari_io import read_minari

    ours = list(iter_episodes(ds))
    theirs = read_minari(tmp_path / "minari", did)
    for a, b in zip(ours, theirs):
        for k in ("observation.state", "observation.task_state", "observation.joint_pos", "action", "next.reward", "next.done"):
            np.testing.assert_array_equal(np.asarray(a[k]).reshape(b[k].shape), b[k])
        np.testing.assert_array_equal(a["images"]["head"], b["images"]["head"])
        np.testing.assert_array_equal(a["final"]["observation.state"], b["final"]["observation.state"])
    # LeRobot -> LeRobot export reads back to the same arrays
    assert run_cli("export", str(ds), "--format", "lerobot", "--out", str(tmp_path / "copy")).returncode == 0
    for a, b in zip(ours, iter_episodes(tmp_path / "copy")):
        for k in ("observation.state", "action", "action.native", "next.reward"):
            np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a["images"]["head"], b["images"]["head"])


def test_merge_robots_pads_native_joints(tmp_path):
    _collect(tmp_path / "h1", "robot=unitree_h1", "episodes=2")
    _collect(tmp_path / "g1", "robot=unitree_g1", "episodes=1")
    r = run_cli("data", "merge", str(tmp_path / "h1"), str(tmp_path / "g1"), "--out", str(tmp_path / "m"))
    assert r.returncode == 0, r.stderr
    info = json.loads((tmp_path / "m" / "meta" / "info.json").read_text())
    dofs = [rb["dof"] for rb in info["hground"]["robots"]]
    D = max(dofs)
    assert [rb["name"] for rb in info["hground"]["robots"]] == ["unitree_h1", "unitree_g1"] and info["hground"]["max_dof"] == D
    assert info["features"]["observation.joint_pos"]["shape"] == [D] and info["features"]["action.native"]["shape"] == [D + 2]
    from humanoid_ground.data.lerobot import iter_episodes

    eps = list(iter_episodes(tmp_path / "m"))
    assert [int(e["robot_index"][0]) for e in eps] == [0, 0, 1]
    assert eps[0]["observation.joint_mask"][0].sum() == dofs[0] and eps[2]["observation.joint_mask"][0].sum() == dofs[1]
    assert np.all(eps[0]["observation.joint_pos"][:, dofs[0]:] == 0)
    h1 = list(iter_episodes(tmp_path / "h1"))[0]
    np.testing.assert_array_equal(eps[0]["observation.joint_pos"][:, : dofs[0]], h1["observation.joint_pos"])
    np.testing.assert_array_equal(eps[0]["action"], h1["action"])
    assert run_cli("data", "check", str(tmp_path / "m")).returncode == 0


def test_sigkill_then_resume_keeps_every_finished_episode(tmp_path):
    ds = tmp_path / "ds"
    cmd = [sys.executable, "-m", "humanoid_ground", "collect", f"out={ds}", "robot=unitree_h1", *SHORT, "episodes=8"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline and len(list((ds / "meta" / "episodes").rglob("*.parquet"))) < 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    r = run_cli("data", "check", str(ds))
    assert r.returncode == 0, r.stdout  # what was written is whole
    done = json.loads((ds / "meta" / "info.json").read_text())["total_episodes"]
    assert 2 <= done < 8
    r = _collect(ds, "robot=unitree_h1", "episodes=8", "resume=true")
    assert f"{done} episodes were already written" in r.stdout
    from humanoid_ground.data.lerobot import episodes_rows

    rows = episodes_rows(ds)
    assert [x["episode_index"] for x in rows] == list(range(8)) and [x["hground/seed"] for x in rows] == list(range(8))
    assert run_cli("data", "check", str(ds)).returncode == 0


def test_bad_outputs_and_corrupt_datasets(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("keep me")
    r = _collect(tmp_path / "full", "robot=unitree_h1", "episodes=1", expect=2)
    assert "not empty" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (tmp_path / "full" / "x.txt").read_text() == "keep me"
    (tmp_path / "afile").write_text("")
    r = _collect(tmp_path / "afile" / "sub", "robot=unitree_h1", "episodes=1", expect=2)
    assert "cannot write" in r.stderr or "not empty" in r.stderr, r.stderr
    r = _collect(tmp_path / "x", "robot=unitree_h1", "episodes=1", "policy=nope", expect=2)
    assert "policy 'nope'" in r.stderr
    r = _collect(tmp_path / "y", "robot=unitree_h1", "episodes=1", "camras=head", expect=2)
    assert "cameras" in r.stderr  # did-you-mean

    ds = tmp_path / "ds"
    _collect(ds, "robot=unitree_h1", "episodes=2")
    f = ds / "data" / "chunk-000" / "file-001.parquet"
    f.write_bytes(f.read_bytes()[:100])
    r = run_cli("data", "check", str(ds))
    assert r.returncode == 1 and "episode 1" in r.stdout and "file-001.parquet" in r.stdout
    (ds / "meta" / "info.json").write_text("{not json")
    r = run_cli("data", "info", str(ds))
    assert r.returncode == 2 and "corrupt" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_wrist_cameras_recorded_where_the_card_has_them(tmp_path):
    import yaml

    from robot_files import write_vendor_robot

    path = write_vendor_robot(tmp_path)
    card = yaml.safe_load(path.read_text())
    card["arms"]["right"]["wrist_camera"] = {"link": "right_forearm", "xyz": [0.0, 0.0, -0.1], "rpy": [0.0, 1.5, 0.0], "fov": 80}
    path.write_text(yaml.safe_dump(card))
    assert run_cli("robots", "register", str(path)).returncode == 0
    ds = tmp_path / "ds"
    r = _collect(ds, "robot=acme_bot", "episodes=1", "cameras=head,wrist", "resolution=32")
    info = json.loads((ds / "meta" / "info.json").read_text())
    assert {k for k, f in info["features"].items() if f["dtype"] == "video"} == {"observation.images.head", "observation.images.right_wrist"}
    assert run_cli("data", "check", str(ds)).returncode == 0
    r = _collect(tmp_path / "h1", "robot=unitree_h1", "episodes=1", "cameras=head,wrist", "resolution=32")
    assert "no wrist camera" in r.stderr
