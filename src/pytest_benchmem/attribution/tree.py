"""Flame-graph data: a capture's (or a diff's) live-at-peak stacks as a tree of call sites.

Each node is a call path from the benchmarked call inwards, keyed by ``module:function`` per
level; its width is the bytes live at the peak under it (in B for a diff) and, for a diff,
``before`` is the bytes under the same path in A. Nodes too small to see are left out
(their bytes stay in their parent). Drawing is ``plotting.flame``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_benchmem.units import human_bytes

from .model import Profile

ROOT = "all"
#: nodes narrower than this share of the widest side are dropped (their parent keeps the bytes)
MIN_SHARE = 0.002
MAX_NODES = 4000


@dataclass(frozen=True)
class FlameNode:
    """One call site on one call path."""

    ident: str
    parent: str
    label: str
    site: str
    where: str
    size: int
    before: int

    @property
    def delta(self) -> int:
        """Growth from A to B under this node (0 for a single capture)."""
        return self.size - self.before

    def hover(self, diff: bool) -> str:
        """What the node says on hover."""
        text = f"{self.site}<br>{self.where}<br>{human_bytes(self.size)} at the peak"
        if diff:
            sign = "+" if self.delta >= 0 else "-"
            text += f" (A: {human_bytes(self.before)}, {sign}{human_bytes(abs(self.delta))})"
        return text


def _accumulate(
    profile: Profile,
    paths: dict[tuple[str, ...], list[int]],
    slot: int,
    wheres: dict[tuple[str, ...], str],
) -> None:
    for alloc in profile.allocations:
        key: tuple[str, ...] = ()
        for frame in reversed(alloc.stack):
            key = (*key, frame.site)
            entry = paths.setdefault(key, [0, 0])
            entry[slot] += alloc.size
            wheres.setdefault(key, frame.where)


def flame_nodes(after: Profile, before: Profile | None = None) -> list[FlameNode]:
    """The tree's nodes, root first, parents before children."""
    paths: dict[tuple[str, ...], list[int]] = {}
    wheres: dict[tuple[str, ...], str] = {}
    _accumulate(after, paths, 0, wheres)
    if before is not None:
        _accumulate(before, paths, 1, wheres)
    total_after = after.total
    total_before = before.total if before is not None else 0
    floor = MIN_SHARE * max(total_after, total_before, 1)
    kept = [k for k, (b, a) in paths.items() if b >= floor or (before is not None and a >= floor)]
    kept.sort(key=lambda k: (len(k), -paths[k][0]))
    kept = kept[:MAX_NODES]
    ids: dict[tuple[str, ...], str] = {(): ROOT}
    nodes = [FlameNode(ROOT, "", ROOT, ROOT, after.benchmark_id, total_after, total_before)]
    for key in kept:
        parent = ids.get(key[:-1])
        if parent is None:  # its parent was dropped: so is it
            continue
        ident = f"n{len(ids)}"
        ids[key] = ident
        size, old = paths[key]
        label = key[-1].rsplit(":", 1)[-1]
        nodes.append(FlameNode(ident, parent, label, key[-1], wheres[key], size, old))
    return nodes
