"""Test set-up: an isolated registry per test (HGROUND_HOME) and a shared asset cache per checkout."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# converted robot assets are content-addressed, so one cache can serve every test and xdist worker
os.environ.setdefault("HGROUND_CACHE", str(ROOT / ".pytest_cache" / "hground-assets"))


@pytest.fixture(autouse=True)
def hground_home(tmp_path, monkeypatch):
    home = tmp_path / "hground_home"
    monkeypatch.setenv("HGROUND_HOME", str(home))
    return home


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m humanoid_ground ARGS`` as a user would, capturing stdout and stderr."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "humanoid_ground", *args], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=600)


def robot_for(task: str) -> str:
    """unitree_h1, or a robot that can do the task when H1 cannot (Task.unable: e.g. screw_drive needs a hold that turns)."""
    from humanoid_ground.robots import get_card
    from humanoid_ground.tasks.registry import task_class

    return next(r for r in ("unitree_h1", "fourier_gr1t2") if task_class(task).unable(get_card(r)) is None)
