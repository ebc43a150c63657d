"""Robot cards: the YAML schema that maps a vendor's model onto the canonical embodiment roles.

A card is data, never code. It is validated with pydantic; unknown keys are errors that name the key.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from humanoid_ground.errors import HGroundError

Vec3 = tuple[float, float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class ModelRef(_Strict):
    """Where a model file lives: ``{package, path}`` inside an installed Python package, or ``{file}``."""

    package: Optional[str] = None
    path: Optional[str] = None
    file: Optional[str] = None

    @model_validator(mode="after")
    def _one_way(self) -> "ModelRef":
        if self.file is None and not (self.package and self.path):
            raise ValueError("give either {package, path} or {file}")
        if self.file is not None and (self.package or self.path):
            raise ValueError("give either {package, path} or {file}, not both")
        return self


class Source(_Strict):
    urdf: Optional[ModelRef] = None
    mjcf: Optional[ModelRef] = None
    package_paths: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Source":
        if (self.urdf is None) == (self.mjcf is None):
            raise ValueError("exactly one of 'urdf' or 'mjcf' is required")
        return self

    @property
    def kind(self) -> str:
        return "urdf" if self.urdf is not None else "mjcf"

    @property
    def ref(self) -> ModelRef:
        return self.urdf if self.urdf is not None else self.mjcf  # type: ignore[return-value]


class Camera(_Strict):
    link: str
    xyz: Vec3 = (0.0, 0.0, 0.0)
    rpy: Vec3 = (0.0, 0.0, 0.0)
    fov: float = Field(70.0, gt=1.0, lt=179.0)


class Grasp(_Strict):
    """``fingers``: finger joints with [open, closed] positions; ``assisted``: no fingers, the part is
    attached when the closing hand touches it. ``hold``: how an attached part is held — ``rigid``
    (a weld: the part turns with the hand) or ``gimbal`` (the part follows the hand's grasp point but
    keeps its orientation in the world, like an ideal passive wrist; for arms with fewer than six
    joints, which cannot hold a part's orientation while moving it)."""

    type: Literal["fingers", "assisted"] = "assisted"
    joints: dict[str, tuple[float, float]] = Field(default_factory=dict)
    hold: Literal["rigid", "gimbal"] = "rigid"

    @model_validator(mode="after")
    def _fingers_need_joints(self) -> "Grasp":
        if self.type == "fingers" and not self.joints:
            raise ValueError("grasp type 'fingers' needs 'joints: {joint: [open, closed]}'")
        return self


class Arm(_Strict):
    joints: list[str] = Field(min_length=1)
    ee_link: str
    tcp_xyz: Vec3 = (0.0, 0.0, 0.0)
    tcp_rpy: Vec3 = (0.0, 0.0, 0.0)
    grasp: Grasp = Field(default_factory=Grasp)
    wrist_camera: Optional[Camera] = None


class HeadJoints(_Strict):
    yaw: Optional[str] = None
    pitch: Optional[str] = None


class Gains(_Strict):
    kp: Optional[float] = Field(None, gt=0)
    kd: Optional[float] = Field(None, gt=0)


class PD(_Strict):
    """Joint PD gains in physical units (N·m/rad, N·m·s/rad); see envs docs for how they drive PyBullet."""

    kp: float = Field(200.0, gt=0)
    kd: float = Field(10.0, gt=0)
    overrides: dict[str, Gains] = Field(default_factory=dict)

    def gains(self, joint: str) -> tuple[float, float]:
        o = self.overrides.get(joint)
        return ((o.kp if o and o.kp else self.kp), (o.kd if o and o.kd else self.kd))


class RobotCard(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+(-m[0-9]+)?$")  # "-m<seed>": a procedural variant (robots.morph)
    vendor: str
    model: str
    license: str
    description: str = ""
    source: Source
    base_link: str
    torso_link: str
    #: legged: stands on its feet (floating mode balances on them); wheeled: a mobile base resting on the
    #: floor; fixed: bolted to the floor or a stand (both modes hold it). Wheeled and fixed bases may sit at
    #: floor level (standing_height 0).
    base_type: Literal["legged", "wheeled", "fixed"] = "legged"
    standing_height: float = Field(ge=0.0, lt=5.0)
    default_pose: dict[str, float] = Field(default_factory=dict)
    head_camera: Camera
    arms: dict[Literal["left", "right"], Arm] = Field(default_factory=dict)
    head_joints: Optional[HeadJoints] = None
    legs: Optional[dict[Literal["left", "right"], list[str]]] = None
    pd: PD = Field(default_factory=PD)
    collision: Literal["primitive", "convex", "mesh"] = "convex"
    joint_limits: dict[str, tuple[float, float]] = Field(default_factory=dict)

    # where the card was read from (relative `file:` sources resolve against its folder)
    card_path: Optional[str] = Field(None, exclude=True)
    builtin: bool = Field(False, exclude=True)
    # a procedural variant: (base card, robots.morph.Draw); None for a vendor's own model
    morph_of: Optional[Any] = Field(None, exclude=True)

    @field_validator("default_pose")
    @classmethod
    def _finite_pose(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not math.isfinite(x):
                raise ValueError(f"default_pose[{k}] = {x} is not finite")
        return v

    @model_validator(mode="after")
    def _legged_stands(self) -> "RobotCard":
        if self.base_type == "legged" and self.standing_height <= 0.05:
            raise ValueError(f"standing_height {self.standing_height} m: a legged base stands above the floor (> 0.05 m); "
                             "for a base at floor level declare base_type: wheeled or fixed")
        return self

    @property
    def has_hands(self) -> bool:
        return any(a.grasp.type == "fingers" for a in self.arms.values())

    def card_dir(self) -> Path:
        return Path(self.card_path).parent if self.card_path else Path.cwd()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", exclude_none=True), sort_keys=False)


def _format_error(where: str, err: ValidationError, raw: Any) -> str:
    errors = err.errors()
    # a typo'd key is the cause; the "missing" error for the key it was meant to be is its consequence
    e = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
    if e["type"] == "extra_forbidden":
        parent_fields = _fields_at(e["loc"][:-1])
        import difflib

        close = difflib.get_close_matches(str(e["loc"][-1]), parent_fields, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        valid = f" (valid keys here: {', '.join(parent_fields)})" if parent_fields else ""
        return f"{where}: unknown key '{loc}'{hint}{valid}; remove or rename it"
    if e["type"] == "missing":
        return f"{where}: required key '{loc}' is missing; add it to the card"
    msg = e["msg"].removeprefix("Value error, ")
    if not e["loc"]:  # a check across keys
        return f"{where}: {msg}"
    return f"{where}: key '{loc}': {msg}; fix this value in the card"


def _fields_at(loc: tuple) -> list[str]:
    model: Any = RobotCard
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        if part in fields:
            ann = fields[part].annotation
            model = _inner_model(ann)
        else:  # dict key such as arms.left
            model = model
        if model is None:
            return []
    fields = getattr(model, "model_fields", None)
    return [k for k, f in fields.items() if not f.exclude] if fields else []


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in getattr(ann, "__args__", ()) or ():
        m = _inner_model(a)
        if m is not None:
            return m
    return None


def parse_card(data: Any, where: str = "card", card_path: str | None = None, builtin: bool = False) -> RobotCard:
    """Validate a card given as a dict; raise :class:`HGroundError` naming ``where`` and the bad key."""
    if not isinstance(data, dict):
        raise HGroundError(f"{where}: a robot card must be a YAML mapping, got {type(data).__name__}")
    try:
        card = RobotCard.model_validate(data)
    except ValidationError as err:
        raise HGroundError(_format_error(where, err, data)) from None
    card.card_path = card_path
    card.builtin = builtin
    return card


def load_card(path: str | Path, builtin: bool = False) -> RobotCard:
    """Read and validate a card file."""
    path = Path(path)
    if not path.is_file():
        raise HGroundError(f"{path}: card file not found; check the path")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise HGroundError(f"{path}: invalid YAML{at}: {getattr(err, 'problem', err)}; fix the card syntax") from None
    return parse_card(data, where=str(path), card_path=str(path.resolve()), builtin=builtin)
