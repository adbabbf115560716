"""A sweep's plan: every target x interpreter with its label, resolved before anything runs.

``build_plan`` parses the targets, finds the Python matrix's interpreters and labels the
entries; ``Plan.fingerprint`` identifies what makes runs comparable (entries, suite content,
mode, pytest args, environment, pins), so shards of one plan can be merged and others not.
``--only`` and ``--shard K/N`` pick entries (``Plan.select``); ``--plan`` prints it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pytest_benchmem.errors import UsageError

from .model import SweepOptions, TargetResult
from .process import Runner
from .pythons import Interpreter, find_interpreters, python_tags
from .spec import Target, parse_targets

_SKIP = frozenset({".git", "__pycache__", ".venv", ".nox", ".tox", "build", "dist", ".benchmarks"})


@dataclass(frozen=True)
class Shard:
    """``--shard K/N``: the K-th of N slices (entries K, K+N, K+2N... counted from 1)."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; UsageError for anything else."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            msg = f"--shard expects K/N with 1 <= K <= N (e.g. 1/4), got {text!r}"
            raise UsageError(msg)
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"


@dataclass(frozen=True)
class Plan:
    """The ordered entries of a sweep and the fingerprint of what makes them comparable.

    Attributes:
        targets: one per entry, with label (or key), interpreter and label suffix set.
        interpreters: the entries' interpreters, parallel to ``targets`` (None: the sweep's).
        parts: what the fingerprint covers (merge names the part that differs).
        fingerprint: a short hash of ``parts``.
    """

    targets: tuple[Target, ...]
    interpreters: tuple[Interpreter | None, ...]
    parts: Mapping[str, object] = field(default_factory=dict)
    fingerprint: str = ""

    def labels(self) -> list[str]:
        """Each entry's label (an unlabelled target: its key until uv resolves it)."""
        return [t.label or t.key for t in self.targets]

    def select(self, only: Sequence[str] = (), shard: Shard | None = None) -> list[int]:
        """Indexes of the entries ``--only`` and ``--shard`` keep, in plan order."""
        picked = list(range(len(self.targets)))
        if only:
            names = self.labels()
            unknown = [o for o in only if o not in names]
            if unknown:
                msg = f"--only {', '.join(unknown)}: not in the plan (labels: {', '.join(names)})"
                raise UsageError(msg)
            picked = [i for i in picked if names[i] in only]
        if shard is not None:
            picked = [i for n, i in enumerate(picked) if n % shard.n == shard.k - 1]
        return picked

    def entry(self, index: int) -> dict[str, object]:
        """One entry as ``--plan --format json`` lists it (a CI matrix's ``include`` item)."""
        target, interp = self.targets[index], self.interpreters[index]
        return {
            "label": target.label or target.key,
            "only": target.label or target.key,
            "target": target.text,
            "spec": target.spec,
            "python": interp.request if interp else None,
            "python_version": interp.version if interp else None,
            "python_found": interp.found if interp else True,
            "label_final": target.label is not None,
            "fingerprint": self.fingerprint,
        }

    def to_json(self, indexes: Sequence[int] | None = None) -> list[dict[str, object]]:
        """The entries (all, or ``indexes``) as a JSON-ready list."""
        chosen = range(len(self.targets)) if indexes is None else indexes
        return [self.entry(i) for i in chosen]


def content_fingerprint(path: Path, exclude: Path | None = None) -> str:
    """Identity of a file or tree by relative names and contents (not mtimes: a fresh
    checkout on another runner reads the same)."""
    h = hashlib.sha256()
    base = path.resolve()
    items = [base] if base.is_file() else sorted(base.rglob("*"))
    for item in items:
        rel = item.relative_to(base) if item != base else Path(item.name)
        if exclude is not None and item.is_relative_to(exclude):
            continue
        if item.is_file() and not _SKIP.intersection(rel.parts) and item.suffix != ".pyc":
            h.update(f"{rel.as_posix()}\0".encode())
            h.update(hashlib.sha256(item.read_bytes()).digest())
    return h.hexdigest()[:16]


def plan_parts(
    targets: Sequence[Target], interps: Sequence[Interpreter | None], options: SweepOptions
) -> dict[str, object]:
    """What two shards must share to be merged (see ``Plan.parts``)."""
    tree = options.copy_dir or options.suite
    return {
        "entries": [
            [t.label or t.key, t.spec, i.request if i else None]
            for t, i in zip(targets, interps, strict=True)
        ],
        "pythons": sorted(
            {(i.request, i.version or "", i.implementation or "") for i in interps if i}
        ),
        "suite": content_fingerprint(tree, exclude=options.out.resolve()),
        "memory": options.memory,
        "pytest_args": list(options.pytest_args),
        "env": list(options.env),
        "pins": list(options.pins),
        "as_of": options.as_of,
        "import_check": options.import_check,
        "rounds": options.rounds,
    }


def fingerprint_of(parts: Mapping[str, object]) -> str:
    """The short hash of a plan's parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def build_plan(
    texts: Sequence[str],
    options: SweepOptions,
    *,
    runner: Runner,
    uv: str,
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
) -> Plan:
    """Parse ``texts``, find the Python matrix's interpreters, label every entry.

    With one interpreter (or none given) labels are the targets' own; with several, each
    entry is ``LABEL-TAG`` (``python_tags``), interpreters in the order given, each with all
    targets in order.
    """
    targets = parse_targets(texts)
    if len(options.pythons) < 2:
        interps: list[Interpreter | None] = [None] * len(targets)
        parts = plan_parts(targets, interps, options)
        return Plan(tuple(targets), tuple(interps), parts, fingerprint_of(parts))
    found = find_interpreters(
        options.pythons,
        uv=uv,
        log_dir=log_dir or options.out / "logs" / "python",
        env=env,
        runner=runner,
        downloads=options.python_downloads,
    )
    expanded: list[Target] = []
    interps = []
    for interp, tag in zip(found, python_tags(found), strict=True):
        suffix = f"-{tag}"
        for target in targets:
            label = f"{target.label}{suffix}" if target.label else None
            python = interp.executable or interp.request
            expanded.append(replace(target, label=label, suffix=suffix, python=python))
            interps.append(interp)
    parts = plan_parts(expanded, interps, options)
    return Plan(tuple(expanded), tuple(interps), parts, fingerprint_of(parts))


def plan_record(plan: Plan, picked: Sequence[int], options: SweepOptions) -> dict[str, object]:
    """The manifest's ``plan`` and ``shard`` keys: what a merge checks and combines."""
    selected = bool(options.only) or options.shard is not None
    shard: dict[str, object] | None = None
    if selected:
        shard = {
            "shard": options.shard,
            "only": list(options.only),
            "entries": [plan.labels()[i] for i in picked],
        }
    return {
        "plan": {
            "fingerprint": plan.fingerprint,
            "labels": plan.labels(),
            "parts": dict(plan.parts),
        },
        "shard": shard,
    }


def render_plan(plan: Plan, indexes: Sequence[int]) -> str:
    """The plan as a table for the terminal."""
    rows = [("#", "label", "target", "python")]
    for i in indexes:
        entry = plan.entry(i)
        py = str(entry["python"] or "(the sweep's)")
        if entry["python_version"]:
            py += f" = {entry['python_version']}"
        elif not entry["python_found"]:
            py += " (not found)"
        label = str(entry["label"]) + ("" if entry["label_final"] else " (resolved at install)")
        rows.append((str(i + 1), label, str(entry["target"]), py))
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"{len(indexes)} of {len(plan.targets)} run(s); plan {plan.fingerprint}")
    return "\n".join(lines) + "\n"


def show_plan(texts: Sequence[str], options: SweepOptions, fmt: str = "table") -> str:
    """``benchmem sweep --plan``: the plan (after ``--only``/``--shard``), nothing run or
    written. ``fmt`` is ``table`` or ``json`` (a list a CI matrix takes as is)."""
    import tempfile

    from .process import SubprocessRunner
    from .venv import uv_bin

    if fmt not in ("table", "json"):
        msg = f"unknown plan format {fmt!r} (choose from table | json)"
        raise UsageError(msg)
    if not options.suite.exists():
        msg = f"suite not found: {options.suite}"
        raise UsageError(msg)
    with tempfile.TemporaryDirectory(prefix="benchmem-plan-") as tmp:
        plan = build_plan(texts, options, runner=SubprocessRunner(), uv=uv_bin(), log_dir=Path(tmp))
    picked = plan.select(options.only, Shard.parse(options.shard) if options.shard else None)
    if fmt == "json":
        return json.dumps(plan.to_json(picked)) + "\n"
    return render_plan(plan, picked)


def sweep_runs_alike(
    out: Path, options: SweepOptions, package: str, harness_version: str
) -> dict[str, TargetResult]:
    """Finished ``package==X`` runs (by version) of the sweep manifest in ``out`` that were
    measured as ``options`` would measure them: the same plan parts but the entries (suite
    content, mode, pytest args, env, pins, ...) and the same harness version. Bisect reuses
    them; anything else in the directory is measured again."""
    from .manifest import result_from_json

    try:
        data = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
        plan, targets = data["plan"], data["targets"]
        parts, harness = plan["parts"], data["harness"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    mine = plan_parts([], [], options)
    same = all(parts.get(k) == v for k, v in mine.items() if k not in ("entries", "pythons"))
    if not same or harness != harness_version or not isinstance(targets, list):
        return {}
    found: dict[str, TargetResult] = {}
    for entry in targets:
        try:
            result = result_from_json(entry)
        except (KeyError, ValueError, TypeError):
            continue
        run = result.run_path
        if result.ok and run is not None and result.spec == f"{package}=={result.label}":
            if not run.is_file():
                run = out / run.name  # a merged dir moved or downloaded elsewhere
            if run.is_file():
                found[result.label] = replace(result, run_path=run)
    return found
