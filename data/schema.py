"""The canonical cross-vendor dataset schema (one layout for every robot).

Per frame (LeRobot feature names):

==============================  ======================  ==================================================
feature                         shape                   meaning
==============================  ======================  ==================================================
observation.state               (23,)                   canonical: per-arm TCP pose in the torso frame + grip, head camera pose
observation.task_state          (K,)                    the task's object state (padded to the dataset's largest task)
observation.joint_pos / _vel    (D,)                    native joints, padded to the dataset's largest DOF
observation.joint_mask          (D,)                    which of the D native slots this robot has
observation.base                (13,)                   base position, quaternion, linear and angular velocity
action                          (16,)                   canonical ee_delta action (per arm Δxyz, Δaxis-angle, grip; head Δyaw, Δpitch)
action.native                   (D + 2,)                native joint targets in [-1, 1] over the joint limits (padded) + left/right grip
action.native_mask              (D + 2,)                valid slots of action.native
next.reward / next.done / ...   (1,)                    reward, done, truncated, success after the step
robot_index                     (1,)                    index into info.json ``hground.robots``
observation.images.<camera>     (H, W, 3) video         head / left_wrist / right_wrist cameras
==============================  ======================  ==================================================
"""
from __future__ import annotations

import numpy as np

SCHEMA_VERSION = 1
CANONICAL_STATE_NAMES = [f"{side}_tcp_{c}" for side in ("left", "right") for c in ("x", "y", "z", "qx", "qy", "qz", "qw", "grip")] + \
    ["head_cam_x", "head_cam_y", "head_cam_z", "head_cam_qx", "head_cam_qy", "head_cam_qz", "head_cam_qw"]
CANONICAL_ACTION_NAMES = [f"{side}_{c}" for side in ("left", "right") for c in ("dx", "dy", "dz", "drx", "dry", "drz", "grip")] + \
    ["head_dyaw", "head_dpitch"]
BASE_NAMES = ["x", "y", "z", "qx", "qy", "qz", "qw", "vx", "vy", "vz", "wx", "wy", "wz"]
CAMERAS = ("head", "left_wrist", "right_wrist")

#: per-frame vector features recorded from an episode: name -> (dtype, padded-by)
VECTOR_FEATURES = {
    "observation.state": "float32",
    "observation.task_state": "float32",
    "observation.joint_pos": "float32",
    "observation.joint_vel": "float32",
    "observation.joint_mask": "bool",
    "observation.base": "float32",
    "action": "float32",
    "action.native": "float32",
    "action.native_mask": "bool",
}
SCALAR_FEATURES = {"next.reward": "float32", "next.done": "bool", "next.truncated": "bool", "next.success": "bool",
                   "robot_index": "int64"}
INDEX_FEATURES = {"timestamp": "float32", "frame_index": "int64", "episode_index": "int64", "index": "int64",
                  "task_index": "int64"}
#: observation parts that also exist after the last step (Minari needs T + 1 observations)
FINAL_OBS = ("observation.state", "observation.task_state", "observation.joint_pos", "observation.joint_vel", "observation.base")


def features(max_dof: int, task_dim: int, cameras: list[str], resolution: int, fps: int, joint_names: list[str] | None = None) -> dict:
    """The LeRobot ``features`` dict for a dataset with these sizes."""
    dims = {"observation.state": 23, "observation.task_state": task_dim, "observation.joint_pos": max_dof,
            "observation.joint_vel": max_dof, "observation.joint_mask": max_dof, "observation.base": 13,
            "action": 16, "action.native": max_dof + 2, "action.native_mask": max_dof + 2}
    slots = joint_names or [f"joint_{i}" for i in range(max_dof)]
    names = {"observation.state": CANONICAL_STATE_NAMES, "action": CANONICAL_ACTION_NAMES, "observation.base": BASE_NAMES,
             "observation.joint_pos": slots, "observation.joint_vel": slots, "observation.joint_mask": slots,
             "action.native": slots + ["grip_left", "grip_right"], "action.native_mask": slots + ["grip_left", "grip_right"]}
    out = {}
    for k, dt in VECTOR_FEATURES.items():
        out[k] = {"dtype": dt, "shape": [dims[k]], "names": names.get(k)}
    for k, dt in {**SCALAR_FEATURES, **INDEX_FEATURES}.items():
        out[k] = {"dtype": dt, "shape": [1], "names": None}
    for cam in cameras:
        out[f"observation.images.{cam}"] = {
            "dtype": "video", "shape": [resolution, resolution, 3], "names": ["height", "width", "channels"],
            "info": {"video.height": resolution, "video.width": resolution, "video.codec": "h264",
                     "video.pix_fmt": "yuv420p", "video.is_depth_map": False, "video.fps": fps, "video.channels": 3,
                     "has_audio": False}}
    return out


def pad(x: np.ndarray, width: int) -> np.ndarray:
    """Zero-pad the last axis of ``x`` to ``width``."""
    x = np.asarray(x)
    if x.shape[-1] == width:
        return x
    if x.shape[-1] > width:
        raise ValueError(f"cannot pad width {x.shape[-1]} down to {width}")
    out = np.zeros(x.shape[:-1] + (width,), dtype=x.dtype)
    out[..., : x.shape[-1]] = x
    return out


def pad_episode(ep: dict, dof: int, task_dim: int, D: int, K: int) -> dict:
    """An episode whose native arrays are ``dof`` wide (+ 2 grips in ``action.native``) and whose
    task state is ``task_dim`` wide, re-padded to a dataset's ``D`` joints and ``K`` task values
    (collect: from the robot's own width; merge: from the source dataset's)."""
    out = dict(ep)
    for k in ("observation.joint_pos", "observation.joint_vel", "observation.joint_mask"):
        out[k] = pad(ep[k][:, :dof], D)
    for k in ("action.native", "action.native_mask"):
        out[k] = np.concatenate([pad(ep[k][:, :dof], D), ep[k][:, dof:]], axis=1)
    out["observation.task_state"] = pad(ep["observation.task_state"][:, :task_dim], K)
    final = dict(ep.get("final") or {})
    for k in ("observation.joint_pos", "observation.joint_vel"):
        if k in final:
            final[k] = pad(np.asarray(final[k])[:dof], D)
    if "observation.task_state" in final:
        final["observation.task_state"] = pad(np.asarray(final["observation.task_state"])[:task_dim], K)
    out["final"] = final
    return out
