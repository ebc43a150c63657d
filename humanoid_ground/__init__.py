"""humanoid-ground: a multi-brand humanoid training ground (PyBullet, Gymnasium).

``humanoid_ground.robots`` holds the robot registry (cards, importers, validation).
"""
__version__ = "0.1.0"

__all__ = ["__version__"]
