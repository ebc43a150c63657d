"""Benchmark suites: versioned YAML in ``configs/suite/`` expanded into (robot, task) cells with fixed seeds."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError, unknown_name


def suite_dir() -> Path:
    import humanoid_ground.configs as c

    return Path(c.__file__).parent / "suite"


def suite_names() -> list[str]:
    return sorted(p.stem for p in suite_dir().glob("*.yaml"))


@dataclass
class Cell:
    robot: str
    task: str

    @property
    def key(self) -> str:
        return f"{self.robot}/{self.task}"


@dataclass
class Suite:
    name: str
    version: int
    description: str
    episodes: int
    seed: int
    control: str
    cells: list[Cell]
    max_episode_steps: int | None = None
    cross_embodiment: bool = False
    excluded: list[dict] = field(default_factory=list)
    file_hash: str = ""
    #: robots a user added with ``robots=[...]`` that the suite does not list: their cells are outside
    #: the reference set (success only; no normalised score, not in the suite's aggregates)
    added_robots: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.name}@v{self.version}"

    @property
    def seeds(self) -> list[int]:
        """The same fixed seeds for every cell, so two labs run the same episodes."""
        return list(range(self.seed, self.seed + self.episodes))

    def reference_file(self) -> Path:
        return suite_dir() / "references" / f"{self.name}_v{self.version}.json"

    def user_reference_file(self) -> Path:
        """References calibrated on this machine for robots the suite does not list (``hground bench
        calibrate suite=S robots=[...]``): kept with the user's data, never in the package."""
        from humanoid_ground.robots import paths

        return paths.data_dir() / "references" / f"{self.name}_v{self.version}.json"

    def references(self) -> dict:
        """The suite's references, plus the user's calibrations for the added robots' cells (those cells
        stay outside the reference set: scored apart, never in the suite's aggregates)."""
        refs = read_references(self.reference_file(), f"run 'hground bench calibrate suite={self.name}'")
        if self.added_robots:
            mine = read_references(self.user_reference_file(), f"run 'hground bench calibrate suite={self.name} robots=[...]'")
            mine = mine.get("cells", {})
            added = {c.key for c in self.cells if c.robot in self.added_robots}
            refs = dict(refs, cells={**refs.get("cells", {}), **{k: v for k, v in mine.items() if k in added}})
        return refs


def read_references(path: Path, fix: str) -> dict:
    """A reference file's content ({} when there is none); a corrupt one is a one-line error naming it and ``fix``."""
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError:
        raise HGroundError(f"{path}: not valid JSON; delete it and {fix} again") from None


def load_suite(name: str, robots: list[str] | None = None) -> Suite:
    """A suite by name (or a YAML path); ``robots`` restricts its cells."""
    p = Path(name)
    f = p if p.suffix in (".yaml", ".yml") and p.is_file() else suite_dir() / f"{name}.yaml"
    if not f.is_file():
        raise unknown_name("suite", name, suite_names())
    raw = f.read_bytes()
    try:
        d = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise HGroundError(f"suite file {f} is not valid YAML ({e})") from None
    from humanoid_ground.robots import get_card, robot_names
    from humanoid_ground.tasks.registry import task_class, task_names

    cells: list[Cell] = [Cell(c["robot"], c["task"]) for c in d.get("cells") or []]
    m = d.get("matrix")
    excluded = list(d.get("exclude") or [])
    if m:
        skip = {(e["robot"], e["task"]) for e in excluded}
        for t in m["tasks"]:
            for r in m["robots"]:
                if (r, t) in skip:
                    continue
                why = task_class(t).unable(get_card(r))
                if why is not None:
                    excluded.append({"robot": r, "task": t, "why": why})
                    continue
                cells.append(Cell(r, t))
    valid_r, valid_t = robot_names(), task_names()
    for c in cells:
        if c.robot not in valid_r:
            raise unknown_name(f"robot in suite {name}", c.robot, valid_r)
        if c.task not in valid_t:
            raise unknown_name(f"task in suite {name}", c.task, valid_t)
    added: list[str] = []
    if robots:
        for r in robots:
            get_card(r)  # an unknown name is a one-line error with the closest names (variants <robot>-m<seed> too)
        listed = {c.robot for c in cells} | {e["robot"] for e in excluded}
        tasks = list(dict.fromkeys(m["tasks"] if m else [c.task for c in cells]))
        cells = [c for c in cells if c.robot in robots]
        excluded = [e for e in excluded if e["robot"] in robots]
        for r in robots:  # robots the suite does not list: every suite task their arms can do
            if r in listed:
                continue
            added.append(r)
            card = get_card(r)
            for t in tasks:
                why = task_class(t).unable(card)
                if why is not None:
                    excluded.append({"robot": r, "task": t, "why": why})
                else:
                    cells.append(Cell(r, t))
        if not cells:
            raise HGroundError(f"suite {name} has no cells the robots {robots} can do ({len(excluded)} excluded: "
                               f"{'; '.join(sorted({e['why'] for e in excluded}))})")
    return Suite(name=d["name"], version=int(d["version"]), description=str(d.get("description", "")).strip(),
                 episodes=int(d["episodes"]), seed=int(d.get("seed", 0)), control=d.get("control", "ee_delta"), cells=cells,
                 max_episode_steps=d.get("max_episode_steps"), cross_embodiment=bool(d.get("cross_embodiment", False)),
                 excluded=excluded, file_hash=hashlib.sha256(raw).hexdigest()[:16], added_robots=added)
