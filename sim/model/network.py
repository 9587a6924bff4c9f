"""The residents' multiplex network (MODEL 3.8).

Layer A, face to face (complex contagion: participation, compliance, opinions): everyone in
a household is tied; beyond the household, a Watts–Strogatz small world (Watts & Strogatz
1998) over residents in stairwell order, so lattice ties are neighbours in the building and
the rewired few reach across the estate. Layer B, WeChat (simple contagion: information): each
building's group of online residents, held as a residents x groups membership matrix and used
as a broadcast clique (Li et al. 2016). Both are scipy.sparse CSR for the daily step; a
networkx graph is built only for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim import classic
from sim.model.population import Population
from sim.params import NetworkParams


@dataclass
class _FaceCache:
    """Arrays derived from one face-to-face matrix, valid while that matrix is the layer."""

    face: sp.csr_matrix
    degree: np.ndarray  # int
    edges: tuple[np.ndarray, np.ndarray] | None = None  # (u, v), u < v, sorted by (u, v)
    keys: np.ndarray | None = None  # u * n + v of the edges, ascending
    stored: np.ndarray | None = None  # row * n + column of the stored entries, ascending


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

    def share(self, mask: np.ndarray) -> np.ndarray:
        """Share of each resident's face-to-face ties in ``mask`` (0 without ties)."""
        return classic.neighbour_share_unchecked(self.face, mask, self.degree)

    def ties_of(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Residents tied to any of ``who`` (indices, ascending) and to how many of them.

        Repeats in ``who`` count again; only the residents with a tie are returned.
        """
        face = self.face
        nb = face.indices[classic.gather_rows(face.indptr, np.asarray(who, dtype=np.intp))]
        return np.unique(nb, return_counts=True)

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


def household_edges(household: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs within each household (households are contiguous blocks)."""
    n = len(household)
    us, vs = [], []
    gap = 1
    while gap < n:
        same = household[:-gap] == household[gap:]
        if not same.any():
            break
        idx = np.flatnonzero(same)
        us.append(idx)
        vs.append(idx + gap)
        gap += 1
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def build_network(pop: Population, p: NetworkParams, rng: np.random.Generator) -> Network:
    """Build both layers from the population, the parameters and the run's network stream."""
    n = pop.n
    hu, hv = household_edges(pop.household)
    k = min(p.mean_degree, n - 1 - (n - 1) % 2)
    if k >= 2:
        ws = nx.watts_strogatz_graph(n, k, p.rewire_p, seed=int(rng.integers(2**31)))
        wu, wv = np.array(ws.edges(), dtype=np.int64).reshape(-1, 2).T
    else:
        wu = wv = np.empty(0, np.int64)
    u = np.concatenate([hu, wu, hv, wv])
    v = np.concatenate([hv, wv, hu, wu])
    face = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    face.data[:] = 1.0  # duplicates summed above; a tie is a tie
    face.setdiag(0)
    face.eliminate_zeros()
    member = pop.online & (rng.random(n) < p.wechat_group_share)
    rows = np.flatnonzero(member)
    groups = sp.csr_matrix(
        (np.ones(len(rows)), (rows, pop.building[rows])), shape=(n, pop.n_buildings)
    )
    return Network(face=face.tocsr(), groups=groups)
