"""The training harness as a user runs it: ``hground train`` / ``hground eval`` in subprocesses."""
from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli

TINY = ["task.max_episode_steps=25", "n_envs=1", "algo.params.batch_size=64", "eval.episodes=1",
        "eval.video_episodes=1", "progress=false"]
PPO = ["algo.params.n_steps=128", "algo.params.n_epochs=2"]


def _train(tmp_path: Path, *overrides: str, expect: int = 0) -> Path:
    algo = [] if any(o.startswith("algo=") for o in overrides) else PPO
    r = run_cli("train", f"out_root={tmp_path / 'runs'}", *TINY, *algo, *overrides)
    assert r.returncode == expect, r.stdout + r.stderr
    runs = sorted((tmp_path / "runs").glob("*_s*"))
    return runs[-1] if runs else None


def _scalars(run: Path) -> dict:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run / "tb"), size_guidance={"images": 0})
    acc.Reload()
    return {"scalars": set(acc.Tags()["scalars"]), "images": set(acc.Tags()["images"])}


def test_train_ppo_writes_a_complete_run(tmp_path):
    run = _train(tmp_path, "total_timesteps=512", "eval.freq=256", "checkpoint_freq=256")
    assert "unitree_h1_reach_ppo_s0" in run.name
    for f in ("config.yaml", "best_model.zip", "final_model.zip", "summary.json", "evaluations.jsonl"):
        assert (run / f).is_file(), f
    assert [p.name for p in sorted((run / "checkpoints").glob("*.zip"))][:2] == ["step_000000256.zip", "step_000000512.zip"]
    tags = _scalars(run)
    for t in ("rollout/ep_rew_mean", "rollout/ep_len_mean", "rollout/success_rate", "eval/success_rate",
              "task/pos_error", "eval/rot_error_deg", "time/fps"):
        assert t in tags["scalars"], (t, tags)
    assert "eval/video" in tags["images"]
    from humanoid_ground.common.video import read_mp4

    video = read_mp4(sorted((run / "videos").glob("*.mp4"))[0])
    assert video.shape[0] == 26 and video.std() > 1.0  # reset frame + 25 steps, not blank
    with zipfile.ZipFile(run / "best_model.zip") as z:  # a checkpoint bundles stats, config, seed, revision
        meta = json.loads(z.read("hground/meta.json"))
        assert "hground/vecnormalize.pkl" in z.namelist()
    assert meta["seed"] == 0 and meta["config"]["algo"]["name"] == "ppo" and "git_revision" in meta
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 512 and 0 <= summary["final_eval"]["success_rate"] <= 1

    # eval on the training robot and, through the canonical interface, on another robot
    r = run_cli("eval", f"checkpoint={run}", "episodes=3", "video=1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "ev" / "eval.json").read_text())
    lo, hi = res["summary"]["success_ci95"]
    assert len(res["episodes"]) == 3 and 0 <= lo <= res["summary"]["success_rate"] <= hi <= 1
    assert "95% Wilson" in r.stdout and (tmp_path / "ev" / "episode_seed1000000.mp4").is_file()
    run_cli("eval", f"checkpoint={run}", "episodes=3", f"out={tmp_path / 'ev2'}")
    assert json.loads((tmp_path / "ev2" / "eval.json").read_text())["summary"] == res["summary"]  # same numbers
    r = run_cli("eval", f"checkpoint={run / 'final_model.zip'}", "episodes=1", "robot=unitree_g1", f"out={tmp_path / 'ev3'}")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "ev3" / "eval.json").read_text())["robot"] == "unitree_g1"


def test_same_seed_same_first_transitions(tmp_path):
    args = ["total_timesteps=1024", "eval.episodes=0", "checkpoint_freq=0", "record_transitions=1000"]
    a = _train(tmp_path / "a", *args)
    b = _train(tmp_path / "b", *args)
    c = _train(tmp_path / "c", *args, "seed=1")
    ta, tb, tc = (np.load(r / "transitions.npz") for r in (a, b, c))
    assert ta["actions"].shape[0] == 1000
    for k in ("actions", "rewards", "new_obs", "dones"):
        np.testing.assert_array_equal(ta[k], tb[k])
    assert not np.array_equal(ta["new_obs"], tc["new_obs"])


def test_sac_resume_continues_step_counter_and_buffer(tmp_path):
    sac = ["algo=sac", "algo.params.learning_starts=64", "algo.params.buffer_size=5000", "eval.episodes=0"]
    run = _train(tmp_path, *sac, "total_timesteps=300", "checkpoint_freq=150")
    r = run_cli("train", f"resume={run}", "total_timesteps=450", "progress=false")
    assert r.returncode == 0, r.stderr
    assert json.loads((run / "summary.json").read_text())["steps"] == 450
    with open(run / "replay_buffer.pkl", "rb") as f:
        assert pickle.load(f).size() == 450  # the buffer carried over (300) and grew
    import pandas as pd

    steps = pd.read_csv(run / "tb" / "progress.csv")["time/total_timesteps"].dropna().tolist()
    assert steps == sorted(steps) and steps[-1] > 300


def test_ctrl_c_saves_a_checkpoint_then_resume(tmp_path):
    cmd = [sys.executable, "-m", "humanoid_ground", "train", f"out_root={tmp_path / 'runs'}", *TINY, *PPO,
           "total_timesteps=100000", "eval.episodes=0", "checkpoint_freq=0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    def trained() -> bool:  # the first rollout is logged: training is under way
        f = list((tmp_path / "runs").glob("*/tb/progress.csv"))
        return bool(f) and len(f[0].read_text().splitlines()) >= 2
    while time.time() < deadline and not trained():
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    run = next((tmp_path / "runs").glob("*_s0"))
    ck = sorted((run / "checkpoints").glob("step_*.zip"))
    assert ck and f"hground train resume={run}" in err
    step = int(ck[-1].stem.split("_")[1])
    assert step > 0
    r = run_cli("train", f"resume={run}", f"total_timesteps={step + 128}", "progress=false")
    assert r.returncode == 0, r.stderr
    assert json.loads((run / "summary.json").read_text())["steps"] >= step + 128


@pytest.mark.parametrize("arg, name", [("robot=unitree_h2", "unitree_h1"), ("task=peg_inset", "peg_insert"),
                                       ("algo=sacc", "sac")])
def test_unknown_names_are_one_line(tmp_path, arg, name):
    r = run_cli("train", f"out_root={tmp_path}", arg)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and name in r.stderr, r.stderr


def test_checkpoint_from_other_space_is_refused(tmp_path):
    run = _train(tmp_path, "control=joint_pos", "total_timesteps=128", "eval.episodes=0", "checkpoint_freq=0")
    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "robot=unitree_g1")
    assert r.returncode == 2 and "space differs" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = run_cli("eval", f"checkpoint={tmp_path / 'nope.zip'}")
    assert r.returncode == 2 and "does not exist" in r.stderr
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    r = run_cli("eval", f"checkpoint={tmp_path / 'bad.zip'}")
    assert r.returncode == 2 and "corrupt" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sweep_runs_locally_with_joblib(tmp_path):
    r = run_cli("train", "-m", "seed=0,1", f"out_root={tmp_path}", *TINY, *PPO, "total_timesteps=128",
                "eval.episodes=0", "checkpoint_freq=0")
    assert r.returncode == 0, r.stdout + r.stderr
    jobs = sorted(p.name for p in (tmp_path / "multirun").glob("*/*_s*"))
    assert [j.split("_", 1)[1] for j in jobs] == ["unitree_h1_reach_ppo_s0", "unitree_h1_reach_ppo_s1"], jobs
    for j in (tmp_path / "multirun").glob("*/*_s*"):
        assert (j / "final_model.zip").is_file()


def test_registered_vendor_robot_trains_with_no_code(tmp_path):
    from robot_files import write_vendor_robot

    card = write_vendor_robot(tmp_path)
    assert run_cli("robots", "register", str(card)).returncode == 0
    run = _train(tmp_path, "robot=acme_bot", "total_timesteps=128", "eval.episodes=0", "checkpoint_freq=0")
    assert run.name.endswith("_acme_bot_reach_ppo_s0") and (run / "final_model.zip").is_file()


@pytest.mark.parametrize("algo", ["td3", "tqc"])
def test_td3_and_tqc_train(tmp_path, algo):
    run = _train(tmp_path, f"algo={algo}", "algo.params.learning_starts=64", "algo.params.buffer_size=2000",
                 "total_timesteps=160", "eval.episodes=0", "checkpoint_freq=0")
    assert run.name.endswith(f"_reach_{algo}_s0") and json.loads((run / "summary.json").read_text())["steps"] == 160
