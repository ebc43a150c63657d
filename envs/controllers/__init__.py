"""Control modes: one class per mode, one module per class, registered by ``@register_controller``.

A controller turns one policy action into the robot's joint targets (before the physics step):

- :attr:`Controller.canonical`: its action is the same on every robot (the canonical 16-number layout
  of :mod:`humanoid_ground.envs.layout`), so one policy can drive many bodies;
- :meth:`Controller.action_dim`: the action's length on this robot;
- :meth:`Controller.apply`: apply an action (float64, any values; clipped to [-1, 1]); False (nothing
  applied) when it holds a NaN/inf.

The modules of this package are discovered, so adding a control mode is one file here.
"""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np

_CONTROLLERS: dict[str, type] = {}
_DISCOVERED = False


class Controller:
    """Base class of the control modes (see the module docstring)."""

    name = ""
    canonical = False

    def __init__(self, robot):
        self.robot = robot

    def action_dim(self) -> int:
        raise NotImplementedError

    def apply(self, a: np.ndarray) -> bool:
        raise NotImplementedError


def register_controller(name: str):
    """Class decorator: ``@register_controller("joint_delta")`` makes ``control="joint_delta"``."""

    def deco(cls):
        cls.name = name
        _CONTROLLERS[name] = cls
        return cls

    return deco


def controllers() -> dict[str, type]:
    """Every control mode: name -> class (``ee_delta`` first, then by name)."""
    global _DISCOVERED
    if not _DISCOVERED:
        _DISCOVERED = True
        for m in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{m.name}")
    return {k: _CONTROLLERS[k] for k in sorted(_CONTROLLERS, key=lambda k: (k != "ee_delta", k))}


def controller_names() -> tuple[str, ...]:
    return tuple(controllers())


def controller_class(name: str) -> type:
    c = controllers()
    if name not in c:
        from humanoid_ground.errors import unknown_name

        raise unknown_name("control", name, tuple(c))
    return c[name]
