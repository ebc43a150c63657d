"""humanoid-ground: a multi-brand humanoid training ground (PyBullet, Gymnasium).

``humanoid_ground.make("reach", robot="unitree_h1")`` or, after ``import humanoid_ground``,
``gymnasium.make("hground/Reach-v0", robot=...)``.
"""
__version__ = "0.1.0"

__all__ = ["__version__", "make"]


def make(task: str, robot: str = "unitree_h1", **kwargs):
    from humanoid_ground.registration import make as _make

    return _make(task, robot=robot, **kwargs)


def _register() -> None:
    try:
        from humanoid_ground.registration import register_all

        register_all()
    except ImportError:  # gymnasium missing: the robots CLI still works
        pass


_register()
