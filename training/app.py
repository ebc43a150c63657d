"""The Hydra entry point behind ``hground train`` (configs from the installed package)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from humanoid_ground.errors import HGroundError, unknown_name

GROUPS = ("robot", "task", "algo")
_RESULT: dict = {}


def _choices(group: str) -> list[str]:
    if group == "robot":
        from humanoid_ground.robots import robot_names

        return robot_names()
    if group == "task":
        from humanoid_ground.tasks.registry import task_names

        return task_names()
    from .algos import ALGOS

    return list(ALGOS)


def validate_overrides(args: list[str]) -> None:
    """``robot=``/``task=``/``algo=`` values (sweep lists included) checked before Hydra runs, so a
    typo is one line naming the valid choices."""
    for a in args:
        if "=" not in a or a.startswith(("-", "hydra")):
            continue
        key, _, value = a.partition("=")
        key = key.lstrip("+")
        if key not in GROUPS or "(" in value:
            continue
        choices = _choices(key)
        for v in value.split(","):
            v = v.strip()
            if v and v not in choices:
                raise unknown_name(key, v, choices)


def registered_robot_searchpath() -> str | None:
    """Registered (non-built-in) robots become ``robot=<name>`` options: a generated config group
    under the user registry, added to Hydra's search path."""
    from humanoid_ground.robots import all_cards
    from humanoid_ground.robots.paths import registry_dir

    user = [c.name for c in all_cards() if not c.builtin]
    if not user:
        return None
    root = Path(registry_dir()) / "hydra"
    (root / "robot").mkdir(parents=True, exist_ok=True)
    for name in user:
        f = root / "robot" / f"{name}.yaml"
        text = f"# generated for the registered robot '{name}'\nname: {name}\n"
        if not f.is_file() or f.read_text() != text:
            f.write_text(text)
    return f"file://{root}"


@hydra.main(version_base="1.3", config_path="pkg://humanoid_ground.configs", config_name="train")
def _train_app(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from .train import train

    hc = HydraConfig.get()
    try:
        out = train(OmegaConf.to_container(cfg, resolve=True), Path(hc.runtime.output_dir), list(hc.overrides.task))
    except HGroundError as err:  # one line, not Hydra's report with a traceback
        print(f"hground: error: {err}", file=sys.stderr, flush=True)
        _RESULT.clear()
        _RESULT["error"] = err.exit_code
        return
    _RESULT.clear()
    _RESULT.update(out)
    if out.get("interrupted"):
        return
    fe = out.get("final_eval") or {}
    if fe:
        lo, hi = fe["success_ci95"]
        print(f"{out['algo']} {out['task']} on {out['robot']} (seed {out['seed']}): {out['steps']} steps in {out['wall_time_s']:.0f} s; "
              f"eval success {100 * fe['success_rate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}] over {fe['episodes']} episodes; "
              f"run: {out['run_dir']}", flush=True)


def run(args: list[str]) -> int:
    """``hground train ARGS``: Hydra overrides (``robot=... task=... algo=...``, ``-m`` sweeps)."""
    validate_overrides(args)
    extra = []
    sp = registered_robot_searchpath()
    if sp:
        extra.append(f"hydra.searchpath=[{sp}]")
    for a in args:
        if a.startswith("resume="):
            run_dir = Path(a.split("=", 1)[1]).expanduser()
            if not (run_dir / "config.yaml").is_file():
                raise HGroundError(f"resume={run_dir}: not a run directory (no config.yaml); pass the folder 'hground train' wrote")
            # the resumed run writes into its own folder; Hydra's record of this invocation goes beside it
            extra += [f"hydra.run.dir={run_dir}", "hydra.output_subdir=.hydra_resume"]
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    argv = sys.argv
    sys.argv = ["hground train", *args, *extra]
    try:
        _train_app()
    finally:
        sys.argv = argv
    if _RESULT.get("error"):
        return int(_RESULT["error"])
    return 130 if _RESULT.get("interrupted") else 0
