"""Policies that fail on purpose, for the bench runner's fault tests (imported by worker processes
through PYTHONPATH=tests)."""
from __future__ import annotations

import os
import signal
from pathlib import Path


def flaky(env):
    """Raises the first time it is built for unitree_g1 (a marker file remembers), then acts as the expert."""
    from humanoid_ground.tasks import expert

    u = env.unwrapped
    marker = Path(os.environ["HG_FAULT_DIR"]) / f"flaky_{u.card.name}_{u.task_name}"
    if u.card.name == "unitree_g1" and not marker.exists():
        marker.write_text("failed once")
        raise RuntimeError("injected failure")
    return expert(env)


def segfault_on_inspect(env):
    """Kills its own process with SIGSEGV on the inspect task; the expert elsewhere."""
    from humanoid_ground.tasks import expert

    if env.unwrapped.task_name == "inspect":
        os.kill(os.getpid(), signal.SIGSEGV)
    return expert(env)
