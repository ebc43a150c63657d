"""The Hydra entry point behind ``hground train`` (configs from the installed package)."""
from __future__ import annotations

import contextlib
import difflib
import logging
import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from humanoid_ground.errors import HGroundError, unknown_name

GROUPS = ("robot", "task", "algo")


def _robot_tag(robot, robots) -> str:
    from .train import robot_tag

    return robot_tag(list(robots) if robots else [robot])


# run folders name the robot, or "<n>robots" for a multi-robot run
OmegaConf.register_new_resolver("hground_robots", _robot_tag, replace=True)


def _choices(group: str) -> list[str]:
    if group == "robot":
        from humanoid_ground.robots import robot_names

        return robot_names()
    if group == "task":
        from humanoid_ground.tasks.registry import task_names

        return task_names()
    from .algos import ALGOS

    return list(ALGOS)


def split_top(value: str) -> list[str]:
    """``a,[b,c],d`` -> ``["a", "[b,c]", "d"]``: commas outside brackets and parentheses."""
    out, depth, cur = [], 0, ""
    for ch in value:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [v.strip() for v in out]


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


def _flat_keys(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        out.append(prefix + str(k))
        if isinstance(v, dict):
            out += _flat_keys(v, prefix + str(k) + ".")
    return out


def _robot_list(value: str):
    import yaml

    try:
        v = yaml.safe_load(value)
    except yaml.YAMLError:
        raise HGroundError(f"robots={value}: not a list; write robots=[unitree_h1,fourier_gr1t2]") from None
    if v is None:
        return None
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def normalize_robot_overrides(args: list[str], normalized: bool = False) -> list[str]:
    """``robots=[one]`` is ``robot=one``; ``robots=[a,b,...]`` also sets ``robot=a`` (the run's first
    robot); ``robot=`` and ``robots=`` naming different robots is an error."""
    robots_arg = [a for a in args if a.lstrip("+").startswith("robots=")]
    robot_arg = [a for a in args if a.lstrip("+").startswith("robot=")]
    if not robots_arg or any(len(split_top(a.partition("=")[2])) > 1 for a in robots_arg):
        return args  # no list, or a sweep over lists (checked per job)
    robots = _robot_list(robots_arg[-1].partition("=")[2])
    rest = [a for a in args if a not in robots_arg and a not in robot_arg]
    if robots is None:
        return robot_arg + rest
    if robot_arg:
        one = robot_arg[-1].partition("=")[2].strip()
        if robots != [one] and not (normalized and robots and robots[0].split("-m")[0] == one):
            raise HGroundError(f"robot={one} and robots={robots_arg[-1].partition('=')[2]} disagree; give only robots=[...] "
                               "(or only robot=)")
    if not robots:
        raise HGroundError("robots=[]: the list is empty; name one robot or more, e.g. robots=[unitree_h1,fourier_gr1t2]")
    from humanoid_ground.robots import robot_names
    from humanoid_ground.robots.morph import split_name
    from humanoid_ground.robots.registry import is_robot_name

    for r in robots:
        if not is_robot_name(r):
            raise unknown_name("robot", r, robot_names())
    v = split_name(robots[0])
    if len(robots) == 1 and v is None:
        return [f"robot={robots[0]}"] + rest
    # the robot config group names a real robot (the first one's base); the list is what trains
    return [f"robot={v[0] if v else robots[0]}", f"robots=[{','.join(robots)}]"] + rest


def dataset_defaults(args: list[str]) -> list[str]:
    """With ``dataset=PATH``, the task and the robots default to the dataset's own (an explicit
    ``task=``/``robot=``/``robots=`` wins)."""
    ds = [a.partition("=")[2] for a in args if a.startswith("dataset=")]
    if not ds or any(a.startswith("resume=") for a in args):
        return args
    from .imitation import dataset_summary

    d = dataset_summary(ds[-1])
    keys = {a.partition("=")[0].lstrip("+") for a in args}
    out = list(args)  # new overrides go first: Hydra's parser wants them before flags such as --cfg job
    if "task" not in keys:
        out.insert(0, f"task={d['tasks'][0]}")
    if "robot" not in keys and "robots" not in keys:
        out.insert(0, f"robots=[{','.join(d['robots'])}]")
    return out


def preflight(args: list[str], extra: list[str]) -> None:
    """Compose the config exactly as the run will (Hydra's compose API) and validate it before Hydra
    creates a run folder: unknown keys get a did-you-mean, bad values one line each. A sweep (``-m``)
    is checked one swept value at a time."""
    from hydra import compose, initialize_config_module
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .train import validate_config

    plain = [a for a in args if "=" in a and not a.startswith("-")]
    if not plain and any(a.startswith("-") and a not in ("-m", "--multirun") for a in args):
        return  # --help, --cfg, ...: Hydra's own business
    sweeps = {a.partition("=")[0]: split_top(a.partition("=")[2]) for a in plain
              if not a.startswith("hydra") and "(" not in a and len(split_top(a.partition("=")[2])) > 1}
    base = [a if a.partition("=")[0] not in sweeps else f"{a.partition('=')[0]}={sweeps[a.partition('=')[0]][0]}" for a in plain]
    variants = [base] + [[f"{k}={v}" if a.partition("=")[0] == k else a for a in base] for k, vs in sweeps.items() for v in vs[1:]]
    searchpath = [e for e in extra if e.startswith("hydra.searchpath")]
    with initialize_config_module(config_module="humanoid_ground.configs", version_base="1.3"):
        for ov in variants:
            ov = normalize_robot_overrides(ov, normalized=True)
            groups = [o for o in ov if o.partition("=")[0].lstrip("+") in GROUPS]
            try:
                known = set(_flat_keys(OmegaConf.to_container(compose("train", overrides=groups + searchpath), resolve=False)))
            except (HydraException, OmegaConfBaseException) as e:
                raise HGroundError(f"train: {str(e).splitlines()[0]}") from None
            for a in ov:
                key = a.partition("=")[0]
                if key.startswith(("+", "~", "hydra")) or key in GROUPS or key in known:
                    continue
                close = difflib.get_close_matches(key, sorted(known), n=1)
                raise HGroundError(f"unknown train option '{key}'." + (f" Did you mean '{close[0]}'?" if close else "")
                                   + " Every option: hground train --cfg job (add a new key with +key=value)")
            try:
                cfg = compose("train", overrides=[o for o in ov if not o.startswith("hydra")] + searchpath)
            except (HydraException, OmegaConfBaseException) as e:
                raise HGroundError(f"train: {str(e).splitlines()[0]}") from None
            c = OmegaConf.to_container(cfg, resolve=True)
            if c.get("resume"):
                return  # a resumed run keeps its own config (checked when it loads)
            validate_config(c)


def _train_job(cfg: DictConfig, result: dict) -> None:
    """One Hydra job: train, and leave the outcome in ``result`` (the caller's dict)."""
    from hydra.core.hydra_config import HydraConfig

    from .train import train

    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    result.clear()
    try:
        result.update(train(OmegaConf.to_container(cfg, resolve=True), run_dir, list(hc.overrides.task)))
    except HGroundError as err:  # one line, not Hydra's report with a traceback
        print(f"hground: error: {err}", file=sys.stderr, flush=True)
        _discard_failed_run(run_dir, cfg)
        result["error"] = err.exit_code
        return
    if not result.get("interrupted"):
        print(final_line(result), flush=True)


@contextlib.contextmanager
def _hydra_argv(args: list[str]):
    """``hydra.main`` reads its overrides from ``sys.argv`` only (its public API has no argument list
    for a run with a run folder, sweeps and launchers); set it for the call and restore it after."""
    saved = sys.argv
    sys.argv = ["hground train", *args]
    try:
        yield
    finally:
        sys.argv = saved


def _hydra_train(args: list[str]) -> dict:
    """Run ``hground train ARGS`` through Hydra; the outcome of the (last) job in this process."""
    result: dict = {}

    @hydra.main(version_base="1.3", config_path="pkg://humanoid_ground.configs", config_name="train")
    def app(cfg: DictConfig) -> None:
        _train_job(cfg, result)

    with _hydra_argv(args):
        app()
    return result


def final_line(out: dict) -> str:
    """The line a finished run prints: the final model's evaluation (per robot for several robots), the
    last periodic evaluation and the best model, so the progress bar's last figure is explained."""
    head = f"{out['algo']} {out['task']} on {', '.join(out['robots'])} (seed {out['seed']}): {out['steps']} steps in {out['wall_time_s']:.0f} s"
    fe = out.get("final_eval") or {}
    if not fe:
        return f"{head}; run: {out['run_dir']}"
    lo, hi = fe["success_ci95"]
    txt = (f"{head}; final model eval success {100 * fe['success_rate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}] over "
           f"{fe['episodes']} episodes")
    if len(fe.get("per_robot") or {}) > 1:
        txt += " (" + ", ".join(f"{r} {100 * s['success_rate']:.0f}%" for r, s in fe["per_robot"].items()) + ")"
    last, best = out.get("last_periodic_eval"), out.get("best")
    if last:
        txt += f"; last periodic eval {100 * last['success_rate']:.0f}% at step {last['step']}"
    if best:
        txt += f"; best model {100 * best['success_rate']:.0f}% at step {best['step']} (best_model.zip)"
    return f"{txt}; run: {out['run_dir']}"


def _discard_failed_run(run_dir: Path, cfg) -> None:
    """A run that failed before its first checkpoint leaves no folder behind (a resumed run keeps its own)."""
    import shutil

    if cfg.get("resume") or not run_dir.is_dir() or any((run_dir / "checkpoints").glob("*.zip")):
        return
    logging.shutdown()
    shutil.rmtree(run_dir, ignore_errors=True)


def register_configs() -> None:
    """Hydra's config groups that are not files, stored in its ConfigStore:

    - ``robot=<name>`` for every robot usable by name (built-in and registered): ``{name: <name>}``;
    - ``task=<name>`` for every registered task: its config (class defaults with the optional
      ``configs/task/<name>.yaml`` over them; a YAML file of that name, when present, is what Hydra
      reads, and :func:`~.train.validate_config` completes it with the defaults);
    - ``env=default``: :class:`~humanoid_ground.envs.settings.EnvSettings`' defaults and the training
      keys (:data:`~.wrappers.TRAINING_ENV_KEYS`), the one source of the env defaults."""
    from hydra.core.config_store import ConfigStore

    from humanoid_ground.robots import robot_names
    from humanoid_ground.tasks.registry import task_config, task_names

    from .wrappers import env_group_config

    cs = ConfigStore.instance()
    for name in robot_names():
        cs.store(group="robot", name=name, node={"name": name})
    for name in task_names():
        cs.store(group="task", name=name, node=task_config(name))
    cs.store(group="env", name="default", node=env_group_config())


def task_param_overrides(args: list[str]) -> list[str]:
    """``task.params.X=v`` → ``++task.params.X=v``: a task's parameters need not all appear in the YAML
    Hydra reads (the Params dataclass checks the names)."""
    return [f"++{a}" if a.startswith("task.params.") else a for a in args]


# at import, so the processes of a ``-m`` sweep (the joblib launcher) know the tasks too
register_configs()
# an optional configs/task/<name>.yaml is merged over the stored defaults (Hydra's schema matching) — the
# intended behaviour here, so Hydra's deprecation notice about it is not shown
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message=r"(?s).*is validated against ConfigStore schema with the same name")


def run(args: list[str]) -> int:
    """``hground train ARGS``: Hydra overrides (``robot=... task=... algo=...``, ``-m`` sweeps)."""
    validate_overrides(args)
    args = task_param_overrides(args)
    args = dataset_defaults(args)
    args = normalize_robot_overrides(args)
    register_configs()  # robots registered since import
    extra = []
    preflight(args, extra)
    for a in args:
        if a.startswith("resume="):
            run_dir = Path(a.split("=", 1)[1]).expanduser()
            if not (run_dir / "config.yaml").is_file():
                raise HGroundError(f"resume={run_dir}: not a run directory (no config.yaml); pass the folder 'hground train' wrote")
            # the resumed run writes into its own folder; Hydra's record of this invocation goes beside it
            extra += [f"hydra.run.dir={run_dir}", "hydra.output_subdir=.hydra_resume"]
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    result = _hydra_train([*args, *extra])
    if result.get("error"):
        return int(result["error"])
    return 130 if result.get("interrupted") else 0
