"""The CLI contract: a user error is one line on stderr, exit 2, no traceback, and nothing left behind."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import run_cli

TRAIN_ROWS = [
    (["total_timesteps=-5"], "total_timesteps"),
    (["total_timesteps=0"], "total_timesteps"),
    (["seed=abc"], "seed=abc"),
    (["total_timesteps=abc"], "total_timesteps=abc"),
    (["totl_timesteps=100"], "Did you mean 'total_timesteps'"),
    (["control=joint"], "Did you mean 'joint_pos'"),
    (["n_envs=0"], "n_envs"),
    (["algo.params.n_stepz=5"], "Did you mean 'algo.params.n_steps'"),
    (["-m", "seed=0,x"], "seed=x"),
    (["robot=unitree_h1", "task=screw_drive"], "pick another robot"),
    (["robots=[fourier_gr1t2,unitree_h1]", "task=screw_drive"], "drop it from the robot list"),
]

def _one_line(r, needle: str) -> None:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stdout + r.stderr

@pytest.mark.parametrize("args, needle", TRAIN_ROWS)
def test_train_bad_values_are_one_line_and_leave_no_folder(tmp_path, args, needle):
    r = run_cli("train", f"out_root={tmp_path / 'runs'}", *args, cwd=tmp_path)
    _one_line(r, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hground_home"] or not (tmp_path / "runs").exists()
    assert not (tmp_path / "runs").exists() and not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()

@pytest.mark.parametrize("cmd, args, needle", [
    ("eval", ["checkpoint=x", "episodes=abc"], "episodes=abc"),
    ("eval", ["checkpoint=x", "episodes=0"], "episodes=0"),
    ("collect", ["out=o", "workers=two"], "workers=two"),
    ("collect", ["out=o", "resume=maybe"], "true or false"),
    ("collect", ["out=o", "action_noise=2"], "action_noise=2"),
    ("bench", ["out=o", "workers=0"], "workers=0"),
    ("bench", ["out=o", "robots=[unitree_h1,fourier_gr1t1]"], "Did you mean 'fourier_gr1t2'"),
    ("eval", ["checkpint=x"], "Did you mean 'checkpoint'"),
])
def test_key_value_commands_validate_before_running(tmp_path, cmd, args, needle):
    r = run_cli(cmd, *args, cwd=tmp_path)
    _one_line(r, needle)
    assert not (tmp_path / "o").exists()

def test_errors_in_env_worker_processes_come_back_as_one_line(tmp_path):
    """An env that fails inside a SubprocVecEnv worker: the trainer reports the worker's own line."""
    code = """
import sys
from pathlib import Path
from humanoid_ground.errors import HGroundError
from humanoid_ground.training import train as T
cfg = {"task": {"name": "reach", "params": {"no_such_param": 1}}, "robot": {"name": "unitree_h1"}, "robots": None,
       "algo": {"name": "ppo", "params": {}}, "control": "ee_delta", "n_envs": 2, "env": {}}
try:
    T._vec_env(cfg, ["canonical", "task"], T.tempfile.NamedTemporaryFile(delete=False).name)
except HGroundError as e:
    print("ONE LINE:", e)
    sys.exit(2)
"""

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert r.returncode == 2 and "ONE LINE:" in r.stdout and "no_such_param" in r.stdout, r.stdout + r.stderr

def test_progress_lines_when_output_is_not_a_terminal(tmp_path):
    env = dict(os.environ)
    env.pop("CI", None)
    r = run_cli("train", f"out_root={tmp_path / 'runs'}", "task.max_episode_steps=25", "n_envs=1", "total_timesteps=256",
                "algo.params.n_steps=128", "algo.params.batch_size=64", "algo.params.n_epochs=1", "eval.episodes=0",
                "checkpoint_freq=0", env=env)
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if "steps," in x and "ETA" in x]
    assert len(lines) >= 2 and all("/256 steps" in x for x in lines)  # plain lines as it runs, flushed

def test_robots_check_suggests_misspelt_links_and_register_refuses_early(tmp_path):
    from robot_files import write_vendor_robot

    card = write_vendor_robot(tmp_path)
    text = card.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("ee_link: left_forearm", "ee_link: left_forarm"))
    r = run_cli("robots", "check", str(bad), "--quick")
    assert r.returncode == 2 and "did you mean 'left_forearm'" in r.stderr, r.stdout + r.stderr
    assert run_cli("robots", "register", str(card), "--quick").returncode == 0
    r = run_cli("robots", "register", str(card))
    _one_line(r, "already registered")
    assert "robot check" not in r.stdout  # refused before validation ran

def test_show_yaml_is_a_card_to_start_from(tmp_path):
    r = run_cli("robots", "show", "unitree_h1", "--format", "yaml")
    assert r.returncode == 0, r.stderr
    card = tmp_path / "mine.yaml"
    card.write_text(r.stdout.replace("name: unitree_h1", "name: my_h1"))
    r = run_cli("robots", "check", str(card), "--quick")
    assert r.returncode == 0, r.stdout + r.stderr

@pytest.mark.parametrize("cmd, module", [("eval", "humanoid_ground.training.evaluate"), ("collect", "humanoid_ground.data.collect"),
                                         ("bench", "humanoid_ground.training.bench")])
def test_key_value_help_lists_every_key(tmp_path, cmd, module):
    import importlib

    r = run_cli(cmd, "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    keys = [ln.strip().partition("=")[0] for ln in r.stdout.split("keys (default):")[1].splitlines() if ln.strip()]
    assert keys == list(importlib.import_module(module).DEFAULTS)
