"""Lanczos tools for large symmetric matrices given only through matrix-vector products.

Implicitly restarted Lanczos (ARPACK, via :func:`scipy.sparse.linalg.eigsh`) for the extreme
eigenvalues, and stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017) for the spectral
density: each random probe's Lanczos tridiagonal matrix gives Gauss quadrature nodes (Ritz
values) and weights, which :func:`slq_density` smooths into a density. Chapter 16 applies them to
the Hessian of a network through exact Hessian-vector products (:mod:`rmtlib.hessian`).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, aslinearoperator, eigsh

from . import _validate as V
from .fixedpoint import ConvergenceError

__all__ = ["lanczos_top_eigenvalues", "lanczos_quadrature", "slq_density"]


def _operator(operator):
    if isinstance(operator, LinearOperator):
        op = operator
    else:
        a = V.matrix("operator", operator, square=True)
        if np.max(np.abs(a)) > 1e150:
            raise ValueError("operator must have entries within ±1e150 (its powers stay finite)")
        if not np.allclose(a, a.T, rtol=1e-10, atol=1e-12 * np.max(np.abs(a))):
            raise ValueError("operator must be symmetric")
        op = aslinearoperator(a)
    if op.shape[0] != op.shape[1] or op.shape[0] < 1:
        raise ValueError(f"operator must be square and non-empty; got shape {op.shape}")
    return op


def lanczos_top_eigenvalues(operator, k=5, *, which="largest", tol=1e-10, max_iter=5000):
    """Extreme eigenvalues of a symmetric matrix or LinearOperator by implicitly restarted Lanczos.

    Parameters
    ----------
    operator : ndarray or scipy.sparse.linalg.LinearOperator, shape (P, P)
        Symmetric (e.g. from :func:`two_layer_hessian_operator`).
    k : int, 1 <= k < P
        How many eigenvalues.
    which : {"largest", "smallest"}
        The top (algebraically largest) or bottom ones.
    tol : float in (0, 1e-2)
        Relative accuracy asked of ARPACK.
    max_iter : int
        Cap on ARPACK's restarts.

    Returns
    -------
    ndarray, shape (k,)
        Sorted from the extreme inwards (descending for ``"largest"``).

    Raises
    ------
    ConvergenceError
        When ARPACK does not converge within ``max_iter`` restarts (the converged ones are named).

    Notes
    -----
    :func:`scipy.sparse.linalg.eigsh` (ARPACK, Lehoucq, Sorensen & Yang 1998) with
    ``which="LA"``/``"SA"``, started from a fixed seeded vector (so runs are reproducible);
    only matrix-vector products are used.

    Examples
    --------
    A diagonal matrix (closed form):

    >>> import numpy as np
    >>> np.round(lanczos_top_eigenvalues(np.diag(np.arange(10.0)), 3), 8).tolist()
    [9.0, 8.0, 7.0]
    """
    op = _operator(operator)
    P = op.shape[0]
    k = V.integer("k", k, minimum=1, maximum=max(1, P - 1))
    if k >= P:
        raise ValueError(f"k must be below the dimension {P}; got {k}")
    which = V.choice("which", which, ("largest", "smallest"))
    tol = V.tolerance("tol", tol, high=1e-2)
    max_iter = V.iterations("max_iter", max_iter)
    try:
        vals = eigsh(
            op,
            k=k,
            which="LA" if which == "largest" else "SA",
            tol=tol,
            maxiter=max_iter,
            v0=np.random.default_rng(0).standard_normal(P),  # reproducible start
            return_eigenvectors=False,
        )
    except ArpackNoConvergence as exc:
        raise ConvergenceError(
            f"lanczos_top_eigenvalues: ARPACK did not converge within max_iter = {max_iter} "
            f"restarts ({len(exc.eigenvalues)} of {k} eigenvalues converged); raise max_iter"
        ) from exc
    vals = np.sort(vals)
    return vals[::-1] if which == "largest" else vals


def lanczos_quadrature(operator, n_steps=60, n_probes=4, *, rng):
    """Gauss quadrature nodes and weights of the spectral measure by stochastic Lanczos.

    Parameters
    ----------
    operator : ndarray or LinearOperator, shape (P, P)
        Symmetric.
    n_steps : int, 1 <= n_steps <= min(P, 2000)
        Lanczos steps per probe (the number of nodes).
    n_probes : int, 1 <= n_probes <= 1000
        Independent Rademacher probe vectors.
    rng : Generator or int

    Returns
    -------
    nodes, weights : ndarray, shape (n_probes, n_steps)
        Ritz values and squared first components of the Ritz vectors. For probe :math:`u`
        (normalised), :math:`\\sum_j w_j\\,\\theta_j^k = u^\\top A^k u` exactly for
        :math:`k\\le 2\\,n_{\\rm steps} - 1`, and :math:`\\mathbb E\\,u^\\top A^k u =
        \\frac1P\\operatorname{tr}A^k`: averaged over probes, the weights define an unbiased
        estimate of the spectral measure's moments (Golub & Meurant 2010; Ubaru, Chen & Saad
        2017, *SIAM J. Matrix Anal. Appl.* 38, 1075). When the Krylov space closes early the
        remaining weights are 0.

    Notes
    -----
    Full re-orthogonalisation (two Gram–Schmidt passes) keeps the nodes free of the spurious
    copies plain Lanczos makes in floating point; memory ``P × n_steps``.

    Examples
    --------
    The quadrature reproduces :math:`u^\\top A^k u` (here the mean of the diagonal, a closed
    form for Rademacher probes and a diagonal A):

    >>> import numpy as np
    >>> nodes, w = lanczos_quadrature(np.diag(np.arange(1.0, 21.0)), 5, 2, rng=0)
    >>> np.round(np.sum(w * nodes, axis=1), 10).tolist()
    [10.5, 10.5]
    """
    op = _operator(operator)
    P = op.shape[0]
    m = V.integer("n_steps", n_steps, minimum=1, maximum=min(P, 2000))
    n_probes = V.integer("n_probes", n_probes, minimum=1, maximum=1000)
    gen = V.rng(rng)
    V.check_allocation([(P, m + 1)], "the P × n_steps Lanczos basis", "n_steps")
    nodes = np.zeros((n_probes, m))
    weights = np.zeros((n_probes, m))
    for j in range(n_probes):
        Q = np.zeros((P, m))
        q = gen.choice([-1.0, 1.0], P) / np.sqrt(P)
        alpha, beta = np.zeros(m), np.zeros(m)
        size = m
        for i in range(m):
            Q[:, i] = q
            w = np.asarray(op.matvec(q), dtype=float).ravel()
            if not np.all(np.isfinite(w)):
                raise ValueError("operator returned a non-finite product")
            alpha[i] = q @ w
            for _ in range(2):
                w -= Q[:, : i + 1] @ (Q[:, : i + 1].T @ w)
            b = np.linalg.norm(w)
            scale = max(abs(alpha[: i + 1]).max(), 1.0)
            if i == m - 1:
                break
            if b <= 1e-12 * scale:  # invariant Krylov space: the quadrature is exact already
                size = i + 1
                break
            beta[i], q = b, w / b
        T = np.diag(alpha[:size]) + np.diag(beta[: size - 1], 1) + np.diag(beta[: size - 1], -1)
        theta, S = np.linalg.eigh(T)
        nodes[j, :size], weights[j, :size] = theta, S[0] ** 2
        nodes[j, size:] = theta[-1]
    return nodes, weights


def slq_density(x, ritz_values, weights, width):
    """Spectral density smoothed by a Gaussian kernel, from quadrature nodes and weights.

    Parameters
    ----------
    x : float or array_like
        Points.
    ritz_values, weights : array_like, shape (n_probes, n_steps) or (m,)
        The nodes and weights from :func:`lanczos_quadrature`, or eigenvalues with weights
        ``1/P`` (a full eigendecomposition smoothed by the same kernel, for comparison).
    width : float > 0
        Standard deviation of the Gaussian kernel.

    Returns
    -------
    float or ndarray
        :math:`\\frac1{n_{\\rm probes}}\\sum_{j}\\sum_k w_{jk}\\,\\phi_{\\rm width}(x-\\theta_{jk})`.

    Examples
    --------
    One node of weight 1 gives the Gaussian density (closed form 1/√(2π) at its centre):

    >>> round(slq_density(0.0, [0.0], [1.0], 1.0), 6)
    0.398942
    """
    xs = V.finite_real("x", x)
    th = np.atleast_2d(V.finite_real("ritz_values", ritz_values))
    w = np.atleast_2d(V.in_range("weights", weights, 0.0, 1.0))
    if th.shape != w.shape or th.ndim != 2 or th.size == 0:
        raise ValueError(
            f"ritz_values and weights must have one shape; got {th.shape} and {w.shape}"
        )
    h = V.positive_scalar("width", width)
    if not h < 1e100:
        raise ValueError(f"width must be below 1e100; got {width!r}")
    flat = np.ravel(xs)
    V.check_allocation((flat.size, th.size), "the points × nodes kernel matrix", "x or ritz_values")
    k = np.exp(-0.5 * ((flat[:, None] - th.ravel()) / h) ** 2) / (h * np.sqrt(2 * np.pi))
    return V.scalar_or_array((k @ w.ravel() / th.shape[0]).reshape(np.shape(xs)))
