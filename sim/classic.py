"""Classic models of opinion dynamics, thresholds and diffusion as vectorised kernels.

Every kernel works on whole arrays (numpy, ``scipy.sparse`` CSR adjacency); the only
Python loops are over steps, rounds or generations, never over agents. The daily phases
of the main model call the low-level kernels directly; the public wrappers reproduce the
textbook models for tests and experiments.

Public API (textbook models):
    degroot, deffuant, hegselmann_krause, granovetter, watts_cascade, sir_final_size.

Low-level kernels (used by the main model):
    to_csr, deffuant_pairs, deffuant_edges, deffuant_edges_unchecked, hk_step,
    hk_step_graph, threshold_cascade, neighbour_share, neighbour_share_unchecked,
    gather_rows, independent_cascade, opinion_clusters, erdos_renyi. The ``_unchecked``
    kernels skip input validation for the model's daily step.

Graphs are networkx graphs whose nodes are exactly ``0..n-1`` or square scipy sparse
adjacency matrices (row ``i`` lists the neighbours of node ``i``). Randomness comes only
from the ``numpy.random.Generator`` passed in, so equal generator states give equal
results.

References:
    DeGroot, M. H. (1974). Reaching a consensus. JASA 69(345), 118-121.
    Deffuant, G., Neau, D., Amblard, F., Weisbuch, G. (2000). Mixing beliefs among
        interacting agents. Advances in Complex Systems 3, 87-98.
    Weisbuch, G., Deffuant, G., Amblard, F., Nadal, J.-P. (2002). Meet, discuss and
        segregate! Complexity 7(3), 55-63.
    Hegselmann, R., Krause, U. (2002). Opinion dynamics and bounded confidence: models,
        analysis and simulation. JASSS 5(3).
    Lorenz, J. (2007). Continuous opinion dynamics under bounded confidence: a survey.
        International Journal of Modern Physics C 18(12), 1819-1838.
    Fortunato, S. (2005). On the consensus threshold for the opinion dynamics of
        Krause-Hegselmann. International Journal of Modern Physics C 16(2), 259-270.
    Granovetter, M. (1978). Threshold models of collective behavior. American Journal
        of Sociology 83(6), 1420-1443.
    Watts, D. J. (2002). A simple model of global cascades on random networks. PNAS
        99(9), 5766-5771.
    Kempe, D., Kleinberg, J., Tardos, E. (2003). Maximizing the spread of influence
        through a social network. KDD '03, 137-146.
    Newman, M. E. J. (2002). Spread of epidemic disease on networks. Physical Review E
        66, 016128.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "STOCHASTIC_TOL",
    "deffuant",
    "deffuant_edges",
    "deffuant_edges_unchecked",
    "deffuant_pairs",
    "degroot",
    "erdos_renyi",
    "gather_rows",
    "granovetter",
    "hegselmann_krause",
    "hk_step",
    "hk_step_graph",
    "independent_cascade",
    "neighbour_share",
    "neighbour_share_unchecked",
    "opinion_clusters",
    "sir_final_size",
    "threshold_cascade",
    "to_csr",
    "watts_cascade",
]

#: Tolerance on row sums when checking that a DeGroot matrix is row-stochastic.
STOCHASTIC_TOL = 1e-9

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]
#: A networkx graph with nodes 0..n-1, or a square scipy sparse adjacency matrix.
GraphLike = nx.Graph | sp.sparray | sp.spmatrix

_BIG = np.iinfo(np.intp).max
#: Deffuant pairs left over after the batched rounds that are applied one by one.
_SEQUENTIAL_TAIL = 128


# --------------------------------------------------------------------------- validation


def _count(value: Any, name: str) -> int:
    """Return ``value`` as a non-negative int or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def _real(value: Any, name: str) -> float:
    """Return ``value`` as a finite float or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def _unit(value: Any, name: str) -> float:
    """Return ``value`` as a float in [0, 1] or raise ValueError."""
    v = _real(value, name)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {v}")
    return v


def _check_rng(rng: Any) -> np.random.Generator:
    """Return ``rng`` if it is a numpy Generator, else raise TypeError."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _opinions(x0: ArrayLike, name: str = "x0", *, unit: bool = True) -> FloatArray:
    """Return a float copy of a non-empty finite 1-D opinion vector, else raise."""
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of opinions, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if unit and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"{name} must lie in [0, 1], got values in [{x.min():.6g}, {x.max():.6g}]")
    return x


def _bool_mask(mask: ArrayLike, n: int, name: str) -> BoolArray:
    """Return a boolean copy of ``mask`` with shape (n,), else raise."""
    m = np.asarray(mask)
    if m.shape != (n,):
        raise ValueError(f"{name} must be a boolean array of shape ({n},), got {m.shape}")
    if m.dtype != np.bool_:
        raise ValueError(f"{name} must be a boolean array, got dtype {m.dtype}")
    return m.copy()


def _seed_mask(seeds: Any, n: int, rng: np.random.Generator | None) -> BoolArray:
    """Turn seed node ids (or a boolean mask, or None = one random node) into a mask."""
    if seeds is None:
        if rng is None:
            raise ValueError("seeds=None (one random seed node) needs an rng")
        mask = np.zeros(n, dtype=bool)
        mask[_check_rng(rng).integers(n)] = True
        return mask
    arr = np.asarray(seeds)
    if arr.dtype == np.bool_:
        mask = _bool_mask(arr, n, "seeds")
    else:
        ids = np.atleast_1d(arr)
        if ids.size == 0:
            raise ValueError("seeds must name at least one node")
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                "seeds must be node ids 0..n-1 (an int or a 1-D sequence of ints) "
                f"or a boolean mask of length n, got {seeds!r}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            raise ValueError(f"seeds must be node ids in 0..{n - 1}, got {ids.tolist()}")
        mask = np.zeros(n, dtype=bool)
        mask[ids] = True
    if not mask.any():
        raise ValueError("seeds must name at least one node")
    return mask


def _as_csr(adj: Any) -> sp.csr_array:
    """Return a square CSR view of a sparse adjacency matrix (no copy if already CSR)."""
    if not sp.issparse(adj):
        raise ValueError(
            f"adjacency must be a scipy sparse matrix (see to_csr), got {type(adj).__name__}"
        )
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
        raise ValueError(f"adjacency must be square, got shape {adj.shape}")
    if adj.format != "csr":
        adj = sp.csr_array(adj)
    return adj


def to_csr(graph: GraphLike) -> sp.csr_array:
    """Convert a graph to a validated CSR adjacency matrix without self-loops.

    Node ``i`` of the graph becomes row/column ``i``; row ``i`` lists the (out-)neighbours
    of ``i``. networkx graphs must have nodes exactly ``0..n-1``; their adjacency is
    binary (edge weights and multi-edges are ignored), symmetric for undirected graphs.
    A scipy sparse matrix is accepted as is (weights kept) after checking that it is
    square, finite and non-negative. Self-loops are removed in both cases.

    Args:
        graph: networkx graph with nodes 0..n-1, or a square sparse adjacency matrix.

    Returns:
        ``scipy.sparse.csr_array`` of shape (n, n) with sorted indices, float data.

    Raises:
        ValueError: if the graph is empty, its nodes are not exactly 0..n-1, or a sparse
            matrix is not square, has non-finite or negative entries.
    """
    if sp.issparse(graph):
        coo = sp.coo_array(graph, dtype=float)
        if coo.ndim != 2 or coo.shape[0] != coo.shape[1]:
            raise ValueError(f"adjacency matrix must be square, got shape {coo.shape}")
        if coo.shape[0] == 0:
            raise ValueError("graph must have at least one node")
        if not np.all(np.isfinite(coo.data)) or np.any(coo.data < 0):
            raise ValueError("adjacency matrix entries must be finite and non-negative")
        keep = coo.row != coo.col
        out = sp.csr_array(
            (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=coo.shape, dtype=float
        )
        out.sum_duplicates()
        out.eliminate_zeros()
        return out
    if not isinstance(graph, nx.Graph):
        raise ValueError(
            "graph must be a networkx graph with nodes 0..n-1 or a scipy sparse "
            f"adjacency matrix, got {type(graph).__name__}"
        )
    n = graph.number_of_nodes()
    if n == 0:
        raise ValueError("graph must have at least one node")
    if set(graph.nodes) != set(range(n)):
        bad = sorted((v for v in graph.nodes if v not in range(n)), key=repr)[:5]
        raise ValueError(f"graph nodes must be exactly 0..{n - 1}; offending nodes: {bad}")
    items = list(graph.adjacency())  # (node, {neighbour: data}); successors if directed
    lens = np.fromiter((len(nbrs) for _, nbrs in items), np.intp, n)
    rows = np.repeat(np.fromiter((u for u, _ in items), np.intp, n), lens)
    cols = np.fromiter(itertools.chain.from_iterable(nb for _, nb in items), np.intp, rows.size)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    out = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    out.sum_duplicates()
    out.data[:] = 1.0
    return out


def erdos_renyi(n: int, z: float, rng: np.random.Generator) -> sp.csr_array:
    """Erdős-Rényi random graph G(n, p) with ``p = z / (n - 1)`` as CSR adjacency.

    The number of edges is drawn as Binomial(n(n-1)/2, p) and that many distinct
    unordered pairs are sampled uniformly (duplicates and self-pairs are redrawn), which
    is exactly G(n, p) in O(n + m) time without building a networkx graph.

    Args:
        n: number of nodes (>= 1).
        z: mean degree, in [0, n - 1].
        rng: numpy Generator, the only source of randomness.

    Returns:
        Symmetric binary ``csr_array`` of shape (n, n) without self-loops.
    """
    n = _count(n, "n")
    if n < 1:
        raise ValueError("n must be >= 1")
    z = _real(z, "z")
    if not 0.0 <= z <= max(n - 1, 0):
        raise ValueError(f"z (mean degree) must lie in [0, n - 1] = [0, {n - 1}], got {z}")
    _check_rng(rng)
    m = int(rng.binomial(n * (n - 1) // 2, z / (n - 1))) if n > 1 else 0
    keys = np.empty(0, dtype=np.int64)
    while keys.size < m:
        k = m - keys.size
        i = rng.integers(0, n, size=k, dtype=np.int64)
        j = rng.integers(0, n, size=k, dtype=np.int64)
        ok = i != j
        lo, hi = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
        keys = np.unique(np.concatenate((keys, lo * n + hi)))
    rows, cols = keys // n, keys % n
    data = np.ones(2 * m)
    return sp.csr_array(
        (data, (np.concatenate((rows, cols)), np.concatenate((cols, rows)))), shape=(n, n)
    )


def _edge_rows(adj: sp.csr_array) -> IntArray:
    """Row index of every stored entry of a CSR matrix (the 'source' of each edge)."""
    n = adj.shape[0]
    return np.repeat(np.arange(n, dtype=np.intp), np.diff(adj.indptr))


def gather_rows(indptr: NDArray[np.integer], nodes: IntArray) -> IntArray:
    """Positions in a CSR ``indices`` array of all entries in the given rows, vectorised.

    Rows are taken in the order of ``nodes`` (repeats included), entries in stored order.
    """
    starts = indptr[nodes].astype(np.intp)
    lens = indptr[nodes + 1].astype(np.intp) - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    offsets = starts - (np.cumsum(lens) - lens)
    return np.repeat(offsets, lens) + np.arange(total, dtype=np.intp)


# --------------------------------------------------------------------------- DeGroot


def _stochastic(w_in: Any, n: int) -> Any:
    """Validate a dense or sparse row-stochastic (n, n) matrix and return it as float."""
    if sp.issparse(w_in):
        w = sp.csr_array(w_in, dtype=float)
        data_rows = _edge_rows(w) if w.shape[0] == w.shape[1] else None
        values = w.data
    else:
        w = np.asarray(w_in, dtype=float)
        if w.ndim != 2:
            raise ValueError(f"W must be a 2-D (n, n) matrix, got shape {w.shape}")
        data_rows = None
        values = w
    if w.shape != (n, n):
        raise ValueError(f"W must have shape ({n}, {n}) to match x0, got {w.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("W must be finite (no NaN or inf)")
    if sp.issparse(w):
        neg_rows = np.unique(data_rows[w.data < 0])
        sums = np.asarray(w.sum(axis=1)).ravel()
    else:
        neg_rows = np.flatnonzero((w < 0).any(axis=1))
        sums = w.sum(axis=1)
    if neg_rows.size:
        raise ValueError(
            f"W must be non-negative: row {neg_rows[0]} has a negative entry "
            f"(rows with negative entries: {neg_rows[:10].tolist()})"
        )
    bad = np.flatnonzero(np.abs(sums - 1.0) > STOCHASTIC_TOL)
    if bad.size:
        raise ValueError(
            f"W must be row-stochastic (each row sums to 1): row {bad[0]} sums to "
            f"{sums[bad[0]]:.12g} (offending rows: {bad[:10].tolist()})"
        )
    return w


def degroot(W: ArrayLike | sp.sparray | sp.spmatrix, x0: ArrayLike, steps: int) -> FloatArray:  # noqa: N803
    """DeGroot (1974) linear averaging: ``x(t+1) = W x(t)``, synchronous.

    Every agent replaces its opinion by the weighted mean of everybody's opinions with
    its row of the row-stochastic trust matrix ``W``. For an irreducible aperiodic ``W``
    opinions converge to the consensus ``pi @ x0`` with ``pi`` the left unit eigenvector.

    Args:
        W: (n, n) row-stochastic matrix, dense or scipy.sparse (non-negative, rows sum to
            1 within ``STOCHASTIC_TOL``).
        x0: initial opinions, shape (n,) (or (n, k) for k independent issues).
        steps: number of synchronous updates (>= 0).

    Returns:
        Opinions after ``steps`` updates (new array, same shape as ``x0``).

    Raises:
        ValueError: on shape mismatch, empty or non-finite input, negative entries or a
            row not summing to 1 (the message names the offending row), negative steps.
    """
    x = np.array(x0, dtype=float)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"x0 must be a non-empty array of shape (n,) or (n, k), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite (no NaN or inf)")
    w = _stochastic(W, x.shape[0])
    for _ in range(_count(steps, "steps")):
        x = np.asarray(w @ x, dtype=float)
    return x


# --------------------------------------------------------------------------- Deffuant

_PairDraw = Callable[[int], tuple[IntArray, IntArray]]


def _deffuant_run(x: FloatArray, draw: _PairDraw, total: int, d: float, mu: float) -> FloatArray:
    """Apply ``total`` sequential encounters from ``draw`` in batches of disjoint pairs.

    The remaining encounter sequence is a queue. Each round takes a prefix window of it
    and applies, all at once, every pair both of whose agents occur nowhere earlier in the
    window; those pairs are disjoint and commute with every earlier pair, so the result is
    identical (bit for bit) to applying the sequence one pair at a time. Rejected pairs
    stay at the head of the queue in their original order. The window adapts so that
    roughly half to three quarters of it is accepted. Once everything is drawn and at most
    ``_SEQUENTIAL_TAIL`` pairs remain, they are applied one at a time (the same float
    operations, so the same bits), which saves rounds of array calls on a few pairs.
    """
    n = x.size
    first = np.full(n, _BIG, dtype=np.intp)  # scratch: earliest window position per agent
    cap = max(1, n // 2)
    window = max(1, n // 8)
    qa = qb = np.empty(0, dtype=np.intp)
    drawn = 0
    while drawn < total or qa.size:
        if drawn == total and qa.size <= _SEQUENTIAL_TAIL:
            for i, j in zip(qa.tolist(), qb.tolist(), strict=True):
                xi, xj = x.item(i), x.item(j)
                diff = xj - xi
                if abs(diff) < d:
                    step = mu * diff
                    x[i] = xi + step
                    x[j] = xj - step
            break
        if qa.size >= window:
            ba, bb = qa[:window], qb[:window]
            rest_a, rest_b = qa[window:], qb[window:]
        else:
            k = min(window - qa.size, total - drawn)
            if k:
                fa, fb = draw(k)
                drawn += k
                ba, bb = np.concatenate((qa, fa)), np.concatenate((qb, fb))
            else:
                ba, bb = qa, qb
            rest_a = rest_b = None
        size = ba.size
        pos = np.arange(size, dtype=np.intp)
        np.minimum.at(first, ba, pos)
        np.minimum.at(first, bb, pos)
        ok = (first[ba] == pos) & (first[bb] == pos)
        first[ba] = _BIG
        first[bb] = _BIG
        ia, ib = ba[ok], bb[ok]
        diff = x[ib] - x[ia]
        close = np.abs(diff) < d
        step = mu * diff[close]
        x[ia[close]] += step
        x[ib[close]] -= step
        accepted = int(np.count_nonzero(ok))
        if accepted < size:
            qa, qb = ba[~ok], bb[~ok]
            if rest_a is not None:
                qa, qb = np.concatenate((qa, rest_a)), np.concatenate((qb, rest_b))
        elif rest_a is not None:
            qa, qb = rest_a, rest_b
        else:
            qa = qb = np.empty(0, dtype=np.intp)
        if 2 * accepted < size:
            window = max(1, window // 2)
        elif 4 * accepted > 3 * size:
            window = min(cap, 2 * window)
    return x


def _check_d_mu(d: Any, mu: Any) -> tuple[float, float]:
    """Validate the Deffuant confidence bound and convergence parameter."""
    d = _real(d, "d")
    if d <= 0:
        raise ValueError(f"d (confidence bound) must be > 0, got {d}")
    mu = _real(mu, "mu")
    if not 0.0 < mu <= 0.5:
        raise ValueError(f"mu (convergence parameter) must lie in (0, 0.5], got {mu}")
    return d, mu


def _node_ids(ids: ArrayLike, n: int, name: str) -> IntArray:
    """Validate a 1-D integer array of node ids in 0..n-1."""
    a = np.asarray(ids)
    if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-D array of integer agent ids, got {a!r}")
    a = a.astype(np.intp)
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError(f"{name} must hold agent ids in 0..{n - 1}")
    return a


def deffuant_pairs(x: ArrayLike, a: ArrayLike, b: ArrayLike, d: float, mu: float) -> FloatArray:
    """Apply a given sequence of Deffuant-Weisbuch encounters, asynchronous pairwise.

    Encounter ``t`` is between agents ``a[t]`` and ``b[t]``; if ``|x_a - x_b| < d`` both
    move a fraction ``mu`` of the way toward each other (Deffuant et al. 2000). The
    sequence is applied in batches of disjoint pairs, which gives exactly the same result
    as applying it one encounter at a time (see ``deffuant_edges``).

    Args:
        x: opinions, shape (n,) (any finite range; not modified).
        a: first agent of each encounter, ints in 0..n-1.
        b: second agent of each encounter, same length as ``a``.
        d: confidence bound (> 0).
        mu: convergence parameter in (0, 0.5].

    Returns:
        New opinion array after all encounters.
    """
    y = _opinions(x, "x", unit=False)
    a = _node_ids(a, y.size, "a")
    b = _node_ids(b, y.size, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length, got {a.size} and {b.size}")
    d, mu = _check_d_mu(d, mu)
    cursor = 0

    def draw(k: int) -> tuple[IntArray, IntArray]:
        nonlocal cursor
        sl = slice(cursor, cursor + k)
        cursor += k
        return a[sl], b[sl]

    return _deffuant_run(y, draw, a.size, d, mu)


def deffuant_edges(
    x: ArrayLike,
    u: ArrayLike,
    v: ArrayLike,
    d: float,
    mu: float,
    interactions: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Deffuant-Weisbuch bounded confidence along given edges; asynchronous pairwise.

    ``interactions`` times an edge ``(u[e], v[e])`` is drawn uniformly at random (with
    replacement); if the two opinions differ by less than ``d`` both agents move a
    fraction ``mu`` of the way toward each other (Deffuant et al. 2000; on networks
    Weisbuch et al. 2002). The random sequence of encounters is processed in batches of
    *disjoint* pairs (conflicting pairs are deferred, in order, to the next batch), so a
    batch update equals the sequential one-encounter-at-a-time update. Throughput drops
    when one agent sits on most edges (e.g. a star), since batches then hold few pairs.

    Args:
        x: opinions, shape (n,) (any finite range; not modified).
        u: first endpoint of each edge, ints in 0..n-1.
        v: second endpoint of each edge, same length as ``u``.
        d: confidence bound (> 0).
        mu: convergence parameter in (0, 0.5].
        interactions: number of encounters to draw (>= 0).
        rng: numpy Generator, the only source of randomness.

    Returns:
        New opinion array. With no edges the opinions are returned unchanged.
    """
    y = _opinions(x, "x", unit=False)
    u = _node_ids(u, y.size, "u")
    v = _node_ids(v, y.size, "v")
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same length, got {u.size} and {v.size}")
    d, mu = _check_d_mu(d, mu)
    total = _count(interactions, "interactions")
    _check_rng(rng)
    return deffuant_edges_unchecked(y, u, v, d, mu, total, rng)


def deffuant_edges_unchecked(
    x: FloatArray,
    u: IntArray,
    v: IntArray,
    d: float,
    mu: float,
    interactions: int,
    rng: np.random.Generator,
) -> FloatArray:
    """``deffuant_edges`` without validation, updating ``x`` in place (it may be a view).

    For the model's daily step; the draws are those of ``deffuant_edges``.
    """
    m = u.size
    if m == 0 or interactions == 0:
        return x

    def draw(k: int) -> tuple[IntArray, IntArray]:
        e = rng.integers(0, m, size=k)
        return u[e], v[e]

    return _deffuant_run(x, draw, interactions, d, mu)


def deffuant(
    x0: ArrayLike,
    d: float,
    mu: float,
    interactions: int,
    rng: np.random.Generator,
    graph: GraphLike | None = None,
) -> FloatArray:
    """Deffuant-Weisbuch (2000) pairwise bounded confidence; asynchronous pairwise.

    Repeatedly pick a random pair ``(i, j)``: two distinct agents uniformly from the whole
    population if ``graph`` is None, otherwise the two ends of a uniformly random edge of
    ``graph`` (Weisbuch et al. 2002). If ``|x_i - x_j| < d`` both move ``mu`` of the way
    toward each other: ``x_i += mu (x_j - x_i)``, ``x_j += mu (x_i - x_j)``. The mean
    opinion is conserved. Encounters are batched over disjoint pairs (each batch is the
    longest conflict-free stretch of the random sequence, conflicting pairs deferred in
    order), which equals the sequential process exactly; 10^6 encounters among 1000
    agents take a fraction of a second.

    Args:
        x0: initial opinions in [0, 1], shape (n,).
        d: confidence bound (> 0).
        mu: convergence parameter in (0, 0.5].
        interactions: number of random encounters (>= 0).
        rng: numpy Generator, the only source of randomness.
        graph: optional networkx graph with nodes 0..n-1 (or sparse adjacency); None
            means random pairs from the whole population (needs n >= 2).

    Returns:
        Final opinions (new array). A graph without edges leaves opinions unchanged.

    Raises:
        ValueError: on bad shapes/values (x0 outside [0, 1], d <= 0, mu outside
            (0, 0.5], negative interactions, graph size not matching x0).
    """
    x = _opinions(x0)
    n = x.size
    d, mu = _check_d_mu(d, mu)
    total = _count(interactions, "interactions")
    _check_rng(rng)
    if graph is not None:
        adj = to_csr(graph)
        if adj.shape[0] != n:
            raise ValueError(f"graph has {adj.shape[0]} nodes but x0 has {n} opinions")
        return deffuant_edges(x, _edge_rows(adj), adj.indices, d, mu, total, rng)
    if n < 2:
        raise ValueError("deffuant with graph=None needs at least 2 agents")
    if total == 0:
        return x

    def draw(k: int) -> tuple[IntArray, IntArray]:
        i = rng.integers(0, n, size=k)
        j = (i + rng.integers(1, n, size=k)) % n
        return i, j

    return _deffuant_run(x, draw, total, d, mu)


# --------------------------------------------------------------------------- Hegselmann-Krause


def _hk_sorted(xs: FloatArray, eps: float) -> FloatArray:
    """One HK step on the complete graph for opinions sorted ascending (stays sorted).

    Window means come from cumulative sums; each mean is clipped to its window's range
    and a running maximum removes ulp-level order violations, so an exactly equal
    cluster is an exact fixed point and the sorted order is preserved.
    """
    shift = xs[xs.size // 2]
    cs = np.concatenate(([0.0], np.cumsum(xs - shift)))
    lo = np.searchsorted(xs, xs - eps, side="left")
    hi = np.searchsorted(xs, xs + eps, side="right")
    mean = (cs[hi] - cs[lo]) / (hi - lo) + shift
    mean = np.minimum(np.maximum(mean, xs[lo]), xs[hi - 1])
    return np.maximum.accumulate(mean)


def _check_eps(eps: Any) -> float:
    """Validate the HK confidence bound."""
    eps = _real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps (confidence bound) must be >= 0, got {eps}")
    return eps


def hk_step(x: ArrayLike, eps: float) -> FloatArray:
    """One synchronous Hegselmann-Krause (2002) step on the complete graph.

    Every agent moves to the mean opinion of all agents within ``eps`` of it
    (``|x_j - x_i| <= eps``, itself included). Uses sorting, cumulative sums and
    ``searchsorted``: O(n log n).

    Args:
        x: opinions, shape (n,) (any finite range; not modified).
        eps: confidence bound (>= 0).

    Returns:
        New opinion array; the order of agents' opinions is preserved.
    """
    y = _opinions(x, "x", unit=False)
    eps = _check_eps(eps)
    order = np.argsort(y, kind="stable")
    out = np.empty_like(y)
    out[order] = _hk_sorted(y[order], eps)
    return out


def _hk_graph(x: FloatArray, rows: IntArray, cols: IntArray, eps: float) -> FloatArray:
    """HK step on edge lists (rows -> cols, no self-loops); see ``hk_step_graph``."""
    n = x.size
    near = np.abs(x[cols] - x[rows]) <= eps
    r, c = rows[near], cols[near]
    total = np.bincount(r, weights=x[c], minlength=n) + x
    count = np.bincount(r, minlength=n) + 1
    return np.clip(total / count, x.min(), x.max())


def hk_step_graph(x: ArrayLike, adj: sp.csr_array | sp.csr_matrix, eps: float) -> FloatArray:
    """One synchronous Hegselmann-Krause step on a graph (Fortunato 2005).

    Every agent moves to the mean opinion of itself and those of its neighbours (row
    ``i`` of ``adj``; weights and self-loops ignored) within ``eps`` of it.

    Args:
        x: opinions, shape (n,) (any finite range; not modified).
        adj: (n, n) sparse adjacency, e.g. from ``to_csr``.
        eps: confidence bound (>= 0).

    Returns:
        New opinion array.
    """
    y = _opinions(x, "x", unit=False)
    adj = _as_csr(adj)
    if adj.shape[0] != y.size:
        raise ValueError(f"adj has {adj.shape[0]} nodes but x has {y.size} opinions")
    rows, cols = _edge_rows(adj), adj.indices.astype(np.intp)
    keep = rows != cols
    return _hk_graph(y, rows[keep], cols[keep], _check_eps(eps))


def hegselmann_krause(
    x0: ArrayLike, eps: float, steps: int, graph: GraphLike | None = None
) -> FloatArray:
    """Hegselmann-Krause (2002) bounded confidence; synchronous.

    At every step each agent moves to the mean of all agents whose opinion is within
    ``eps`` of its own (itself included), among everybody (``graph=None``, complete
    graph; O(n log n) per step via sorting and cumulative sums) or among its neighbours
    in ``graph``. Stops early once no opinion changes (on the complete graph the
    dynamics reach an exact fixed point in finite time; see Lorenz 2007).

    Args:
        x0: initial opinions in [0, 1], shape (n,).
        eps: confidence bound (>= 0).
        steps: maximum number of synchronous steps (>= 0).
        graph: optional networkx graph with nodes 0..n-1 (or sparse adjacency).

    Returns:
        Final opinions (new array).

    Raises:
        ValueError: on x0 outside [0, 1] or empty, eps < 0, negative steps, graph size
            not matching x0.
    """
    x = _opinions(x0)
    eps = _check_eps(eps)
    steps = _count(steps, "steps")
    if graph is None:
        order = np.argsort(x, kind="stable")
        xs = x[order]
        for _ in range(steps):
            new = _hk_sorted(xs, eps)
            if np.array_equal(new, xs):
                break
            xs = new
        out = np.empty_like(x)
        out[order] = xs
        return out
    adj = to_csr(graph)
    if adj.shape[0] != x.size:
        raise ValueError(f"graph has {adj.shape[0]} nodes but x0 has {x.size} opinions")
    rows, cols = _edge_rows(adj), adj.indices.astype(np.intp)
    for _ in range(steps):
        new = _hk_graph(x, rows, cols, eps)
        if np.array_equal(new, x):
            break
        x = new
    return x


def opinion_clusters(x: ArrayLike, gap: float = 1e-3) -> tuple[FloatArray, IntArray]:
    """Group 1-D opinions into clusters separated by more than ``gap``.

    Sorted opinions are split wherever two neighbours differ by more than ``gap``.

    Args:
        x: opinions, shape (n,).
        gap: largest difference between consecutive sorted opinions inside a cluster.

    Returns:
        ``(centres, sizes)``: mean opinion and number of agents of each cluster,
        ordered by increasing opinion.
    """
    y = np.sort(_opinions(x, "x", unit=False))
    gap = _real(gap, "gap")
    breaks = np.flatnonzero(np.diff(y) > gap) + 1
    starts = np.concatenate(([0], breaks))
    sizes = np.diff(np.concatenate((starts, [y.size])))
    centres = np.add.reduceat(y, starts) / sizes
    return centres, sizes.astype(np.intp)


# --------------------------------------------------------------------------- thresholds


def granovetter(thresholds: ArrayLike) -> int:
    """Granovetter (1978) threshold model of collective behaviour; synchronous rounds.

    Person ``i`` takes part once at least ``thresholds[i]`` others take part. Starting
    from nobody, rounds ``r(t+1) = #{i : thresholds[i] <= r(t)}`` reach the least fixed
    point, computed directly as the smallest ``r`` with ``#{i : thresholds[i] <= r} <= r``
    (O(n log n)).

    Args:
        thresholds: non-negative counts of others needed, shape (n,).

    Returns:
        Number of people taking part at the fixed point.

    Raises:
        ValueError: if thresholds are empty, not 1-D, non-finite or negative.
    """
    t = np.array(thresholds, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"thresholds must be a non-empty 1-D array, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or t.min() < 0:
        raise ValueError("thresholds must be finite non-negative counts")
    t.sort()
    r = np.arange(t.size + 1)
    joined = np.searchsorted(t, r, side="right")
    return int(np.argmax(joined <= r))


def neighbour_share(
    adj: sp.csr_array | sp.csr_matrix, mask: ArrayLike, degree: ArrayLike | None = None
) -> FloatArray:
    """Share of each node's neighbours (row ``i`` of ``adj``, weighted) that are in ``mask``.

    Args:
        adj: (n, n) sparse adjacency, e.g. from ``to_csr``.
        mask: boolean array of shape (n,).
        degree: optional precomputed row sums of ``adj`` (saves recomputing them when the
            same adjacency is used many times).

    Returns:
        Float array in [0, 1]; 0 for nodes without neighbours.
    """
    adj = _as_csr(adj)
    n = adj.shape[0]
    m = _bool_mask(mask, n, "mask")
    if degree is None:
        deg = np.asarray(adj.sum(axis=1)).ravel()
    else:
        deg = np.asarray(degree)
        if deg.shape != (n,):
            raise ValueError(f"degree must have shape ({n},), got {deg.shape}")
    return neighbour_share_unchecked(adj, m, deg)


def neighbour_share_unchecked(
    adj: sp.csr_array | sp.csr_matrix, mask: BoolArray, degree: NDArray[Any]
) -> FloatArray:
    """``neighbour_share`` without validation, for a daily loop over the same adjacency."""
    hits = np.asarray(adj @ mask.astype(float)).ravel()
    return hits / np.maximum(degree, 1)  # a node without ties has no hits: 0 / 1 = 0


def threshold_cascade(
    adj: sp.csr_array | sp.csr_matrix, active: ArrayLike, phi: float | ArrayLike
) -> BoolArray:
    """Fractional threshold cascade (Watts 2002) to its final state.

    An inactive node becomes active (permanently) once the share of its neighbours that
    are active is ``>= phi``. Rounds are synchronous, but because activation is monotone
    the final state equals that of any asynchronous order. Nodes whose threshold is met
    by the initial state (including isolated nodes with ``phi <= 0``) activate in the
    first round; afterwards only neighbours of newly active nodes are re-examined, so the
    total work is O(edges).

    Args:
        adj: (n, n) sparse adjacency (row ``i`` = the neighbours node ``i`` watches).
        active: boolean mask of initially active nodes, shape (n,).
        phi: threshold, scalar or per-node array of shape (n,).

    Returns:
        Boolean mask of finally active nodes (initially active included).
    """
    adj = _as_csr(adj)
    n = adj.shape[0]
    act = _bool_mask(active, n, "active")
    phi_arr = np.asarray(phi, dtype=float)
    if phi_arr.ndim and phi_arr.shape != (n,):
        raise ValueError(f"phi must be a scalar or an array of shape ({n},), got {phi_arr.shape}")
    phi_arr = np.broadcast_to(phi_arr, (n,))
    deg = np.asarray(adj.sum(axis=1)).ravel()
    has_nb = deg > 0
    safe_deg = np.where(has_nb, deg, 1.0)
    hits = np.asarray(adj @ act.astype(float)).ravel()
    share = np.where(has_nb, hits / safe_deg, 0.0)
    new = np.flatnonzero(~act & (share >= phi_arr))
    adj_t = adj.T.tocsr()  # column j of adj = who watches j
    while new.size:
        act[new] = True
        e = gather_rows(adj_t.indptr, new)
        watchers = adj_t.indices[e]
        np.add.at(hits, watchers, adj_t.data[e])
        cand = np.unique(watchers)
        cand = cand[~act[cand] & has_nb[cand]]
        new = cand[hits[cand] / safe_deg[cand] >= phi_arr[cand]]
    return act


def watts_cascade(
    graph: GraphLike,
    phi: float | ArrayLike,
    seeds: Any,
    rng: np.random.Generator | None = None,
) -> float:
    """Watts (2002) global-cascade model on a graph; final state of a monotone cascade.

    Seed nodes adopt; any other node adopts once the fraction of its neighbours who have
    adopted is ``>= phi`` (order of updates does not matter, see ``threshold_cascade``).

    Args:
        graph: networkx graph with nodes 0..n-1 (or sparse adjacency).
        phi: adoption threshold in [0, 1], scalar or per-node array of shape (n,).
        seeds: seed node id(s) (int or sequence of ints) or boolean mask of shape (n,);
            None draws one uniformly random seed node with ``rng``.
        rng: numpy Generator; only needed when ``seeds`` is None (the cascade itself is
            deterministic).

    Returns:
        Final fraction of adopters, seeds included.

    Raises:
        ValueError: on phi outside [0, 1] or of wrong shape, empty or out-of-range
            seeds, or an invalid graph.
    """
    adj = to_csr(graph)
    n = adj.shape[0]
    phi_arr = np.asarray(phi, dtype=float)
    if phi_arr.ndim == 0:
        _unit(float(phi_arr), "phi")
    elif phi_arr.shape != (n,):
        raise ValueError(f"phi must be a scalar or an array of shape ({n},), got {phi_arr.shape}")
    elif not np.all((phi_arr >= 0) & (phi_arr <= 1)):
        raise ValueError("phi must lie in [0, 1]")
    mask = _seed_mask(seeds, n, rng)
    return float(threshold_cascade(adj, mask, phi_arr).mean())


# --------------------------------------------------------------------------- diffusion


def independent_cascade(
    adj: sp.csr_array | sp.csr_matrix,
    seeds_mask: ArrayLike,
    T: float | ArrayLike,  # noqa: N803
    rng: np.random.Generator,
    susceptible: ArrayLike | None = None,
) -> BoolArray:
    """Independent cascade / discrete-generation SIR (Kempe et al. 2003; Newman 2002).

    Synchronous generations: every node infected in the previous generation is
    infectious for exactly one generation and transmits once along each of its outgoing
    edges (row of ``adj``) to a still-susceptible node with probability ``T``, then
    recovers. The final ever-infected set is distributed like the bond-percolation
    cluster of the seeds with occupation probability ``T``. Each generation draws one
    uniform per outgoing edge of the infectious frontier that leads to a susceptible node.

    Args:
        adj: (n, n) sparse adjacency, e.g. from ``to_csr``.
        seeds_mask: boolean mask of initially infectious nodes, shape (n,).
        T: transmissibility in [0, 1], a scalar or one value per stored entry of ``adj``
            (aligned with ``adj.indices`` of its CSR form).
        rng: numpy Generator, the only source of randomness.
        susceptible: optional boolean mask of nodes that can be infected (others are
            immune); seeds are infected regardless.

    Returns:
        Boolean mask of nodes ever infected (seeds included).
    """
    adj = _as_csr(adj)
    n = adj.shape[0]
    ever = _bool_mask(seeds_mask, n, "seeds_mask")
    _check_rng(rng)
    t = np.asarray(T, dtype=float)
    per_edge = t.ndim > 0
    if per_edge and t.shape != (adj.indices.size,):
        raise ValueError(
            f"T must be a scalar or have one value per edge ({adj.indices.size}), got {t.shape}"
        )
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t > 1):
        raise ValueError("T (transmissibility) must lie in [0, 1]")
    open_ = ~ever
    if susceptible is not None:
        open_ &= _bool_mask(susceptible, n, "susceptible")
    indptr, indices = adj.indptr, adj.indices
    frontier = np.flatnonzero(ever)
    while frontier.size:
        e = gather_rows(indptr, frontier)
        e = e[open_[indices[e]]]
        p = t[e] if per_edge else float(t)
        hit = indices[e[rng.random(e.size) < p]]
        frontier = np.unique(hit)
        open_[frontier] = False
        ever[frontier] = True
    return ever


def sir_final_size(
    graph: GraphLike,
    T: float,  # noqa: N803
    seeds: Any,
    rng: np.random.Generator,
) -> float:
    """Final size of a discrete SIR epidemic (Newman 2002), synchronous generations.

    Each infectious node transmits once to each susceptible neighbour with probability
    ``T`` (independent cascade); see ``independent_cascade``. On Erdős-Rényi graphs with
    mean degree ``z`` the mean size of major outbreaks is the root of
    ``r = 1 - exp(-z T r)``.

    Args:
        graph: networkx graph with nodes 0..n-1 (or sparse adjacency).
        T: transmissibility in [0, 1].
        seeds: seed node id(s) (int or sequence of ints) or boolean mask of shape (n,);
            None draws one uniformly random seed node with ``rng``.
        rng: numpy Generator, the only source of randomness.

    Returns:
        Fraction of nodes ever infected, seeds included.

    Raises:
        ValueError: on T outside [0, 1], empty or out-of-range seeds, an invalid graph.
    """
    adj = to_csr(graph)
    t = _unit(T, "T")
    _check_rng(rng)
    mask = _seed_mask(seeds, adj.shape[0], rng)
    return float(independent_cascade(adj, mask, t, rng).mean())
