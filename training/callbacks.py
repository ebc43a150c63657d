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
    """``rollout/success_rate`` and ``task/<metric>`` (final value per episode, mean of the last 100)."""

    def __init__(self, window: int = 100):
        super().__init__()
        self.success = deque(maxlen=window)
        self.metrics: dict[str, deque] = {}

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if not done:
                continue
            self.success.append(float(info.get("is_success", False)))
            for k, v in info.get("task_metrics", {}).items():
                self.metrics.setdefault(k, deque(maxlen=self.success.maxlen)).append(float(v))
        if self.success:
            self.logger.record("rollout/success_rate", float(np.mean(self.success)))
            for k, d in self.metrics.items():
                self.logger.record(f"task/{k}", float(np.mean(d)))
        return True


class ModelPolicy:
    """The model being trained as an obs-dict -> action policy (deterministic, current normaliser)."""

    def __init__(self, model, keys):
        self.model, self.keys, self.norm = model, keys, _vecnorm(model)

    def __call__(self, obs):
        x = flatten_obs(obs, self.keys)[None]
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


class EvalCallback(BaseCallback):
    """Every ``freq`` env steps: ``episodes`` deterministic episodes on fixed seeds; logs ``eval/*``,
    writes a video of the first ``video_episodes``, keeps ``best_model.zip`` by success (then return)."""

    def __init__(self, make_eval_env, run_dir: Path, keys, freq: int, episodes: int, video_episodes: int,
                 seed: int, meta: dict, fps: int = 50):
        super().__init__()
        self.make_eval_env, self.run_dir, self.keys = make_eval_env, run_dir, keys
        self.freq, self.episodes, self.video_episodes, self.seed = int(freq), int(episodes), int(video_episodes), int(seed)
        self.meta, self.fps = meta, fps
        self.env = None
        self.next_eval = None
        self.last = None
        self.best = self._load_best()
        self.history_file = run_dir / "evaluations.jsonl"

    def _load_best(self):
        f = self.run_dir / "best_model.json"
        if f.is_file():
            b = json.loads(f.read_text())
            return (b["success_rate"], b["mean_return"])
        return None

    def _on_training_start(self) -> None:
        self.next_eval = (self.num_timesteps // self.freq + 1) * self.freq if self.freq > 0 and self.episodes > 0 else None

    def _on_step(self) -> bool:
        if self.next_eval is not None and self.num_timesteps >= self.next_eval:
            self.next_eval += self.freq
            self.evaluate()
        return True

    def evaluate(self) -> dict:
        from humanoid_ground.data.video import write_mp4

        if self.env is None:
            self.env = self.make_eval_env()
        seeds = range(self.seed, self.seed + self.episodes)
        rows, videos = run_episodes(self.env, ModelPolicy(self.model, self.keys), seeds,
                                    video_seeds=list(seeds)[: self.video_episodes])
        s = summarize(rows)
        step = self.num_timesteps
        self.logger.record("eval/success_rate", s["success_rate"])
        self.logger.record("eval/success_once_rate", s["success_once_rate"])
        self.logger.record("eval/mean_return", s["mean_return"])
        self.logger.record("eval/mean_length", s["mean_length"])
        for k, v in s["metrics"].items():
            if v is not None:
                self.logger.record(f"eval/{k}", v)
        frames = [f for seed in sorted(videos) for f in videos[seed]]
        if frames:
            write_mp4(self.run_dir / "videos" / f"eval_step_{step:09d}.mp4", frames, self.fps)
            tb_video(self.logger, "eval/video", frames, self.fps, step)
        with open(self.history_file, "a") as f:
            f.write(json.dumps({"step": step, **{k: s[k] for k in ("success_rate", "success_ci95", "mean_return", "metrics")}}) + "\n")
        score = (s["success_rate"], s["mean_return"])
        if self.best is None or score > tuple(self.best):
            self.best = score
            save_checkpoint(self.model, self.run_dir / "best_model.zip", self.meta, _vecnorm(self.model))
            (self.run_dir / "best_model.json").write_text(json.dumps({"step": step, "success_rate": score[0], "mean_return": score[1]}))
        self.last = s
        self.logger.dump(step)
        return s

    def _on_training_end(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None


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


class ProgressCallback(BaseCallback):
    """A rich progress bar (steps, fps, last eval success, ETA); in CI, one log line per 10 %."""

    def __init__(self, total: int, title: str, evaluator: EvalCallback | None, enabled: bool = True):
        super().__init__()
        self.total, self.title, self.evaluator = int(total), title, evaluator
        self.enabled = enabled and os.environ.get("CI", "").lower() not in ("1", "true", "yes")
        self.progress = None
        self._t0 = self._n0 = None
        self._next_line = 0

    def _eval_text(self) -> str:
        s = self.evaluator.last if self.evaluator is not None else None
        return f"eval success {100 * s['success_rate']:.0f}%" if s else "eval —"

    def _on_training_start(self) -> None:
        self._t0, self._n0 = time.time(), self.num_timesteps
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[fps]} fps · {task.fields[ev]}"), TimeRemainingColumn())
            self.progress.start()
            self.task = self.progress.add_task(self.title, total=self.total, completed=self.num_timesteps, fps="—", ev=self._eval_text())

    def _fps(self) -> float:
        dt = time.time() - self._t0
        return (self.num_timesteps - self._n0) / dt if dt > 0 else 0.0

    def _on_step(self) -> bool:
        if self.progress is not None:
            self.progress.update(self.task, completed=self.num_timesteps, fps=f"{self._fps():.0f}", ev=self._eval_text())
        elif self.num_timesteps >= self._next_line:
            self._next_line = self.num_timesteps + max(1, self.total // 10)
            print(f"{self.title}: {self.num_timesteps}/{self.total} steps, {self._fps():.0f} fps, {self._eval_text()}", flush=True)
        return True

    def _on_training_end(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


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
