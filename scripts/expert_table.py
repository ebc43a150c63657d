"""Scripted-expert success table (task × robot), printed as Markdown for the README.

Usage: python scripts/expert_table.py [--seeds 20] [--tasks reach,pick_place,peg_insert] [--robots all] [--sim weld_idle=true]
Success is counted at the end of the episode (the time limit of the task's config).
"""
from __future__ import annotations

import argparse

from humanoid_ground.robots import get_card, robot_names
from humanoid_ground.tasks import expert_success
from humanoid_ground.tasks.registry import task_class, task_names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--tasks", default=",".join(task_names()))
    ap.add_argument("--robots", default="all")
    ap.add_argument("--sim", action="append", default=[], metavar="KEY=VALUE",
                    help="a physics setting over the defaults (repeatable), e.g. weld_idle=true")
    args = ap.parse_args()
    import yaml

    sim = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.sim)}
    tasks = args.tasks.split(",")
    robots = [r for r in robot_names() if get_card(r).arms] if args.robots == "all" else args.robots.split(",")
    print("| robot | " + " | ".join(tasks) + " |")
    print("|---|" + "---|" * len(tasks))
    for robot in robots:
        cells = []
        for task in tasks:
            if task_class(task).unable(get_card(robot)) is not None:
                cells.append("n/a")
                continue
            try:
                wins = expert_success(task, robot, range(args.seeds), sim=sim or None)
                cells.append(f"{100 * wins / args.seeds:.0f} %")
            except Exception as err:  # a robot the task cannot be set up for
                cells.append(f"error: {type(err).__name__}")
        print(f"| `{robot}` | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
