"""Robot registry: cards, importers (URDF, MJCF), asset cache, PyBullet bodies and validation.

Public API::

    from humanoid_ground.robots import get_card, robot_names, load_asset, RobotBody, check_robot
"""
from .card import RobotCard, load_card, parse_card
from .registry import all_cards, get_card, register, robot_names, unregister

__all__ = [
    "RobotCard", "load_card", "parse_card", "get_card", "robot_names", "all_cards", "register", "unregister",
    "load_asset", "RobotAsset", "RobotBody", "check_robot",
]


def __getattr__(name):  # heavy parts (pybullet, mujoco, trimesh) load on first use
    if name in ("load_asset", "RobotAsset"):
        from . import asset

        return getattr(asset, name)
    if name == "RobotBody":
        from .body import RobotBody

        return RobotBody
    if name == "check_robot":
        from .validate import check_robot

        return check_robot
    raise AttributeError(name)
