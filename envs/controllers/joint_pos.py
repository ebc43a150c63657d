"""``joint_pos``: native joint targets, every joint's in [-1, 1] over its limits, then one grip per arm
(card order); the action's length is the robot's own."""
from __future__ import annotations

import numpy as np

from . import Controller, register_controller


@register_controller("joint_pos")
class JointPos(Controller):
    def action_dim(self) -> int:
        return self.robot.n + len(self.robot.arms)

    def apply(self, a: np.ndarray) -> bool:
        return self.robot.joint_action(a)
