"""Where a robot can work, derived from its card and kinematics alone, so scenes adapt to any robot.

All positions are in the world frame with the robot standing at the origin facing +x in its default
pose (its torso frame is then world-aligned).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from humanoid_ground.robots import paths
from humanoid_ground.robots._pybullet import p

from .clearance import ClearanceProbe
from .robot import Robot

#: workspaces per (asset key, base mode): computing one takes seconds, so it is kept in memory and on disk
_CACHE: dict[tuple, dict] = {}
#: per (asset key, base mode, arm, heights): the cells where the arm also reaches those heights
_REACH_MEMO: dict[tuple, np.ndarray] = {}


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the code that computes a workspace (this module, the kinematics, the controller replay and
    its kernels): part of the cache name, so a change to ``GRID``, ``HEIGHTS`` or the IK never reuses
    stale cells."""
    here = Path(__file__).resolve().parent
    return hashlib.sha256(b"".join((here / f).read_bytes() for f in ("workspace.py", "kinematics.py", "clearance.py", "kernels.py"))).hexdigest()[:12]


def _disk_path(robot: Robot):
    try:
        return paths.cache_dir() / "workspace" / f"{robot.asset.key}-{robot.base_mode}-{code_fingerprint()}.json"
    except Exception:  # pragma: no cover
        return None


@dataclass
class Workspace:
    torso: np.ndarray  # torso origin
    tcp: dict[str, np.ndarray]  # default TCP positions
    shoulder: dict[str, np.ndarray]
    reach: dict[str, float]
    center: np.ndarray  # between the hands in the default pose
    scale: float  # object size / distance scale (1.0 = a 1.7 m adult-size humanoid)
    bench_top: float  # z of the bench surface
    bench_x: tuple[float, float]  # bench extent along x
    bench_y: tuple[float, float]
    camera: np.ndarray  # default camera position
    _hand_low: float = 0.0
    cells: dict[str, np.ndarray] = field(default_factory=dict)  # per arm: reachable (x, y) on the bench
    drop_cells: dict[str, np.ndarray] = field(default_factory=dict)  # per arm: reachable from above only (drop-offs)

    #: grid of candidate placements around each hand (× scale, at least 0.6 like the parts), and the
    #: heights (above the bench, × the same) at which the TCP must reach them: grasp and lift height
    GRID = np.arange(-0.20, 0.2001, 0.04)
    HEIGHTS = (0.07, 0.16)

    @classmethod
    def from_robot(cls, robot: Robot) -> "Workspace":
        tp, _ = robot.torso_pose()
        tcp, sh, reach = {}, {}, {}
        for side, arm in robot.arms.items():
            tcp[side] = robot.tcp_world(side)[0].copy()
            first = int(robot.body.q_index[arm.cols[0]])
            pts = [np.asarray(s[4]) for s in p.getLinkStates(robot.id, [int(robot.body.q_index[c]) for c in arm.cols],
                                                             computeForwardKinematics=1, physicsClientId=robot.cid)] + [tcp[side]]
            sh[side] = np.asarray(p.getLinkState(robot.id, first, computeForwardKinematics=1, physicsClientId=robot.cid)[4])
            reach[side] = float(sum(np.linalg.norm(pts[i + 1] - pts[i]) for i in range(len(pts) - 1)))
        if tcp:
            center = np.mean(list(tcp.values()), axis=0)
            r = float(np.mean(list(reach.values())))
        else:  # no arms: a nominal point in front of the torso
            center = tp + np.array([0.3, 0.0, -0.2])
            r = 0.6
        scale = float(np.clip(r / 0.7, 0.3, 1.3))
        arm_links = {l for arm in robot.arms.values() for l in [int(robot.body.q_index[c]) for c in arm.cols] + arm.hand_links}
        hand_low = min([p.getAABB(robot.id, l, physicsClientId=robot.cid)[0][2] for arm in robot.arms.values()
                        for l in arm.hand_links] or [center[2]])

        gap = 0.03 * min(1.0, scale / 0.6)  # bench to body: 3 cm, less for kid-size robots (OP3's arms reach 5 cm past its chest)
        boxes: list = []  # (front x, top z) of every link but the arms', as the model's own links have them

        def bench_front(top: float) -> float:
            """x of the body's front (arms excluded) at the bench's height, plus a gap."""
            if not boxes:
                boxes.extend(_body_boxes(robot, arm_links))
            fronts = [x for x, z in boxes if z > top - 0.15]
            return float(max(fronts or [tp[0]]) + gap)

        def make(top: float, front: float | None = None) -> "Workspace":
            x0 = max(bench_front(top) if front is None else front, float(center[0] - 0.25 * scale))
            return cls(torso=tp.copy(), tcp=tcp, shoulder=sh, reach=reach, center=center.copy(), scale=scale,
                       bench_top=float(top), bench_x=(x0, float(center[0] + 0.35 * scale)),
                       bench_y=(float(center[1] - 0.6 * scale), float(center[1] + 0.6 * scale)),
                       camera=robot.camera_pose()[0].copy())

        key = (robot.asset.key, robot.base_mode)
        if key in _CACHE:
            ws = make(_CACHE[key]["bench_top"], _CACHE[key].get("bench_front"))
            ws.cells = {k: np.asarray(v).reshape(-1, 2) for k, v in _CACHE[key]["cells"].items()}
            ws.drop_cells = {k: np.asarray(v).reshape(-1, 2) for k, v in _CACHE[key]["drop_cells"].items()}
            return ws
        disk = _disk_path(robot)
        if disk is not None and disk.is_file():
            try:
                d = json.loads(disk.read_text())
                _CACHE[key] = d
                return cls.from_robot(robot)
            except (ValueError, KeyError):
                pass
        # choose the bench height where the arms reach the most positions (hands stay above the bench),
        # then keep the cells the controller reaches clear of body and bench (clearance.py); a height
        # where an arm keeps no clear cell gives way to the next best
        candidates = []
        for k in range(9):
            top = min(center[2] - (0.06 + 0.05 * k) * scale, hand_low - 0.01 * scale)
            ws = make(top)
            ws._hand_low = hand_low
            for side in robot.arms:
                ws.cells[side], ws.drop_cells[side] = ws._reachable_cells(robot, side)
                if not len(ws.cells[side]):  # the default pose may sit on joint limits: IK from mid-range too
                    ws.cells[side], ws.drop_cells[side] = ws._reachable_cells(robot, side, mid_start=True)
            candidates.append((sum(len(c) for c in ws.cells.values()), k, ws))
        ranked = sorted(candidates, key=lambda c: (-c[0], c[1]))
        best = ranked[0] if ranked and robot.arms else None
        if best is not None:
            probe = ClearanceProbe(robot)
            try:
                for n_ik, k, ws in ranked:
                    if n_ik == 0:
                        break
                    clear = ws._clear_cells(probe)
                    if all(len(c) for c in clear.values()):  # else the next height, or the IK's cells
                        ws.cells = clear
                        best = (n_ik, k, ws)
                        break
            finally:
                probe.close()
        ws = best[2] if best else make(float(center[2] - 0.1 * scale))
        ws._hand_low = hand_low
        _CACHE[key] = {"bench_top": ws.bench_top, "bench_front": bench_front(ws.bench_top), "cells": {k: v.tolist() for k, v in ws.cells.items()},
                       "drop_cells": {k: v.tolist() for k, v in ws.drop_cells.items()}}
        if disk is not None:
            try:
                disk.parent.mkdir(parents=True, exist_ok=True)
                tmp = disk.with_suffix(".tmp")
                tmp.write_text(json.dumps(_CACHE[key]))
                tmp.replace(disk)
            except OSError:
                pass
        return ws

    def _reachable_cells(self, robot: Robot, side: str, mid_start: bool = False) -> np.ndarray:
        """Bench positions the arm reaches at both grasp and lift height (kinematic IK on the URDF chain,
        joint limits respected; the hand must also stay on its own side of the body), and those it
        reaches at lift height only (good for dropping a part into a bin)."""
        arm = robot.arms[side]
        T_base = _base_T(robot)
        lo, hi = robot.body.lower[arm.cols], robot.body.upper[arm.cols]
        s = self.scale
        so = max(s, 0.6)  # parts do not shrink below 0.6 scale: neither do the grid, the heights, the clearances
        sg = 1.0 if side == "left" else -1.0
        x_min = self.bench_x[0] + 0.04 * s
        out, drop = [], []
        for dx in self.GRID:
            for dy in self.GRID:
                xy = self.tcp[side][:2] + np.array([dx, dy]) * so
                if xy[0] < x_min or sg * (xy[1] - self.center[1]) < 0.06 * s:  # keep off the midline (other hand)
                    continue
                if any(np.linalg.norm(xy - t[:2]) < 0.06 * so for t in self.tcp.values()) and \
                        self.bench_top + 0.09 * so > self._hand_low:
                    continue  # a part here would touch a hand in the default pose
                # reachable with a margin: a point 3 cm (× object scale) further from the shoulder must be reachable too
                away = xy - self.shoulder[side][:2]
                away = away / max(np.linalg.norm(away), 1e-6) * 0.03 * so
                reach = []
                for h in self.HEIGHTS:
                    reach.append(all(_ik_error(robot, arm, T_base, np.array([xy[0] + e[0], xy[1] + e[1], self.bench_top + h * so]),
                                               lo, hi, mid_start=mid_start) <= 0.004 for e in (np.zeros(2), away)))
                if all(reach):
                    out.append(xy)
                elif reach[-1]:
                    drop.append(xy)
        return np.array(out).reshape(-1, 2), np.array(drop).reshape(-1, 2)

    def _clear_cells(self, probe: ClearanceProbe) -> dict[str, np.ndarray]:
        """Per arm, the cells where the ``ee_delta`` controller, walking from the default pose, reaches both
        heights clear of the body and the bench; none if an arm already rests in the bench."""
        probe.set_bench(self.bench_top, self.bench_x, self.bench_y)
        if not probe.bench_free():
            return {s: np.zeros((0, 2)) for s in self.cells}
        so = max(self.scale, 0.6)
        out = {}
        for side, cells in self.cells.items():
            keep = [all(probe.works_at(side, np.array([x, y, self.bench_top + h * so])) for h in self.HEIGHTS)
                    for x, y in cells]
            out[side] = cells[np.asarray(keep, dtype=bool)].reshape(-1, 2)
        return out

    def sample_cells(self, side: str, rng: np.random.Generator, n: int, min_dist: float,
                     heights: list[tuple[float, ...]] | None = None, robot: Robot | None = None,
                     among: np.ndarray | None = None) -> list[np.ndarray]:
        """``n`` distinct reachable bench positions for one arm, at least ``min_dist`` (× scale) apart.

        ``heights`` (one tuple per position, with ``robot``): TCP heights above the bench the arm must
        also reach at that position (a low part taken at its top, a part carried over a tall fixture);
        positions are drawn from the cells that do, or from all cells if none does. ``among``: indices of
        this arm's cells to draw from (e.g. the ones a fixed camera sees)."""
        cells = self.cells.get(side, np.zeros((0, 2)))
        if len(cells) == 0:
            from humanoid_ground.errors import HGroundError

            raise HGroundError(f"the {side} arm reaches no bench position; check the card's default_pose and tcp_xyz")
        if heights is not None:
            return self._sample_slots(side, rng, [self._reaching(robot, side, h) for h in heights], min_dist)
        if among is not None:
            return self._sample_slots(side, rng, [np.asarray(among, dtype=int)] * n, min_dist)
        for _ in range(200):
            idx = rng.choice(len(cells), size=min(n, len(cells)), replace=False)
            pts = [cells[i] for i in idx]
            if all(np.linalg.norm(a - b) >= min_dist * self.scale for i, a in enumerate(pts) for b in pts[i + 1:]):
                return pts
        # no random draw is spread enough: farthest-point selection from a random start (best effort)
        chosen = [int(rng.integers(len(cells)))]
        while len(chosen) < min(n, len(cells)):
            d = np.min(np.linalg.norm(cells[:, None, :] - cells[chosen][None, :, :], axis=2), axis=1)
            d[chosen] = -1.0
            chosen.append(int(np.argmax(d)))
        return [cells[i] for i in chosen]

    def _reaching(self, robot: Robot, side: str, heights: tuple[float, ...]) -> np.ndarray:
        """Indices of this arm's cells where the TCP reaches every height (m above the bench), cached."""
        key = (robot.asset.key, robot.base_mode, side, tuple(round(float(h), 4) for h in heights))
        if key not in _REACH_MEMO:
            cells = self.cells[side]
            ok = [i for i, (x, y) in enumerate(cells)
                  if all(self.reaches(robot, side, np.array([x, y, self.bench_top + h]), margin=0.02) for h in heights)]
            _REACH_MEMO[key] = np.asarray(ok if ok else range(len(cells)), dtype=int)
        return _REACH_MEMO[key]

    def _sample_slots(self, side: str, rng: np.random.Generator, pools: list[np.ndarray],
                      min_dist: float) -> list[np.ndarray]:
        """One cell per pool (indices into this arm's cells), distinct and spaced."""
        cells = self.cells[side]
        for _ in range(200):
            idx = [int(pool[rng.integers(len(pool))]) for pool in pools]
            pts = [cells[i] for i in idx]
            if len(set(idx)) == len(idx) and all(np.linalg.norm(a - b) >= min_dist * self.scale
                                                 for i, a in enumerate(pts) for b in pts[i + 1:]):
                return pts
        return self.sample_cells(side, rng, len(pools), min_dist)  # no spaced draw from the pools: any cells

    def reaches(self, robot: Robot, side: str, target: np.ndarray, margin: float = 0.03, tol: float = 0.004) -> bool:
        """Whether the arm reaches ``target`` (world) and the points ``margin`` (× scale) further from and
        nearer to its shoulder (kinematic IK on the URDF chain from the default pose, joint limits
        respected): a target at the edge of the reachable shell, either side, is not counted."""
        arm = robot.arms[side]
        T_base = _base_T(robot)
        lo, hi = robot.body.lower[arm.cols], robot.body.upper[arm.cols]
        target = np.asarray(target, dtype=float)
        away = target - self.shoulder[side]
        away = away / max(float(np.linalg.norm(away)), 1e-6) * margin * self.scale
        return all(_ik_error(robot, arm, T_base, t, lo, hi) <= tol for t in (target, target + away, target - away))


def _body_boxes(robot: Robot, arm_links: set[int]) -> list[tuple[float, float]]:
    """(max x, max z) of the bounding box of every link of the robot's model but ``arm_links``, in the
    current pose. A body whose welded legs were folded into the pelvis (``sim.weld_idle``) has one box
    where the model has many, so the boxes come from the model as the card ships it, loaded at the same
    pose in a client of its own: the bench stands where it stands without welding."""
    def boxes(body: int, cid: int, skip: set[int]) -> list[tuple[float, float]]:
        tops = (p.getAABB(body, l, physicsClientId=cid)[1] for l in range(-1, p.getNumJoints(body, physicsClientId=cid))
                if l not in skip)
        return [(hi[0], hi[2]) for hi in tops]

    if not robot.body.folded:
        return boxes(robot.id, robot.cid, arm_links)
    from humanoid_ground.robots._pybullet import new_client
    from humanoid_ground.robots.body import RobotBody

    names = {i: n for n, i in robot.body.link_index.items()}
    cid = new_client()
    try:
        twin = RobotBody(robot.asset, cid, base_pos=tuple(robot.base_pos), base_orn=tuple(robot.base_orn), fixed_base=True)
        twin.reset_pose(np.array([robot.q[robot.col_of[n]] for n in twin.joint_names]))
        return boxes(twin.id, cid, {twin.link_index[names[l]] for l in arm_links})
    finally:
        p.disconnect(physicsClientId=cid)


def _base_T(robot: Robot) -> np.ndarray:
    """The robot base's world transform (4×4), for IK on the URDF chain."""
    from .rotations import quat_to_mat

    T = np.eye(4)
    T[:3, :3] = quat_to_mat(robot.base_orn)
    T[:3, 3] = robot.base_pos
    return T


def _ik_error(robot: Robot, arm, T_base: np.ndarray, target: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              iters: int = 60, mid_start: bool = False) -> float:
    """Position-only damped least-squares IK from the default pose; returns the remaining error (m).
    ``mid_start``: the best of starts from the default pose and from the middle of the arm's joint
    ranges (for arms whose default pose rests on joint limits)."""
    if mid_start:
        q0 = robot.body.default_q.copy()
        q0[arm.cols] = (lo + hi) / 2
        return min(_ik_error_from(robot, arm, T_base, target, lo, hi, iters),
                   _ik_error_from(robot, arm, T_base, target, lo, hi, iters, q0=q0))
    return _ik_error_from(robot, arm, T_base, target, lo, hi, iters)


def _ik_error_from(robot: Robot, arm, T_base: np.ndarray, target: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   iters: int, q0: np.ndarray | None = None) -> float:
    q = (robot.body.default_q if q0 is None else q0).copy()
    c = arm.cols
    for _ in range(iters):
        J, pt, _ = robot.kin.jacobian(arm.chain, q, T_base, arm.tcp_link, c)
        e = target - pt
        err = float(np.linalg.norm(e))
        if err < 0.002:
            return err
        Jp = J[:3]
        dq = Jp.T @ np.linalg.solve(Jp @ Jp.T + 0.03 ** 2 * np.eye(3), np.clip(e, -0.05, 0.05))
        q[c] = np.clip(q[c] + np.clip(dq, -0.2, 0.2), lo, hi)
    J, pt, _ = robot.kin.jacobian(arm.chain, q, T_base, arm.tcp_link, c)
    return float(np.linalg.norm(target - pt))
