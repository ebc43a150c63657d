"""SB3 callbacks of the harness: task metrics, evaluation (best model, videos), self-contained
checkpoints, a progress bar, Ctrl-C handling and a transition recorder."""
from __future__ import annotations

import io
import json
import os
import signal
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from .checkpoint import save_checkpoint
from .rollout import run_episodes, summarize
from .wrappers import flatten_obs


def _vecnorm(model):
    from stable_baselines3.common.vec_env import VecNormalize

    env = model.get_env()
    while env is not None:
        if isinstance(env, VecNormalize):
            return env
        env = getattr(env, "venv", None)
    return None


class MetricsCallback(BaseCallback):
    """``rollout/success_rate``, ``rollout/<robot>/success_rate`` and ``task/<metric>`` (final value per
    episode, mean of the last ``window`` episodes; per robot over its own last ``window``)."""

    def __init__(self, window: int = 100):
        super().__init__()
        self.window = window
        self.success = deque(maxlen=window)
        self.per_robot: dict[str, deque] = {}
        self.metrics: dict[str, deque] = {}

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if not done:
                continue
            ok = float(info.get("is_success", False))
            self.success.append(ok)
            if "robot" in info:
                self.per_robot.setdefault(info["robot"], deque(maxlen=self.window)).append(ok)
            for k, v in info.get("task_metrics", {}).items():
                self.metrics.setdefault(k, deque(maxlen=self.success.maxlen)).append(float(v))
        if self.success:
            self.logger.record("rollout/success_rate", float(np.mean(self.success)))
            for r, d in self.per_robot.items():
                self.logger.record(f"rollout/{r}/success_rate", float(np.mean(d)))
            for k, d in self.metrics.items():
                self.logger.record(f"task/{k}", float(np.mean(d)))
        return True

    def rollout_success(self) -> dict[str, float]:
        """Success over each robot's last ``window`` training episodes."""
        return {r: float(np.mean(d)) for r, d in self.per_robot.items()}


class ModelPolicy:
    """The model being trained as an obs-dict -> action policy (deterministic, current normaliser)."""

    def __init__(self, model, keys, view=None):
        self.model, self.keys, self.view, self.norm = model, keys, view, _vecnorm(model)

    def __call__(self, obs):
        x = flatten_obs(obs, self.keys, self.view)[None]
        if self.norm is not None:
            x = self.norm.normalize_obs(x)
        return self.model.predict(x, deterministic=True)[0][0]


def gif_bytes(frames, fps: int, every: int = 2, size: int = 160) -> bytes:
    from PIL import Image

    imgs = [Image.fromarray(f).resize((size, int(size * f.shape[0] / f.shape[1]))) for f in frames[::every]]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=int(1000 * every / fps), loop=0)
    return buf.getvalue()


def tb_video(logger, tag: str, frames, fps: int, step: int) -> None:
    """An animated GIF image summary (what TensorBoard's video panel shows), without moviepy."""
    from stable_baselines3.common.logger import TensorBoardOutputFormat
    from tensorboard.compat.proto.summary_pb2 import Summary

    for fmt in logger.output_formats:
        if isinstance(fmt, TensorBoardOutputFormat):
            h, w = frames[0].shape[:2]
            img = Summary.Image(height=160 * h // w, width=160, colorspace=3, encoded_image_string=gif_bytes(frames, fps))
            fmt.writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=tag, image=img)]), step)
            fmt.writer.flush()


class Evaluator:
    """Deterministic evaluation of a policy on each robot on fixed seeds: logs ``eval/<robot>/*`` and
    ``eval/*`` (the mean over the robots), appends to ``evaluations.jsonl``, writes a video of the first
    robot's first ``video_episodes``, and tracks the best score (mean success, then mean return).
    Shared by the RL callback and the imitation trainer.

    :param make_eval_env: ``make_eval_env(robot) -> env`` (the env's own Dict observations).
    :param robots: the robots to evaluate on (the training robots).
    """

    def __init__(self, make_eval_env, robots, run_dir: Path, episodes: int, video_episodes: int, seed: int, fps: int = 50):
        self.make_eval_env, self.robots, self.run_dir = make_eval_env, list(robots), run_dir
        self.episodes, self.video_episodes, self.seed, self.fps = int(episodes), int(video_episodes), int(seed), fps
        self.envs: dict = {}
        self.last = None
        self.best = self._load_best()
        self.history_file = run_dir / "evaluations.jsonl"
        self.seconds, self.count = 0.0, 0  # time spent evaluating (progress ETAs leave it out of the training rate)

    def _load_best(self):
        f = self.run_dir / "best_model.json"
        if f.is_file():
            b = json.loads(f.read_text())
            return (b["success_rate"], b["mean_return"])
        return None

    def env(self, robot: str):
        """The evaluation env of ``robot`` (built on first use, kept)."""
        if robot not in self.envs:
            self.envs[robot] = self.make_eval_env(robot)
        return self.envs[robot]

    def evaluate(self, policy, step: int, logger) -> tuple[dict, bool]:
        """Run ``policy`` (obs dict -> action; ``policy.reset()`` is called per episode when it has one);
        returns the mean summary (with ``per_robot``) and whether it is the best so far."""
        from humanoid_ground.common.video import write_mp4

        t0 = time.time()
        seeds = list(range(self.seed, self.seed + self.episodes))
        per_robot, frames = {}, []
        for i, robot in enumerate(self.robots):
            rows, videos = run_episodes(self.env(robot), policy, seeds, video_seeds=seeds[: self.video_episodes] if i == 0 else [])
            per_robot[robot] = s = summarize(rows)
            frames += [f for seed in sorted(videos) for f in videos[seed]]
            for k in ("success_rate", "success_once_rate", "mean_return", "mean_length"):
                logger.record(f"eval/{robot}/{k}", s[k])
        s = mean_summary(per_robot)
        for k in ("success_rate", "success_once_rate", "mean_return", "mean_length"):
            logger.record(f"eval/{k}", s[k])
        for k, v in s["metrics"].items():
            if v is not None:
                logger.record(f"eval/{k}", v)
        if frames:
            write_mp4(self.run_dir / "videos" / f"eval_step_{step:09d}.mp4", frames, self.fps)
            tb_video(logger, "eval/video", frames, self.fps, step)
        with open(self.history_file, "a") as f:
            row = {"step": step, **{k: s[k] for k in ("success_rate", "success_ci95", "mean_return", "metrics")},
                   "per_robot": {r: {k: v[k] for k in ("success_rate", "success_ci95", "mean_return")} for r, v in per_robot.items()}}
            f.write(json.dumps(row) + "\n")
        score = (s["success_rate"], s["mean_return"])
        improved = self.best is None or score > tuple(self.best)
        if improved:
            self.best = score
        s["step"] = step
        self.last = s
        self.seconds += time.time() - t0
        self.count += 1
        return s, improved

    def record_best(self, step: int, s: dict) -> None:
        (self.run_dir / "best_model.json").write_text(json.dumps({
            "step": step, "success_rate": s["success_rate"], "mean_return": s["mean_return"],
            "per_robot": {r: v["success_rate"] for r, v in s["per_robot"].items()}}))

    def close(self) -> None:
        for env in self.envs.values():
            env.close()
        self.envs.clear()


class EvalCallback(BaseCallback):
    """Every ``freq`` env steps: an :class:`Evaluator` pass of the model being trained on every training
    robot; keeps ``best_model.zip`` by the mean success over the robots (then the mean return)."""

    def __init__(self, make_eval_env, robots, run_dir: Path, keys, view, freq: int, episodes: int, video_episodes: int,
                 seed: int, meta: dict, fps: int = 50):
        super().__init__()
        self.evaluator = Evaluator(make_eval_env, robots, run_dir, episodes, video_episodes, seed, fps)
        self.run_dir, self.keys, self.view, self.freq, self.episodes, self.meta = run_dir, keys, view, int(freq), int(episodes), meta
        self.next_eval = None

    @property
    def last(self):
        return self.evaluator.last

    def _on_training_start(self) -> None:
        self.next_eval = (self.num_timesteps // self.freq + 1) * self.freq if self.freq > 0 and self.episodes > 0 else None

    def _on_step(self) -> bool:
        if self.next_eval is not None and self.num_timesteps >= self.next_eval:
            self.next_eval += self.freq
            self.evaluate()
        return True

    def evaluate(self) -> dict:
        step = self.num_timesteps
        s, improved = self.evaluator.evaluate(ModelPolicy(self.model, self.keys, self.view), step, self.logger)
        if improved:
            save_checkpoint(self.model, self.run_dir / "best_model.zip", self.meta, _vecnorm(self.model))
            self.evaluator.record_best(step, s)
        self.logger.dump(step)
        return s

    def _on_training_end(self) -> None:
        self.evaluator.close()


def mean_summary(per_robot: dict[str, dict]) -> dict:
    """One summary over robots: the mean of each robot's rates, returns and metrics (each robot weighs
    alike), the pooled Wilson interval, and the per-robot summaries under ``per_robot``."""
    from .stats import wilson

    rows = list(per_robot.values())
    mean = lambda xs: float(np.mean([x for x in xs if x is not None])) if any(x is not None for x in xs) else None  # noqa: E731
    k, n = sum(r["successes"] for r in rows), sum(r["episodes"] for r in rows)
    names = sorted({m for r in rows for m in r["metrics"]})
    return {"episodes": n, "successes": k, "success_rate": mean([r["success_rate"] for r in rows]), "success_ci95": list(wilson(k, n)),
            "success_once_rate": mean([r["success_once_rate"] for r in rows]), "mean_return": mean([r["mean_return"] for r in rows]),
            "mean_length": mean([r["mean_length"] for r in rows]),
            "metrics": {m: mean([r["metrics"].get(m) for r in rows]) for m in names}, "per_robot": per_robot}


class CheckpointCallback(BaseCallback):
    """``checkpoints/step_<N>.zip`` every ``freq`` env steps (model + normaliser + meta), and the
    latest replay buffer (off-policy) in ``replay_buffer.pkl``, written before the checkpoint."""

    def __init__(self, run_dir: Path, freq: int, meta: dict):
        super().__init__()
        self.run_dir, self.freq, self.meta = run_dir, int(freq), meta
        self.next_save = None

    def _on_training_start(self) -> None:
        self.next_save = (self.num_timesteps // self.freq + 1) * self.freq if self.freq > 0 else None

    def _on_step(self) -> bool:
        if self.next_save is not None and self.num_timesteps >= self.next_save:
            self.next_save += self.freq
            self.save()
        return True

    def save(self) -> Path:
        if hasattr(self.model, "replay_buffer") and self.model.replay_buffer is not None:
            tmp = self.run_dir / "replay_buffer.tmp.pkl"
            self.model.save_replay_buffer(tmp)
            os.replace(tmp, self.run_dir / "replay_buffer.pkl")
        path = self.run_dir / "checkpoints" / f"step_{self.model.num_timesteps:09d}.zip"
        return save_checkpoint(self.model, path, self.meta, _vecnorm(self.model))


class InterruptCallback(BaseCallback):
    """Ctrl-C (SIGINT) stops training at the next step, so the trainer can checkpoint and exit.
    :meth:`install` early (before the env processes start) so no Ctrl-C is lost."""

    def __init__(self):
        super().__init__()
        self.interrupted = False
        self._old = None

    def install(self) -> None:
        def handler(signum, frame):
            if self.interrupted:  # a second Ctrl-C: give up at once
                raise KeyboardInterrupt
            self.interrupted = True
            print("\ninterrupt: saving a checkpoint (Ctrl-C again to abort)", file=sys.stderr, flush=True)
        self._old = signal.signal(signal.SIGINT, handler)

    def uninstall(self) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None

    def _on_step(self) -> bool:
        return not self.interrupted


def interactive() -> bool:
    """A live progress bar only on a terminal outside CI; pipes, files, nohup and CI get plain lines."""
    return os.environ.get("CI", "").lower() not in ("1", "true", "yes") and sys.stdout.isatty()


class RunProgress:
    """Progress of a training run: steps, training rate, last eval success and an ETA. A rich bar on a
    terminal; elsewhere (a pipe, a file, nohup, CI) one plain line every ``every`` of the run or
    ``interval`` seconds, whichever comes first, flushed at once.

    The ETA counts training time only (the ``evaluator``'s own evaluation time is excluded from the rate,
    so the ETA does not jump after each evaluation), plus the evaluations still to come at their
    measured cost.

    :param total: the step count the run will reach.
    :param unit: what a step is ("steps", "grad steps").
    """

    def __init__(self, total: int, title: str, evaluator: "Evaluator | None", enabled: bool = True, every: float = 0.05,
                 interval: float = 30.0, unit: str = "steps", evals_left=None):
        self.total, self.title, self.evaluator, self.unit = int(total), title, evaluator, unit
        self.evals_left = evals_left or (lambda n: 0)
        self.bar = enabled and interactive()
        self.plain = enabled and not self.bar
        self.every, self.interval = every, interval
        self.progress = None
        self._next_line, self._last_line = 0, 0.0

    def start(self, n0: int) -> None:
        self._t0, self._n0 = time.time(), n0
        self._ev0 = (self.evaluator.seconds, self.evaluator.count) if self.evaluator is not None else (0.0, 0)
        if self.bar:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[rate]} · {task.fields[ev]} · ETA {task.fields[eta]}"))
            self.progress.start()
            self.task = self.progress.add_task(self.title, total=self.total, completed=n0, rate="—", ev=self.eval_text(), eta="—")

    def eval_text(self) -> str:
        s = self.evaluator.last if self.evaluator is not None else None
        return f"eval success {100 * s['success_rate']:.0f}% at {s['step']}" if s else "eval —"

    def _eval_time(self) -> tuple[float, int]:
        ev = self.evaluator
        return (ev.seconds - self._ev0[0], ev.count - self._ev0[1]) if ev is not None else (0.0, 0)

    def rate(self, n: int) -> float:
        dt = time.time() - self._t0 - self._eval_time()[0]
        return (n - self._n0) / dt if dt > 0 else 0.0

    def eta(self, n: int) -> str:
        r = self.rate(n)
        if r <= 0:
            return "—"
        secs = max(0, self.total - n) / r
        spent, count = self._eval_time()
        if count:
            secs += self.evals_left(n) * spent / count
        m, s = divmod(int(secs), 60)
        h, m = divmod(m, 60)
        return f"{h}:{m:02d}:{s:02d}"

    def update(self, n: int) -> None:
        unit = "fps" if self.unit == "steps" else f"{self.unit}/s"
        if self.progress is not None:
            self.progress.update(self.task, completed=n, rate=f"{self.rate(n):.0f} {unit}", ev=self.eval_text(), eta=self.eta(n))
        elif self.plain and (n >= self._next_line or time.time() - self._last_line >= self.interval):
            self._next_line = n + max(1, int(self.total * self.every))
            self._last_line = time.time()
            print(f"{self.title}: {n}/{self.total} {self.unit}, {self.rate(n):.0f} {unit}, {self.eval_text()}, ETA {self.eta(n)}",
                  flush=True)

    def stop(self, n: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=n)
            self.progress.stop()
            self.progress = None


class ProgressCallback(BaseCallback):
    """:class:`RunProgress` for an SB3 run. ``total`` is the step count the algorithm will reach:
    on-policy algorithms collect whole rollouts, so it is rounded up to a multiple of ``rollout``
    (``n_steps × n_envs``)."""

    def __init__(self, total: int, title: str, evaluator: EvalCallback | None, enabled: bool = True, rollout: int = 1):
        super().__init__()
        self.target, self.rollout, self.title, self.evaluator, self.enabled = int(total), max(1, int(rollout)), title, evaluator, enabled
        self.bar = None

    def _on_training_start(self) -> None:
        n = self.num_timesteps
        total = n + -(-max(0, self.target - n) // self.rollout) * self.rollout
        ev = self.evaluator

        def evals_left(k: int) -> int:
            return 0 if ev is None or ev.next_eval is None else max(0, (total - ev.next_eval) // max(ev.freq, 1) + 1)
        self.bar = RunProgress(total, self.title, ev.evaluator if ev is not None else None, self.enabled, evals_left=evals_left)
        self.bar.start(n)

    def _on_step(self) -> bool:
        self.bar.update(self.num_timesteps)
        return True

    def _on_training_end(self) -> None:
        self.bar.stop(self.num_timesteps)


class TransitionRecorder(BaseCallback):
    """Keeps the first ``n`` training transitions (actions, rewards, next observations, dones) and
    writes them to ``transitions.npz``: two runs with one config and seed must match."""

    def __init__(self, n: int, path: Path):
        super().__init__()
        self.n, self.path = int(n), path
        self.rows: dict[str, list] = {"actions": [], "rewards": [], "new_obs": [], "dones": []}
        self.count = 0

    def _on_step(self) -> bool:
        if self.count < self.n:
            for k in self.rows:
                self.rows[k].append(np.array(self.locals[k], copy=True))
            self.count += len(self.locals["dones"])
            if self.count >= self.n:
                self._write()
        return True

    def _write(self) -> None:
        np.savez(self.path, **{k: np.concatenate(v)[: self.n] for k, v in self.rows.items()})

    def _on_training_end(self) -> None:
        if 0 < self.count < self.n:
            self._write()
