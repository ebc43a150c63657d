"""How an env is built: the one source of the env defaults.

:class:`HumanoidEnv` takes its keyword defaults from :class:`EnvSettings`, the training harness's
``env`` config group is generated from it (``training/app.py``), and ``hground eval``, ``bench`` and
``collect`` build their envs through :func:`env_kwargs`, so a default changed here changes everywhere.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from .sim import SimConfig


@dataclass(frozen=True)
class EnvSettings:
    """Env construction settings.

    :param base: ``fixed`` (the base held at standing height in front of the bench) or ``floating``.
    :param obs: ``state``, ``rgb`` or ``rgbd`` (images are not used by the MLP policies).
    :param image_size: camera image side in pixels.
    :param terminate_on_success: end the episode when the task succeeds.
    :param sim: physics settings over :class:`~.sim.SimConfig`'s defaults (``dt``, ``substeps``, ...).
    """

    base: str = "fixed"
    obs: str = "state"
    image_size: int = 96
    terminate_on_success: bool = False
    sim: dict = field(default_factory=dict)

    @classmethod
    def from_cfg(cls, cfg: dict | None) -> "EnvSettings":
        """The settings in an ``env`` config (other keys, e.g. the training harness's, are ignored);
        missing ones take the defaults."""
        cfg = dict(cfg or {})
        kw = {f.name: cfg[f.name] for f in fields(cls) if cfg.get(f.name) is not None}
        if "image_size" in kw:
            kw["image_size"] = int(kw["image_size"])
        if "terminate_on_success" in kw:
            kw["terminate_on_success"] = bool(kw["terminate_on_success"])
        kw["sim"] = dict(kw.get("sim") or {})
        return cls(**kw)

    def kwargs(self, control: str) -> dict:
        """Keyword arguments of ``humanoid_ground.make``."""
        return {"control": control, "base": self.base, "obs": self.obs, "image_size": self.image_size,
                "sim": dict(self.sim), "terminate_on_success": self.terminate_on_success}


def env_kwargs(cfg: dict | None, control: str) -> dict:
    """Keyword arguments of ``humanoid_ground.make`` from an ``env`` config (defaults for what it lacks)."""
    return EnvSettings.from_cfg(cfg).kwargs(control)


def env_config() -> dict:
    """The defaults as a config dict (``sim`` spelled out with every :class:`~.sim.SimConfig` field)."""
    d = asdict(EnvSettings())
    d["sim"] = asdict(SimConfig())
    return d
