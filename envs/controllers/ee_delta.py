"""``ee_delta``: the canonical action (16 numbers on every robot): per arm Δxyz and Δaxis-angle of the
TCP in the torso frame and a grip, then head Δyaw, Δpitch; differential IK turns it into joint targets."""
from __future__ import annotations

import numpy as np

from . import Controller, register_controller
from ..layout import ACTION_DIM


@register_controller("ee_delta")
class EEDelta(Controller):
    canonical = True

    def action_dim(self) -> int:
        return ACTION_DIM

    def apply(self, a: np.ndarray) -> bool:
        return self.robot.canonical_action(a)
