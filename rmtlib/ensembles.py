"""Random-matrix ensembles sampled exactly, and the Gaussian law of an outlier eigenvalue.

The samplers behind the free-probability and edge-fluctuation figures: Haar orthogonal
matrices, Wigner matrices, two spectra put in general position (``A + U B Uᵀ``) or side by side
(commuting), the input–output Jacobian of a deep network, and the largest eigenvalue of a
(spiked) white Wishart matrix by the Dumitriu–Edelman bidiagonal model, which costs ``O(p)`` per
draw instead of ``O(p³)`` and so gives the thousands of draws a Tracy–Widom histogram needs.
The theory they are compared with is in :mod:`rmtlib.free`, :mod:`rmtlib.products` and
:mod:`rmtlib.edge`; :func:`rmtlib.spike_eigenvalue_variance` is the Gaussian limit of the outlier above
the BBP threshold (:mod:`rmtlib.spiked` gives its location).

Conventions as in :mod:`rmtlib.sim`: every sampler takes ``rng`` (a Generator or an integer
seed), data are ``p × n`` and the sample covariance is ``X Xᵀ / n``.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from . import _validate as V

__all__ = [
    "haar_orthogonal",
    "wigner_matrix",
    "POSITIONS",
    "rotated_sum_eigvals",
    "rotated_product_eigvals",
    "simulate_jacobian_spectrum",
    "laguerre_top_eigenvalues",
]

#: How two spectra are combined: ``"free"`` (a Haar rotation between them) or ``"commuting"``
#: (both diagonal in the same basis, the second in a uniformly random order).
POSITIONS = ("free", "commuting")
_MAX_WIDTH = 4000
_MAX_DRAWS = 1_000_000


def _beta(beta, allowed):
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, (int, np.integer)):
        raise TypeError(f"beta must be one of {allowed} (an integer); got {beta!r}")
    if beta not in allowed:
        raise ValueError(f"beta must be one of {allowed}; got {beta!r}")
    return int(beta)


def haar_orthogonal(n, *, rng):
    """An ``n × n`` orthogonal matrix drawn from the Haar measure.

    QR decomposition of a Gaussian matrix with the signs of ``R``'s diagonal moved into ``Q``
    (without that correction ``Q`` is not Haar distributed; Mezzadri, *Notices AMS* 54 (2007)).

    Examples
    --------
    >>> import numpy as np
    >>> U = haar_orthogonal(5, rng=0)
    >>> bool(np.allclose(U @ U.T, np.eye(5)))
    True
    """
    n = V.size("n", n, maximum=_MAX_WIDTH)
    gen = V.rng(rng)
    q, r = np.linalg.qr(gen.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def wigner_matrix(n, sigma2=1.0, *, rng):
    """A real symmetric Gaussian Wigner matrix (GOE) whose spectrum tends to the semicircle.

    Off-diagonal entries ``N(0, σ²/n)``, diagonal ``N(0, 2σ²/n)``: the eigenvalue law tends to the
    semicircle of variance ``σ²`` on ``[−2σ, 2σ]`` (:func:`rmtlib.mp.semicircle_density`).

    Examples
    --------
    >>> import numpy as np
    >>> W = wigner_matrix(400, rng=0)
    >>> round(float(np.trace(W @ W)) / 400, 1)  # the second moment σ² = 1
    1.0
    """
    n = V.size("n", n, maximum=_MAX_WIDTH)
    s2 = V.positive_scalar("sigma2", sigma2)
    if s2 > 1e100:
        raise ValueError(f"sigma2 must be <= 1e100; got {sigma2!r}")
    G = V.rng(rng).standard_normal((n, n))
    return (G + G.T) * np.sqrt(s2 / (2 * n))


def _two_spectra(eigs_a, eigs_b, position, *, nonnegative=False):
    a = V.vector("eigs_a", eigs_a)
    b = V.vector("eigs_b", eigs_b)
    if a.size != b.size:
        raise ValueError(f"eigs_a and eigs_b must have the same length: {a.size} != {b.size}")
    if a.size > _MAX_WIDTH:
        raise ValueError(f"eigs_a must have at most {_MAX_WIDTH} entries; got {a.size}")
    if np.max(np.abs(np.concatenate([a, b]))) > 1e100:
        raise ValueError("eigs_a and eigs_b must be below 1e100 in magnitude")
    if nonnegative:
        for name, v in (("eigs_a", a), ("eigs_b", b)):
            if np.any(v < 0):
                raise ValueError(f"{name} must be >= 0 for a product; got {V.show_value(v)}")
    V.choice("position", position, POSITIONS)
    return a, b


def rotated_sum_eigvals(eigs_a, eigs_b, position="free", *, rng):
    """Eigenvalues of ``A + U B Uᵀ`` (free position) or of ``A + B`` with ``A, B`` commuting.

    Parameters
    ----------
    eigs_a, eigs_b : array_like, shape (n,)
        The spectra of ``A`` and ``B`` (``n <= 4000``).
    position : {"free", "commuting"}
        ``"free"``: ``A = diag(eigs_a)``, ``B = diag(eigs_b)`` and ``U`` Haar orthogonal; the
        eigenvalue law tends to ``μ_A ⊞ μ_B`` (:func:`rmtlib.free.free_additive_density`).
        ``"commuting"``: ``A`` and ``B`` diagonal in the same basis with ``eigs_b`` in uniformly
        random order; the eigenvalues are ``a_i + b_{π(i)}`` and their law is the classical
        convolution ``μ_A ∗ μ_B``.
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (n,)
        Ascending eigenvalues.

    Examples
    --------
    Two ±1 spectra: free position gives the arcsine law on [−2, 2], commuting ones only the
    values −2, 0, 2:

    >>> import numpy as np
    >>> pm = np.repeat([-1.0, 1.0], 200)
    >>> sorted(set(rotated_sum_eigvals(pm, pm, "commuting", rng=0).tolist()))
    [-2.0, 0.0, 2.0]
    >>> bool(np.max(np.abs(rotated_sum_eigvals(pm, pm, rng=0))) < 2.01)
    True
    """
    a, b = _two_spectra(eigs_a, eigs_b, position)
    gen = V.rng(rng)
    if position == "commuting":
        return np.sort(a + gen.permutation(b))
    U = haar_orthogonal(a.size, rng=gen)
    return np.linalg.eigvalsh(np.diag(a) + (U * b) @ U.T)


def rotated_product_eigvals(eigs_a, eigs_b, position="free", *, rng):
    """Eigenvalues of ``A^{1/2} U B Uᵀ A^{1/2}`` (free position) or ``AB`` (commuting), A, B ⪰ 0.

    The free-position law tends to ``μ_A ⊠ μ_B``
    (:func:`rmtlib.free.free_multiplicative_density`); the commuting one is the law of the
    products ``a_i b_{π(i)}`` (parameters as in :func:`rotated_sum_eigvals`; spectra >= 0).

    Examples
    --------
    Two projections of rank n/2: in free position the non-zero eigenvalues spread over (0, 1)
    (the law of :func:`rmtlib.free.free_multiplicative_density`); commuting ones stay 0 or 1:

    >>> import numpy as np
    >>> proj = np.repeat([0.0, 1.0], 200)
    >>> sorted(set(rotated_product_eigvals(proj, proj, "commuting", rng=0).tolist()))
    [0.0, 1.0]
    >>> e = rotated_product_eigvals(proj, proj, rng=0)
    >>> bool(np.mean((e > 0.05) & (e < 0.95)) > 0.3)
    True
    """
    a, b = _two_spectra(eigs_a, eigs_b, position, nonnegative=True)
    gen = V.rng(rng)
    if position == "commuting":
        return np.sort(a * gen.permutation(b))
    U = haar_orthogonal(a.size, rng=gen)
    sq = np.sqrt(a)
    return np.linalg.eigvalsh(sq[:, None] * ((U * b) @ U.T) * sq[None, :])


def simulate_jacobian_spectrum(
    depth, width, *, rng, weights="gaussian", active_fraction=1.0, sigma_w2=None
):
    """Squared singular values of the input–output Jacobian of one random deep network.

    ``J = D_L W_L ⋯ D_1 W_1`` with ``width × width`` weights (i.i.d. ``N(0, σ_w²/N)`` entries for
    ``"gaussian"``, ``σ_w`` times a Haar orthogonal matrix for ``"orthogonal"``) and diagonal
    ``D_ℓ`` with exactly ``round(q N)`` ones (the active units, in random positions) and zeros
    elsewhere: the derivative of ReLU for ``q = 1/2``, of the identity for ``q = 1``. The law of
    the returned values tends to :func:`rmtlib.products.jacobian_density` (plus an atom of mass
    ``1 − q`` at 0).

    Parameters
    ----------
    depth : int
        Number of layers ``L`` (1 to 200).
    width : int
        ``N`` (2 to 4000).
    rng : numpy.random.Generator or int
    weights : {"gaussian", "orthogonal"}
    active_fraction : float
        ``q`` in (0, 1].
    sigma_w2 : float, optional
        Weight variance; default ``1/q``, the edge of chaos.

    Returns
    -------
    ndarray, shape (width,)
        Ascending eigenvalues of ``J Jᵀ``.

    Notes
    -----
    A fixed number of active units per layer (not a Bernoulli number) removes an
    ``O(N^{-1/2})`` fluctuation of the atom at 0 that the limit law does not have. Pennington,
    Schoenholz & Ganguli (2017) for the model.

    Examples
    --------
    A deep linear orthogonal network is an exact isometry:

    >>> import numpy as np
    >>> e = simulate_jacobian_spectrum(5, 50, rng=0, weights="orthogonal")
    >>> bool(np.allclose(e, 1.0))
    True
    """
    depth = V.integer("depth", depth, minimum=1, maximum=200)
    width = V.size("width", width, minimum=2, maximum=_MAX_WIDTH)
    V.choice("weights", weights, ("gaussian", "orthogonal"))
    q = V.scalar("active_fraction", active_fraction)
    V.in_range("active_fraction", q, 0.0, 1.0, low_open=True)
    s2 = 1.0 / q if sigma_w2 is None else V.scalar("sigma_w2", sigma_w2)
    V.in_range("sigma_w2", s2, 1e-6, 1e6, low_open=True)
    V.check_allocation([(width, width)] * 4, "the width × width layer matrices", "width")
    gen = V.rng(rng)
    active = max(1, round(q * width))
    J = np.eye(width)
    for _ in range(depth):
        if weights == "orthogonal":
            W = haar_orthogonal(width, rng=gen) * np.sqrt(s2)
        else:
            W = gen.standard_normal((width, width)) * np.sqrt(s2 / width)
        D = (gen.permutation(width) < active).astype(float)
        J = (D[:, None] * W) @ J
    return np.linalg.eigvalsh(J @ J.T)


def laguerre_top_eigenvalues(p, n, n_draws, ell=0.0, beta=1, *, rng):
    """Independent draws of the largest eigenvalue of ``X Xᵀ / n``, by the bidiagonal model.

    ``X`` is ``p × n`` with i.i.d. standard Gaussian columns of covariance
    ``C = I + ℓ u uᵀ`` (real for β = 1, complex for β = 2, quaternion for β = 4): exactly the
    law of :func:`rmtlib.spiked.simulate_spikes`'s top eigenvalue (``ell = 0``: the white case of
    :func:`rmtlib.edge.tracy_widom_scaling`), at ``O(p)`` cost per draw.

    Parameters
    ----------
    p, n : int
        Dimension and sample size (``2 <= p <= 10⁶``, ``p <= n``).
    n_draws : int
        Number of independent draws (``p · n_draws <= 5·10⁷``).
    ell : float
        Spike strength ``ℓ >= 0``.
    beta : {1, 2, 4}
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (n_draws,)

    Notes
    -----
    Householder bidiagonalisation of ``X`` (Dumitriu & Edelman, J. Math. Phys. 43 (2002)) gives the
    lower bidiagonal ``B`` with diagonal :math:`\\chi_{\\beta n}, \\chi_{\\beta(n-1)}, \\dots,
    \\chi_{\\beta(n-p+1)}` and subdiagonal :math:`\\chi_{\\beta(p-1)}, \\dots, \\chi_\\beta`, all
    independent and divided by :math:`\\sqrt\\beta`; ``X Xᵀ`` and the tridiagonal ``B Bᵀ`` have
    the same eigenvalues. With the spike along the first coordinate (any direction, by
    rotation invariance) the first reflection sees the first row of ``X``, of norm
    :math:`\\sqrt{1+\\ell}\\,\\chi_{\\beta n}`, and leaves the other rows white, so the spike
    multiplies the first diagonal entry only (the spiked model of Bloemendal & Virág 2013).
    The top eigenvalue of each tridiagonal matrix is found by bisection (LAPACK ``stebz``).

    Examples
    --------
    The mean of 2000 draws at p = 200, n = 400, centred and scaled by
    :func:`rmtlib.edge.tracy_widom_scaling`, is near the TW₁ mean −1.21 (Tracy & Widom 1996):

    >>> from rmtlib.edge import tracy_widom_scaling
    >>> t = tracy_widom_scaling(400, 200)
    >>> top = laguerre_top_eigenvalues(200, 400, 2000, rng=1)
    >>> bool(abs(((top - t.centre) / t.scale).mean() + 1.21) < 0.15)
    True
    """
    p = V.size("p", p, minimum=2, maximum=10**6)
    n = V.size("n", n, minimum=2, maximum=10**9)
    if p > n:
        raise ValueError(f"p must be <= n (use the n × n Gram matrix otherwise); got p={p}, n={n}")
    n_draws = V.size("n_draws", n_draws, maximum=_MAX_DRAWS)
    if p * n_draws > 5 * 10**7:
        raise ValueError(f"n_draws: p * n_draws must be <= 5e7; got {p * n_draws}")
    ell = V.nonnegative_scalar("ell", ell)
    if ell > 1e12:
        raise ValueError(f"ell must be <= 1e12; got {ell!r}")
    beta = _beta(beta, (1, 2, 4))
    V.check_allocation([(n_draws, p)] * 4, "the bidiagonal entries of every draw", "n_draws")
    gen = V.rng(rng)
    d2 = gen.chisquare(beta * (n - np.arange(p)), size=(n_draws, p)) / beta
    e2 = gen.chisquare(beta * (p - 1 - np.arange(p - 1)), size=(n_draws, p - 1)) / beta
    d2[:, 0] *= 1 + ell
    diag = d2.copy()
    diag[:, 1:] += e2
    off = np.sqrt(d2[:, :-1] * e2)
    top = np.empty(n_draws)
    for k in range(n_draws):
        top[k] = linalg.eigvalsh_tridiagonal(
            diag[k], off[k], select="i", select_range=(p - 1, p - 1), check_finite=False
        )[0]
    return top / n
