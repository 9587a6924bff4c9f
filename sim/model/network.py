"""The residents' multiplex network and organisational affiliations (MODEL 3.8).

Layer A, face to face (complex contagion: participation, compliance, opinions): everyone in
a household is tied; beyond it, residents j and l of different households are tied with
probability 1 - exp(-p_level s_j s_l) ~ p_level s_j s_l (a Poisson edge model, Norros &
Reittu 2006), p_level by whether they share a stairwell, a building or only the estate
(Grannis 2009: ties form within small pedestrian-connected units), s a resident's
sociability; core members (activists) add ties across the estate. Layer B, WeChat (simple
contagion: information): each building's group of online residents, held as a residents x
groups membership matrix and used as a broadcast clique (Li et al. 2016). Both are
scipy.sparse CSR for the daily step; a networkx graph is built only for drawing
(:meth:`Network.graph`). Organisational links (building heads, kindergarten parents, park
employees, fee payers) are boolean masks in :attr:`Network.affiliation`, not face ties.
Design: docs/design/causal_core.md section 5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from sim import classic
from sim.model.population import YOUNG, Population
from sim.params import NetworkParams

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class _FaceCache:
    """Arrays derived from one face-to-face matrix, valid while that matrix is the layer."""

    face: sp.csr_matrix
    degree: np.ndarray  # int
    edges: tuple[np.ndarray, np.ndarray] | None = None  # (u, v), u < v, sorted by (u, v)
    keys: np.ndarray | None = None  # u * n + v of the edges, ascending
    stored: np.ndarray | None = None  # row * n + column of the stored entries, ascending
    #: Tie counts kept by :meth:`Network.share`'s ``track`` name: (the mask, its counts).
    counts: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _merge(old: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.insert(old, at, values)`` for ascending ``at``: one pass, no sorting."""
    out = np.empty(len(old) + len(values), dtype=old.dtype)
    slots = at + np.arange(len(values))
    mask = np.ones(len(out), dtype=bool)
    mask[slots] = False
    out[slots] = values
    out[mask] = old
    return out


def _upper_edges(face: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    upper = sp.triu(face, k=1).tocoo()
    return upper.row.astype(np.int64), upper.col.astype(np.int64)


@dataclass
class Network:
    """Sparse layers of the community's network.

    Degrees and edge lists are derived once per face-to-face matrix and kept until the
    layer changes (a new matrix, as :meth:`add_ties` makes), not recomputed each day.
    """

    face: sp.csr_matrix  # n x n, symmetric 0/1, no self-loops, sorted indices
    groups: sp.csr_matrix  # n x n_buildings, 1 where a resident is in the building's group
    #: Each resident's sociability s (mean 1 before the age/work multipliers), which scales
    #: the resident's expected number of neighbour ties.
    sociability: np.ndarray | None = None
    #: Organisational affiliations (bipartite links, not face ties), one boolean mask over
    #: residents per organisation (MODEL 3.8, design 5.1):
    #: ``building_head`` one building head (楼栋长) per building, a core member where the
    #: building has one, linked to the committee; ``kindergarten`` the members of households
    #: with a child under 6 (``child_household_share`` of households, among those with a young
    #: member), where a unit of that kind exists; ``industrial_park`` employed residents
    #: working there (``park_employee_share``), where the park exists; ``property_firm``
    #: members of fee-paying households (``fee_paying_share``), where there is a firm.
    #: An organisation the community lacks has an all-False mask.
    affiliation: dict[str, np.ndarray] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, object]:
        """Pickle the layers only: derived arrays are rebuilt on first use after loading."""
        state = dict(self.__dict__)
        state.pop("_face_cache", None)
        state.pop("groups_t", None)
        return state

    def _cache(self) -> _FaceCache:
        c: _FaceCache | None = self.__dict__.get("_face_cache")
        if c is None or c.face is not self.face:
            c = _FaceCache(self.face, np.diff(self.face.indptr))
            self.__dict__["_face_cache"] = c
        return c

    @property
    def degree(self) -> np.ndarray:
        """Face-to-face degree of each resident."""
        return self._cache().degree

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Face-to-face edges as endpoint arrays (u < v, sorted by u then v).

        For pairwise kernels (Deffuant chats).
        """
        c = self._cache()
        if c.edges is None:
            c.edges = _upper_edges(self.face)
        return c.edges

    def _keys(self) -> np.ndarray:
        c = self._cache()
        if c.keys is None:
            u, v = self.edges
            c.keys = u * self.face.shape[0] + v
        return c.keys

    def tied(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Whether each pair ``u[k]``-``v[k]`` has a face-to-face tie (binary search)."""
        keys = self._keys()
        q = np.minimum(u, v) * self.face.shape[0] + np.maximum(u, v)
        at = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        return (keys[at] == q) if len(keys) else np.zeros(len(q), dtype=bool)

    @cached_property
    def groups_t(self) -> sp.csr_matrix:
        """The WeChat membership matrix transposed (groups x residents), built once."""
        return self.groups.T.tocsr()

    def share(self, mask: np.ndarray, track: str | None = None) -> np.ndarray:
        """Share of each resident's face-to-face ties in ``mask`` (0 without ties).

        ``track`` names a mask that changes little between calls (who is aware, who follows):
        its tie counts are then updated from the residents whose membership changed since the
        last call under that name instead of one mat-vec over every tie. Counts of 0/1 ties are
        whole numbers, exact in any order of summation, so the shares are the mat-vec's, bit
        for bit.
        """
        if track is None:
            return classic.neighbour_share_unchecked(self.face, mask, self.degree)
        return self._counts(track, mask) / np.maximum(self.degree, 1)

    def _counts(self, name: str, mask: np.ndarray) -> np.ndarray:
        """Each resident's number of ties in ``mask``, kept under ``name`` (see :meth:`share`)."""
        c, face = self._cache(), self.face
        held = c.counts.get(name)
        changed = None if held is None else np.flatnonzero(mask != held[0])
        if changed is None or 8 * len(changed) > len(mask):  # many changed: one mat-vec
            counts = np.asarray(face @ mask.astype(float)).ravel()
        else:
            counts = held[1]
            step = np.repeat(np.where(mask[changed], 1.0, -1.0), c.degree[changed])
            np.add.at(counts, face.indices[classic.gather_rows(face.indptr, changed)], step)
        c.counts[name] = (mask.copy(), counts)
        return counts

    def ties_of(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Residents tied to any of ``who`` (indices, ascending) and to how many of them.

        Repeats in ``who`` count again; only the residents with a tie are returned.
        """
        face = self.face
        nb = face.indices[classic.gather_rows(face.indptr, np.asarray(who, dtype=np.intp))]
        return np.unique(nb, return_counts=True)

    def ask(
        self, askers: np.ndarray, target: np.ndarray, k: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Residents asked in person (bool) when each asker asks up to ``k`` of its ties.

        Each of ``askers`` (indices) asks up to ``k`` of its face-to-face ties in the mask
        ``target``, at random among them (MODEL 3.1: a building head or neighbour asks in
        person; Middleton & Green 2008); a resident tied to several askers may be asked by each.
        """
        face = self.face
        owner = np.repeat(np.arange(len(askers)), self.degree[askers])
        ties = face.indices[classic.gather_rows(face.indptr, askers)].astype(np.int64)
        keep = target[ties]
        ties, owner = ties[keep], owner[keep]
        order = np.lexsort((rng.random(len(ties)), owner))
        ties, owner = ties[order], owner[order]
        first = np.arange(len(ties)) - np.searchsorted(owner, owner)  # rank within an asker
        asked = np.zeros(len(target), dtype=bool)
        asked[ties[first < k]] = True
        return asked

    def graph(self) -> nx.Graph:
        """The face-to-face layer as a networkx graph (nodes 0..n-1), for drawing only."""
        import networkx as nx

        return nx.from_scipy_sparse_array(self.face)

    def add_ties(self, u: np.ndarray, v: np.ndarray) -> None:
        """Add face-to-face ties ``u[k]``-``v[k]`` (symmetric 0/1; existing ties stay one).

        The new entries are merged into the sorted CSR arrays and the cached edge list
        (in (u, v) order, the order :attr:`edges` has when built from scratch) instead of
        rebuilding either.
        """
        u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
        face = self.face
        n = face.shape[0]
        keep = u != v
        keys = np.unique(np.minimum(u[keep], v[keep]) * n + np.maximum(u[keep], v[keep]))
        keys = keys[~self.tied(keys // n, keys % n)]
        c = self._cache()
        old_keys, (ou, ov) = self._keys(), self.edges
        if c.stored is None:
            if not face.has_sorted_indices:
                face.sort_indices()
            c.stored = np.repeat(np.arange(n, dtype=np.int64), c.degree) * n + face.indices
        lo, hi = keys // n, keys % n
        entries = np.sort(np.concatenate([keys, hi * n + lo]))  # both directions, row-major
        at = np.searchsorted(c.stored, entries)
        indices = _merge(face.indices, at, (entries % n).astype(face.indices.dtype))
        added = np.concatenate(([0], np.cumsum(np.bincount(entries // n, minlength=n))))
        indptr = face.indptr + added.astype(face.indptr.dtype)
        new = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=face.shape)
        new.has_sorted_indices = True  # merged in order: no need to scan for it
        self.face = new
        at_edges = np.searchsorted(old_keys, keys)
        nc = self._cache()
        nc.edges = (_merge(ou, at_edges, lo), _merge(ov, at_edges, hi))
        nc.keys = _merge(old_keys, at_edges, keys)
        nc.stored = _merge(c.stored, at, entries)


def _block_pairs(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (u < v) within each run of equal ``block`` values (blocks are contiguous)."""
    n = len(block)
    ends = np.searchsorted(block, block, side="right")  # block is non-decreasing
    counts = ends - np.arange(n) - 1
    u = np.repeat(np.arange(n, dtype=np.int64), counts)
    offset = np.arange(len(u)) - np.repeat(np.cumsum(counts) - counts, counts)
    return u, u + 1 + offset


def _poisson_ties(
    block: np.ndarray,
    s: np.ndarray,
    p: float,
    apart: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Ties within blocks, pair j, l tied with probability 1 - exp(-p s_j s_l).

    Only pairs with ``apart[j] != apart[l]`` (the other pairs belong to another level). Per
    block b, Poisson(p S_b^2 / 2) draws of two endpoints, each chosen with probability
    proportional to s within the block (S_b its sum), so pair j, l gets Poisson(p s_j s_l)
    draws; draws within one ``apart`` group (the same household, stairwell or building) and
    self-pairs are dropped. O(ties), never a pairs matrix. ``block`` is non-decreasing.
    """
    n = len(block)
    n_blocks = int(block[-1]) + 1 if n else 0
    starts = np.searchsorted(block, np.arange(n_blocks))
    ends = np.append(starts[1:], n)
    cum = np.concatenate(([0.0], np.cumsum(s)))
    total = cum[ends] - cum[starts]
    b = np.repeat(np.arange(n_blocks), rng.poisson(p * total**2 / 2))
    lo, hi = starts[b], ends[b] - 1

    def endpoint() -> np.ndarray:
        x = cum[lo] + rng.random(len(b)) * total[b]
        return np.clip(np.searchsorted(cum, x, side="right") - 1, lo, hi)

    j, k = endpoint(), endpoint()
    keep = apart[j] != apart[k]
    return j[keep], k[keep]


def sociability(pop: Population, p: NetworkParams, rng: np.random.Generator) -> np.ndarray:
    """Each resident's sociability: Gamma(k, 1/k) (mean 1) times the multipliers.

    ``sociability_elderly`` for residents aged 60+, ``sociability_employed`` for those in
    work (design 5.1).
    """
    s = rng.gamma(p.sociability_shape, 1.0 / p.sociability_shape, pop.n)
    s *= np.where(pop.elderly, p.sociability_elderly, 1.0)
    return s * np.where(pop.employed, p.sociability_employed, 1.0)


def _face(n: int, u: np.ndarray, v: np.ndarray) -> tuple[sp.csr_matrix, _FaceCache]:
    """The symmetric 0/1 CSR matrix of ties u-v, with its derived arrays filled in.

    Any order; repeats and self-pairs are dropped.
    """
    keep = u != v
    keys = np.unique(np.minimum(u[keep], v[keep]) * n + np.maximum(u[keep], v[keep]))
    lo, hi = keys // n, keys % n
    stored = np.sort(np.concatenate([keys, hi * n + lo]))
    degree = np.bincount(stored // n, minlength=n)
    indptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int32)
    face = sp.csr_matrix(
        (np.ones(len(stored)), (stored % n).astype(np.int32), indptr), shape=(n, n)
    )
    face.has_sorted_indices = True
    return face, _FaceCache(face, degree, (lo, hi), keys, stored)


def _affiliations(
    pop: Population,
    p: NetworkParams,
    rng: np.random.Generator,
    units: Sequence[str],
    property_firm: bool,
) -> dict[str, np.ndarray]:
    """Organisational affiliations as resident masks (see :attr:`Network.affiliation`)."""
    n, h = pop.n, pop.n_households
    # building head (楼栋长): a core member of the building if any, else a resident aged 35+
    # if any, at random among them
    rank = rng.random(n) + 2.0 * pop.core + 1.0 * (pop.age != YOUNG)
    order = np.lexsort((rank, pop.building))
    last = np.flatnonzero(np.diff(pop.building[order], append=pop.n_buildings))
    head = np.zeros(n, dtype=bool)
    head[order[last]] = True
    kindergarten = np.zeros(n, dtype=bool)
    if "kindergarten" in units:
        with_young = np.flatnonzero(np.bincount(pop.household, pop.age == YOUNG, h) > 0)
        size = min(round(p.child_household_share * h), len(with_young))
        chosen = np.zeros(h, dtype=bool)
        chosen[rng.choice(with_young, size=size, replace=False)] = True
        kindergarten = chosen[pop.household]
    park = np.zeros(n, dtype=bool)
    if "industrial_park" in units:
        park = pop.employed & (rng.random(n) < p.park_employee_share)
    fees = np.zeros(n, dtype=bool)
    if property_firm:
        fees = (rng.random(h) < p.fee_paying_share)[pop.household]
    return {
        "building_head": head,
        "kindergarten": kindergarten,
        "industrial_park": park,
        "property_firm": fees,
    }


def build_network(
    pop: Population,
    p: NetworkParams,
    rng: np.random.Generator,
    *,
    units: Sequence[str] = (),
    property_firm: bool = False,
) -> Network:
    """Build both layers and the affiliations (design 5.1).

    From the population, the parameters, the kinds of the community's units, whether it has
    a property firm, and the run's network stream.

    Face ties: household cliques; stairwell, building and estate ties by
    :func:`_poisson_ties` at ``p_stair``, ``p_bldg`` and ``estate_ties / n`` (so a
    resident's estate ties do not grow with the estate's size); ``activist_ties``
    draws per core member of partners anywhere in the estate, uniformly (other households
    only; repeats and existing ties collapse): activists reach residents whatever their
    sociability, which is what brings the share without neighbour ties to SUNS's level.
    """
    n = pop.n
    s = sociability(pop, p, rng)
    hu, hv = _block_pairs(pop.household)
    su, sv = _poisson_ties(pop.stairwell, s, p.p_stair, pop.household, rng)
    bu, bv = _poisson_ties(pop.building, s, p.p_bldg, pop.stairwell, rng)
    p_estate = p.estate_ties / n
    eu, ev = _poisson_ties(np.zeros(n, dtype=np.int32), s, p_estate, pop.building, rng)
    au = np.repeat(np.flatnonzero(pop.core), p.activist_ties)
    av = rng.integers(n, size=len(au))
    other = pop.household[au] != pop.household[av]
    u = np.concatenate([hu, su, bu, eu, au[other]])
    v = np.concatenate([hv, sv, bv, ev, av[other]])
    face, cache = _face(n, u, v)
    member = pop.online & (rng.random(n) < p.wechat_group_share)
    rows = np.flatnonzero(member)
    groups = sp.csr_matrix(
        (np.ones(len(rows)), (rows, pop.building[rows])), shape=(n, pop.n_buildings)
    )
    net = Network(
        face=face,
        groups=groups,
        sociability=s,
        affiliation=_affiliations(pop, p, rng, units, property_firm),
    )
    net.__dict__["_face_cache"] = cache
    return net


#: Weekly-contact probability of a tie by level (stairwell, building, estate), for the
#: weekly-contact calibration target (design 5.3, ASSUMPTION).
WEEKLY = (0.8, 0.5, 0.3)


def statistics(pop: Population, net: Network) -> dict[str, float]:
    """The network's calibration statistics (docs/model.md, design 5.3).

    ``neighbour_tie_share``: share of residents with a face tie outside the household (and
    ``_adults`` of adults 18+, SUNS's population);
    ``weekly_tie_share``: expected share with at least one weekly neighbour tie, each tie
    weekly with :data:`WEEKLY` by level; degrees; mean local clustering (0 below degree 2);
    ``stairwell``/``building``/``estate``: shares of the non-household ties by where the two
    residents live.
    """
    u, v = net.edges
    n = pop.n
    outside = pop.household[u] != pop.household[v]
    u, v = u[outside], v[outside]
    level = np.where(
        pop.stairwell[u] == pop.stairwell[v], 0, np.where(pop.building[u] == pop.building[v], 1, 2)
    )
    nonhh = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    log_never = np.log1p(-np.array(WEEKLY))[level]
    never = np.exp(np.bincount(u, log_never, n) + np.bincount(v, log_never, n))
    face = net.face
    triangles = np.asarray((face @ face).multiply(face).sum(axis=1)).ravel() / 2
    d = net.degree
    pairs = d * (d - 1) / 2
    clustering = np.divide(triangles, pairs, out=np.zeros(n), where=pairs > 0)
    by_level = np.bincount(level, minlength=3) / max(len(level), 1)
    return {
        "neighbour_tie_share": float(np.mean(nonhh > 0)),
        "neighbour_tie_share_adults": float(np.mean(nonhh[pop.adult] > 0)),
        "weekly_tie_share": float(np.mean(1 - never)),
        "mean_degree": float(d.mean()),
        "sd_degree": float(d.std()),
        "mean_nonhousehold_degree": float(nonhh.mean()),
        "clustering": float(clustering.mean()),
        "stairwell": float(by_level[0]),
        "building": float(by_level[1]),
        "estate": float(by_level[2]),
    }
