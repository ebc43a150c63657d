"""Benchmark statistics (rliable: mean, median, IQM with stratified-bootstrap CIs, performance
profiles) and the Markdown / self-contained HTML reports."""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np

BOOTSTRAP_REPS = 2000
TAUS = np.linspace(0.0, 100.0, 41)


def training_robots(results: dict) -> list[str] | None:
    """The policy's training robots (in-distribution) recorded in results.json; None for a policy
    without training robots (expert, random, a callable). Older results store one name."""
    t = (results.get("policy") or {}).get("trained_on")
    return None if t is None else ([t] if isinstance(t, str) else list(t))


def _score_rows(results: dict) -> tuple[list[dict], bool]:
    """Per cell: per-episode success (0/100) and normalised score (0 = random, 100 = expert). Failed
    cells count as all-failure episodes (never dropped from the denominator)."""
    refs = (results.get("references") or {}).get("cells", {})
    seeds = results["suite"]["seeds"]
    trained_on = training_robots(results)
    added = set(results["suite"].get("added_robots") or [])
    rows, all_norm = [], True
    for c in results["cells"]:
        key = f"{c['robot']}/{c['task']}"
        ok = c["status"] == "ok"
        succ = np.array([100.0 * e["success"] for e in c["episodes"]]) if ok else np.zeros(len(seeds))
        ref = refs.get(key, {})
        r0 = (ref.get("random") or {}).get("mean_return")
        r1 = (ref.get("expert") or {}).get("mean_return")
        norm = None
        if r0 is not None and r1 is not None and r1 - r0 > 1e-9:
            norm = np.array([100.0 * (e["return"] - r0) / (r1 - r0) for e in c["episodes"]]) if ok else np.zeros(len(seeds))
        if c["robot"] in added:  # outside the reference set: aggregated apart (a normalised score if the user calibrated it)
            rows.append({"key": key, "robot": c["robot"], "task": c["task"], "normalized": norm, "added": True, "held_out": None,
                         "success": succ})
            continue
        all_norm = all_norm and norm is not None
        rows.append({"key": key, "robot": c["robot"], "task": c["task"], "success": succ, "normalized": norm, "added": False,
                     "held_out": None if trained_on is None else c["robot"] not in trained_on})
    return rows, all_norm and any(not r["added"] for r in rows)


def _interval(matrix: np.ndarray) -> dict:
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning, module="arch")  # arch's own RandomState deprecation
    from rliable import library as rly
    from rliable import metrics

    fns = {"mean": metrics.aggregate_mean, "median": metrics.aggregate_median, "iqm": metrics.aggregate_iqm}
    out = {}
    for name, fn in fns.items():
        np.random.seed(0)  # arch's bootstrap ignores a deprecated random_state on some versions: seed both
        point, ci = rly.get_interval_estimates({"p": matrix}, lambda x, fn=fn: np.array([fn(x)]), reps=BOOTSTRAP_REPS,
                                               random_state=np.random.RandomState(0))
        out[name] = {"value": float(point["p"][0]), "ci95": [float(ci["p"][0][0]), float(ci["p"][1][0])]}
    return out


def compute_aggregates(results: dict) -> dict:
    rows, has_norm = _score_rows(results)
    extra = [r for r in rows if r["added"]]
    rows = [r for r in rows if not r["added"]]
    if not rows and not extra:
        return {}
    metric = "normalized" if has_norm else "success"
    n = min(len(r[metric]) for r in rows) if rows else min(len(r["success"]) for r in extra)
    if n == 0:
        return {}

    def matrix(sel, m=metric):
        return np.stack([r[m][:n] for r in sel], axis=1)  # (episodes, cells)

    if not rows:  # only robots outside the suite: their success, nothing else
        return {"metric": "success", "episodes_per_cell": n, "bootstrap_reps": BOOTSTRAP_REPS,
                "groups": {"outside_reference": dict(_interval(matrix(extra, "success")), cells=len(extra), metric="success")}}

    groups = {"all": rows}
    for key in ("in_distribution", "held_out"):
        sel = [r for r in rows if r["held_out"] is not None and r["held_out"] == (key == "held_out")]
        if sel:
            groups[key] = sel
    for kind in ("task", "robot"):
        for r in rows:
            groups.setdefault(f"{kind}:{r[kind]}", []).append(r)
    agg = {"metric": metric, "episodes_per_cell": n, "bootstrap_reps": BOOTSTRAP_REPS, "groups": {}}
    for g, sel in groups.items():
        agg["groups"][g] = dict(_interval(matrix(sel)), cells=len(sel))
    if extra:  # robots added with robots=[...]: success rate, kept out of the suite's own groups
        agg["groups"]["outside_reference"] = dict(_interval(matrix(extra, "success")), cells=len(extra), metric="success")
    from rliable import library as rly

    # performance profile: fraction of episodes scoring above tau, CI by the same seeded bootstrap
    m = matrix(rows)
    prof = lambda x: np.array([(x > t).mean() for t in TAUS])  # noqa: E731
    np.random.seed(0)
    point, ci = rly.get_interval_estimates({"p": m}, prof, reps=BOOTSTRAP_REPS, random_state=np.random.RandomState(0))
    agg["performance_profile"] = {"tau": TAUS.tolist(), "fraction": point["p"].tolist(),
                                  "ci95": [ci["p"][0].tolist(), ci["p"][1].tolist()]}
    return agg


# --- rendering -----------------------------------------------------------------------------------------

def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _num(x, fmt=".2f") -> str:
    return "—" if x is None else format(x, fmt)


def cell_table(results: dict) -> list[list[str]]:
    rows, _ = _score_rows(results)
    norm = {r["key"]: r["normalized"] for r in rows}
    out = []
    for c in results["cells"]:
        s = c.get("summary") or {}
        key = f"{c['robot']}/{c['task']}"
        nm = norm.get(key)
        ci = s.get("success_ci95")
        out.append([c["robot"], c["task"], f"{_pct(s.get('success_rate'))} [{_pct(ci[0])}, {_pct(ci[1])}]" if ci else "—",
                    _pct(s.get("success_once_rate")), _num(s.get("mean_return")), _num(float(np.mean(nm)) if nm is not None else None, ".1f"),
                    _num(s.get("mean_length"), ".0f"),
                    ", ".join(f"{k}={v:.3g}" for k, v in (s.get("metrics") or {}).items() if v is not None),
                    c["status"] + (f" ({c.get('error')})" if c["status"] != "ok" else "") + (f", {c.get('attempts')} attempts" if c.get("attempts", 1) > 1 else "")])
    return out


CELL_HEAD = ["robot", "task", "success [95% Wilson]", "success once", "mean return", "normalised", "mean length", "task metrics", "status"]
AGG_HEAD = ["group", "cells", "mean [95% CI]", "median [95% CI]", "IQM [95% CI]"]


def agg_table(results: dict) -> list[list[str]]:
    agg = results.get("aggregates") or {}
    out = []
    for g, v in (agg.get("groups") or {}).items():
        label = g + (" (success %)" if v.get("metric") == "success" and agg.get("metric") != "success" else "")
        out.append([label, str(v["cells"])] + [f"{v[m]['value']:.1f} [{v[m]['ci95'][0]:.1f}, {v[m]['ci95'][1]:.1f}]" for m in ("mean", "median", "iqm")])
    return out


def _md_table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _header(results: dict) -> list[str]:
    s, p = results["suite"], results["policy"]
    metric = (results.get("aggregates") or {}).get("metric", "success")
    return [f"suite **{s['id']}** ({s['episodes']} episodes per cell, seeds {s['seeds'][0]}–{s['seeds'][-1]}, control {s['control']})",
            f"policy **{p['spec']}** ({p['kind']}{', sha256 ' + p['hash'] if p.get('hash') else ''}"
            f"{', trained on ' + ', '.join(training_robots(results)) if p.get('trained_on') else ''})",
            f"humanoid-ground {results['project_version']}, {results['machine']['platform']}, {results['backend']} backend, "
            f"finished {results.get('finished', '—')} in {results.get('duration_s', '—')} s",
            f"aggregate score: {'normalised (0 = random, 100 = scripted expert)' if metric == 'normalized' else 'success rate in % (no calibrated references for every cell)'}; "
            f"stratified bootstrap over episodes, {(results.get('aggregates') or {}).get('bootstrap_reps', '—')} resamples (rliable)"]


def markdown(results: dict) -> str:
    parts = [f"# Benchmark report: {results['suite']['id']}", ""] + [f"- {h}" for h in _header(results)]
    parts += ["", "## Cells", "", _md_table(CELL_HEAD, cell_table(results)), "", "## Aggregates", "", _md_table(AGG_HEAD, agg_table(results))]
    if results["suite"].get("added_robots"):
        parts += ["", f"Robots outside the suite's reference set (added with robots=): {', '.join(results['suite']['added_robots'])}; "
                  "their cells report success only and form the `outside_reference` group (success %), apart from the suite's aggregates."]
    if results["suite"].get("excluded"):
        parts += ["", "## Excluded cells", ""] + [f"- {e['robot']} / {e['task']}: {e.get('why', '')}" for e in results["suite"]["excluded"]]
    return "\n".join(parts) + "\n"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def plots(results: dict) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    cells = results["cells"]
    robots = list(dict.fromkeys(c["robot"] for c in cells))
    tasks = list(dict.fromkeys(c["task"] for c in cells))
    grid = np.full((len(robots), len(tasks)), np.nan)
    for c in cells:
        s = c.get("summary") or {}
        grid[robots.index(c["robot"]), tasks.index(c["task"])] = 100 * s["success_rate"] if s else 0.0
    fig, ax = plt.subplots(figsize=(1.4 * len(tasks) + 2.5, 0.45 * len(robots) + 1.5))
    im = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(tasks)), tasks, rotation=30, ha="right")
    ax.set_yticks(range(len(robots)), robots)
    for i in range(len(robots)):
        for j in range(len(tasks)):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.0f}", ha="center", va="center", color="w" if grid[i, j] < 60 else "k", fontsize=8)
    fig.colorbar(im, ax=ax, label="success %")
    ax.set_title("success rate per robot x task")
    out["heatmap"] = _png(fig)
    agg = results.get("aggregates") or {}
    groups = agg.get("groups") or {}
    if groups:
        names = list(groups)
        vals = [groups[g]["iqm"]["value"] for g in names]
        lo = [groups[g]["iqm"]["value"] - groups[g]["iqm"]["ci95"][0] for g in names]
        hi = [groups[g]["iqm"]["ci95"][1] - groups[g]["iqm"]["value"] for g in names]
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
        ax.barh(range(len(names)), vals, xerr=[lo, hi], color="#4c72b0", capsize=3)
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlabel(f"IQM ({agg['metric']}), 95% stratified bootstrap CI")
        out["iqm"] = _png(fig)
    pp = agg.get("performance_profile")  # none when every cell is outside the reference set
    if pp:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(pp["tau"], pp["fraction"], color="#dd8452")
        ax.fill_between(pp["tau"], pp["ci95"][0], pp["ci95"][1], alpha=0.2, color="#dd8452")
        ax.set_xlabel(f"score threshold tau ({agg['metric']})")
        ax.set_ylabel("fraction of episodes with score > tau")
        ax.set_ylim(0, 1.02)
        ax.set_title("performance profile")
        out["profile"] = _png(fig)
    return out


def html_report(results: dict) -> str:
    def table(head, rows):
        h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
        b = "".join("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>"
    imgs = plots(results)
    def img(k, alt):
        return f'<img alt="{alt}" src="data:image/png;base64,{imgs[k]}">' if k in imgs else ""
    head = "".join(f"<li>{html.escape(h).replace('**', '')}</li>" for h in _header(results))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(results['suite']['id'])} report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}th{{background:#f3f3f3}}img{{max-width:100%;margin:0.5em 0}}</style></head>
<body><h1>Benchmark report: {html.escape(results['suite']['id'])}</h1><ul>{head}</ul>
<h2>Success per robot × task</h2>{img('heatmap', 'success heatmap')}
<h2>Cells</h2>{table(CELL_HEAD, cell_table(results))}
<h2>Aggregates</h2>{table(AGG_HEAD, agg_table(results))}{img('iqm', 'IQM with confidence intervals')}{img('profile', 'performance profile')}
</body></html>
"""


def write_reports(results: dict, out: Path) -> None:
    out = Path(out)
    (out / "report.md").write_text(markdown(results))
    (out / "report.html").write_text(html_report(results))


def rerender(out: str | Path) -> Path:
    from humanoid_ground.errors import HGroundError

    out = Path(out).expanduser()
    f = out / "results.json"
    if not f.is_file():
        raise HGroundError(f"{out} holds no results.json; run 'hground bench suite=... out={out}' first")
    try:
        results = json.loads(f.read_text())
    except json.JSONDecodeError as e:
        raise HGroundError(f"{f} is corrupt ({e})") from None
    if "aggregates" not in results:
        results["aggregates"] = compute_aggregates(results)
    write_reports(results, out)
    return out
