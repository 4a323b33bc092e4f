"""Seeded generators of random data used by every simulation in the book.

Every generator takes ``rng`` (a :class:`numpy.random.Generator` or an integer seed) and never
touches NumPy's global random state, so each figure is reproducible from the seed in its caption.
Conventions: data matrices are ``p × n`` with samples as columns.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V

__all__ = [
    "ENTRY_DISTRIBUTIONS",
    "random_entries",
    "covariance_data",
    "spiked_covariance_data",
    "gaussian_mixture",
    "sphere_data",
    "sample_covariance_eigvals",
]

ENTRY_DISTRIBUTIONS = ("gaussian", "rademacher", "student-t")


def random_entries(shape, distribution="gaussian", *, rng, df=5.0):
    """i.i.d. standardised entries (mean 0, variance 1) of a given distribution.

    Parameters
    ----------
    shape : tuple of int
    distribution : {"gaussian", "rademacher", "student-t"}
        Student-t entries are rescaled by ``sqrt((df - 2) / df)`` to unit variance; they have
        heavy tails (finite moments only below order ``df``), which is where universality of the
        spectral edge fails.
    rng : numpy.random.Generator or int
    df : float, > 2
        Degrees of freedom of the Student-t law.

    Examples
    --------
    >>> random_entries((2, 3), "rademacher", rng=0).shape
    (2, 3)
    """
    shape = V.shape("shape", shape)
    distribution = V.choice("distribution", distribution, ENTRY_DISTRIBUTIONS)
    V.check_allocation(shape, "the array of entries", "shape")
    df = float(V.in_range("df", V.scalar("df", df), 2.0, np.inf, low_open=True, high_open=True))
    gen = V.rng(rng)
    if distribution == "gaussian":
        return gen.standard_normal(shape)
    if distribution == "rademacher":
        return gen.choice(np.array([-1.0, 1.0]), size=shape)
    if distribution == "student-t":
        return gen.standard_t(df, size=shape) * np.sqrt((df - 2.0) / df)
    raise ValueError(f"distribution must be one of {ENTRY_DISTRIBUTIONS}; got {distribution!r}")


def covariance_data(p, n, pop_eigs=None, *, rng, distribution="gaussian", df=5.0):
    """Data ``X = C^{1/2} Z`` (``p × n``) with diagonal population covariance ``C``.

    Parameters
    ----------
    p, n : int
        Dimension and sample size.
    pop_eigs : array_like of length p, optional
        Diagonal of ``C`` (eigenvalues of the population covariance, in the canonical basis);
        the identity when omitted.
    rng : numpy.random.Generator or int
    distribution, df
        Law of the entries of ``Z``, see :func:`random_entries`.

    Examples
    --------
    >>> covariance_data(3, 5, [1.0, 2.0, 3.0], rng=0).shape
    (3, 5)
    """
    p = V.size("p", p)
    n = V.size("n", n)
    V.check_allocation([(p, n)] * 2, "the p × n data matrix", "p and n")
    Z = random_entries((p, n), distribution, rng=rng, df=df)
    if pop_eigs is None:
        return Z
    t = V.nonnegative("pop_eigs", pop_eigs)
    if t.shape != (p,):
        raise ValueError(f"pop_eigs must have shape ({p},); got {t.shape}")
    return np.sqrt(t)[:, None] * Z


def spiked_covariance_data(p, n, ells, *, rng, distribution="gaussian"):
    """Data from the spiked model ``C = I + Σ_k ell_k u_k u_kᵀ`` with random orthonormal ``u_k``.

    Returns
    -------
    X : ndarray, shape (p, n)
    U : ndarray, shape (p, r)
        The spike directions (orthonormal columns, Haar-random).

    Examples
    --------
    >>> X, U = spiked_covariance_data(50, 100, [2.0], rng=0)
    >>> X.shape, U.shape
    ((50, 100), (50, 1))
    """
    p = V.size("p", p)
    n = V.size("n", n)
    V.check_allocation([(p, n)] * 3, "the p × n data matrix", "p and n")
    ells = np.atleast_1d(V.nonnegative("ells", ells))
    if ells.ndim != 1 or ells.size > p:
        raise ValueError(f"ells must be a 1-d array of at most p={p} spike strengths")
    gen = V.rng(rng)
    U, _ = np.linalg.qr(gen.standard_normal((p, ells.size)))
    Z = random_entries((p, n), distribution, rng=gen)
    # C^{1/2} = I + U diag(sqrt(1 + ell) - 1) Uᵀ
    X = Z + U @ ((np.sqrt(1 + ells) - 1)[:, None] * (U.T @ Z))
    return X, U


def gaussian_mixture(p, n, means, *, rng, proportions=None, covariances=None):
    """Samples of a K-class Gaussian mixture ``x = μ_a + C_a^{1/2} z`` (columns of a ``p × n`` X).

    Parameters
    ----------
    p, n : int
    means : array_like, shape (K, p)
        Class means.
    rng : numpy.random.Generator or int
    proportions : array_like of length K, optional
        Class proportions (equal by default); class sizes are ``round(n * proportion)``, the last
        class taking the remainder, and samples are ordered by class.
    covariances : array_like, shape (K, p), optional
        Diagonals of the class covariances (identity by default).

    Returns
    -------
    X : ndarray, shape (p, n)
    labels : ndarray of int, shape (n,)

    Examples
    --------
    >>> X, y = gaussian_mixture(4, 10, [[1, 0, 0, 0], [-1, 0, 0, 0]], rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((4, 10), [5, 5])
    """
    p = V.size("p", p)
    n = V.size("n", n)
    V.check_allocation([(p, n)] * 3, "the p × n data matrix", "p and n")
    mu = V.matrix("means", means)
    if mu.shape[1] != p:
        raise ValueError(f"means must have shape (K, {p}); got {mu.shape}")
    K = mu.shape[0]
    _, props = V.spectrum(np.ones(K), proportions, eigs_name="means", weights_name="proportions")
    sizes = np.round(props * n).astype(int)
    sizes[-1] = n - sizes[:-1].sum()
    if np.any(sizes < 0):
        raise ValueError("proportions leave a class with a negative size; check proportions")
    labels = np.repeat(np.arange(K), sizes)
    gen = V.rng(rng)
    Z = gen.standard_normal((p, n))
    if covariances is not None:
        cov = V.nonnegative("covariances", covariances)
        if cov.shape != (K, p):
            raise ValueError(f"covariances must have shape ({K}, {p}); got {cov.shape}")
        Z = np.sqrt(cov[labels].T) * Z
    return mu[labels].T + Z, labels


def sphere_data(p, n, *, rng, radius=1.0):
    """``n`` points uniform on the sphere of radius ``radius`` in dimension ``p`` (columns).

    Examples
    --------
    >>> X = sphere_data(5, 3, rng=0)
    >>> np.allclose(np.linalg.norm(X, axis=0), 1.0)
    True
    """
    p = V.size("p", p)
    n = V.size("n", n)
    V.check_allocation([(p, n)] * 2, "the p × n data matrix", "p and n")
    radius = V.scalar("radius", radius)
    if not 0 < radius <= 1e150:
        raise ValueError(f"radius must lie in (0, 1e150]; got {radius!r}")
    Z = V.rng(rng).standard_normal((p, n))
    return radius * Z / np.linalg.norm(Z, axis=0)


def sample_covariance_eigvals(X):
    """Eigenvalues (ascending) of the sample covariance ``X Xᵀ / n`` of a ``p × n`` matrix.

    Uses the smaller of ``X Xᵀ / n`` and ``Xᵀ X / n`` and pads with zeros when ``p > n``, so the
    cost is that of a ``min(p, n)`` eigenproblem.

    Examples
    --------
    >>> ev = sample_covariance_eigvals(np.eye(2, 3))
    >>> [round(float(v), 4) for v in ev]
    [0.3333, 0.3333]
    """
    X = V.matrix("X", X)
    p, n = X.shape
    V.check_allocation([(min(p, n),) * 2] * 3, "the min(p, n)² Gram matrix", "X")
    if np.abs(X).max() > 1e150:
        raise ValueError("X has entries above 1e150: its Gram matrix would overflow")
    if p <= n:
        return np.linalg.eigvalsh(X @ X.T / n)
    ev = np.linalg.eigvalsh(X.T @ X / n)
    return np.concatenate([np.zeros(p - n), ev])
