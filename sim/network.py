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

from sim.params import NetworkParams
from sim.population import Population


@dataclass
class Network:
    """Sparse layers of the community's network."""

    face: sp.csr_matrix  # n x n, symmetric 0/1, no self-loops
    groups: sp.csr_matrix  # n x n_buildings, 1 where a resident is in the building's group

    @property
    def degree(self) -> np.ndarray:
        """Face-to-face degree of each resident."""
        return np.diff(self.face.indptr)

    @cached_property
    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Face-to-face edges as endpoint arrays (u < v), for pairwise kernels."""
        upper = sp.triu(self.face, k=1).tocoo()
        return upper.row.astype(np.int64), upper.col.astype(np.int64)

    def add_ties(self, u: np.ndarray, v: np.ndarray) -> None:
        """Add face-to-face ties ``u[k]``-``v[k]`` (symmetric 0/1; existing ties stay one)."""
        u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
        keep = u != v
        rows, cols = np.concatenate([u[keep], v[keep]]), np.concatenate([v[keep], u[keep]])
        new = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=self.face.shape)
        face = (self.face + new).tocsr()
        face.data[:] = 1.0
        self.face = face
        self.__dict__.pop("edges", None)  # drop the cached endpoint arrays

    def graph(self) -> nx.Graph:
        """The face-to-face layer as a networkx graph (for drawing only)."""
        return nx.from_scipy_sparse_array(self.face)


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
        (np.ones(len(rows)), (rows, pop.building[rows])), shape=(n, pop.n_buildings))
    return Network(face=face.tocsr(), groups=groups)
