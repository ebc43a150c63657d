"""``joint_delta``: native joint target changes, every joint's in [-1, 1] × :data:`MAX_DQ` rad per
control step (kept inside the limits), then one grip per arm (card order, [-1, 1] → open..closed).
Smoother than ``joint_pos`` for learning from scratch (a zero action holds the pose)."""
from __future__ import annotations

import numpy as np

from . import Controller, register_controller

#: largest joint target change per control step (rad; m for prismatic joints)
MAX_DQ = 0.05


@register_controller("joint_delta")
class JointDelta(Controller):
    def action_dim(self) -> int:
        return self.robot.n + len(self.robot.arms)

    def apply(self, a: np.ndarray) -> bool:
        r = self.robot
        if not np.all(np.isfinite(a)):
            return False
        a = np.clip(a, -1.0, 1.0)
        lo, hi = r.body.lower, r.body.upper
        q = np.clip(r.q_target + MAX_DQ * a[: r.n], lo, hi)
        # the same targets as a joint_pos action: one code path for targets and grips
        absolute = np.concatenate([2.0 * (q - lo) / np.maximum(hi - lo, 1e-12) - 1.0, a[r.n:]])
        return r.joint_action(absolute)
