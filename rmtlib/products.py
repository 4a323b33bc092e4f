"""Products of random layers: the Jacobian of a deep network and dynamical isometry.

The input–output Jacobian of a depth-``L`` network is a product ``J = D_L W_L ⋯ D_1 W_1`` of
weight matrices and diagonal matrices of activation derivatives. With width going to infinity
the factors are asymptotically free, so the law of the squared singular values of ``J`` (the
eigenvalues of ``J Jᵀ``) is a free multiplicative convolution, and its S-transform is the
product of the factors' S-transforms (module :mod:`rmtlib.free`; Pennington, Schoenholz &
Ganguli 2017 and 2018). This module gives that law in closed form where the S-transform
equation is polynomial: deep *linear* networks (the Fuss–Catalan law) and networks whose
activation derivative takes the values 0 and 1 (ReLU, the linear map), with Gaussian or
orthogonal weights; and its mean and variance for any activation.

Normalisation: weights are ``N × N`` with i.i.d. ``N(0, σ_w²/N)`` entries (``weights=
"gaussian"``) or ``σ_w`` times a Haar orthogonal matrix (``"orthogonal"``); ``q`` is the
fraction of units whose derivative is 1 (``q = 1/2`` for ReLU, ``q = 1`` for a linear network).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special

from . import _validate as V

__all__ = ["fuss_catalan_moment", "JacobianMoments", "jacobian_moments", "jacobian_density"]

_WEIGHTS = ("gaussian", "orthogonal")


def fuss_catalan_moment(k, depth):
    """The k-th moment of the Fuss–Catalan law: ``binom((L+1)k, k) / (Lk + 1)``.

    The law of the squared singular values of a product of ``L`` independent ``N × N``
    Gaussian matrices with ``N(0, 1/N)`` entries as ``N → ∞`` (Penson & Życzkowski 2011); for
    ``L = 1`` the Catalan numbers, moments of the Marchenko–Pastur law with ``c = 1``.

    Examples
    --------
    >>> [fuss_catalan_moment(k, 2) for k in range(5)]
    [1, 1, 3, 12, 55]
    """
    k = V.integer("k", k, minimum=0)
    depth = V.integer("depth", depth, minimum=1, maximum=1000)
    if k > 2000:
        raise ValueError(f"k must be <= 2000 (the moment has more than 1000 digits); got {k}")
    return special.comb((depth + 1) * k, k, exact=True) // (depth * k + 1)


class JacobianMoments(NamedTuple):
    """Mean and variance of the law of the squared singular values of the Jacobian."""

    mean: float
    variance: float


def _check(depth, weights, active_fraction, sigma_w2):
    depth = V.integer("depth", depth, minimum=1, maximum=200)
    V.choice("weights", weights, _WEIGHTS)
    q = V.scalar("active_fraction", active_fraction)
    V.in_range("active_fraction", q, 0.0, 1.0, low_open=True)
    s2 = 1.0 / q if sigma_w2 is None else V.scalar("sigma_w2", sigma_w2)
    V.in_range("sigma_w2", s2, 1e-6, 1e6, low_open=True)
    return depth, q, s2


def jacobian_moments(
    depth, *, weights="gaussian", active_fraction=1.0, sigma_w2=None, derivative_moments=None
):
    """Mean and variance of the squared singular values of a deep network's Jacobian.

    Parameters
    ----------
    depth : int
        Number of layers ``L``.
    weights : {"gaussian", "orthogonal"}
        Law of the weight matrices (see the module docstring).
    active_fraction : float
        ``q`` in (0, 1]: for derivatives in {0, 1}, the fraction of active units.
    sigma_w2 : float, optional
        Weight variance ``σ_w²``; default ``1/q``, the edge of chaos (mean squared singular
        value 1).
    derivative_moments : (float, float), optional
        ``(μ₁, μ₂) = (E[φ'(h)²], E[φ'(h)⁴])`` for any other activation at its fixed point (they
        replace ``(q, q)``).

    Returns
    -------
    JacobianMoments
        ``mean = (σ_w² μ₁)^L`` and ``variance = mean² · L (μ₂/μ₁² − 1 + v_W)`` with ``v_W = 1``
        for Gaussian and ``0`` for orthogonal weights.

    Notes
    -----
    An S-transform starts :math:`S(w) = m_1^{-1}(1 - v w + O(w^2))` with
    :math:`v = m_2/m_1^2 - 1`; S-transforms multiply under ⊠, so means multiply and the
    normalised variances :math:`v` add over the :math:`2L` free factors. Orthogonal weights with
    a derivative that is nearly constant make the variance small whatever the depth:
    *dynamical isometry* (Pennington, Schoenholz & Ganguli 2017, §3), which Gaussian weights
    can never reach (their factor adds 1 per layer).

    Examples
    --------
    Deep linear Gaussian network: the Fuss–Catalan law, variance ``L``:

    >>> jacobian_moments(3)
    JacobianMoments(mean=1.0, variance=3.0)
    >>> jacobian_moments(3, weights="orthogonal")  # an isometry
    JacobianMoments(mean=1.0, variance=0.0)
    """
    depth, q, s2 = _check(depth, weights, active_fraction, sigma_w2)
    if derivative_moments is None:
        mu1, mu2 = q, q
    else:
        moments = V.vector("derivative_moments", derivative_moments, length=2)
        mu1, mu2 = (float(m) for m in V.positive("derivative_moments", moments))
        if mu2 < mu1**2 or mu1 > 1e6:
            raise ValueError(
                "derivative_moments (mu1, mu2) need mu2 >= mu1**2 (a variance) and "
                f"mu1 <= 1e6; got {tuple(moments)}"
            )
    mean = (s2 * mu1) ** depth
    v = mu2 / mu1**2 - 1 + (1.0 if weights == "gaussian" else 0.0)
    return JacobianMoments(float(mean), float(mean**2 * depth * v))


def jacobian_density(x, depth, *, weights="gaussian", active_fraction=1.0, sigma_w2=None):
    """Density of the squared singular values of the Jacobian of a deep network.

    For activations whose derivative is 0 or 1 (``active_fraction = 1/2`` for ReLU, ``1`` for a
    linear network), Gaussian or orthogonal weights (module docstring). The atom at 0 (the
    inactive directions, of mass ``1 − q`` when ``q < 1``) is not included.

    Parameters
    ----------
    x : float or array_like
        Points > 0.
    depth : int
    weights : {"gaussian", "orthogonal"}
    active_fraction : float
    sigma_w2 : float, optional
        Default ``1/q`` (the edge of chaos).

    Notes
    -----
    The S-transform is :math:`S(w) = [\\sigma_w^2 (q + w)]^{-L}` for Gaussian weights and
    :math:`S(w) = [(1+w)/(\\sigma_w^2(q + w))]^{L}` for orthogonal ones (a projection of trace
    :math:`q` has :math:`S = (1+w)/(q+w)`, Marchenko–Pastur with :math:`c = 1` has
    :math:`1/(1+w)`). Inverting :math:`\\chi(w) = S(w)\\,w/(1+w) = 1/x` is a polynomial equation
    for :math:`w = \\psi(1/x)`, and :math:`G(x) = (1 + w)/x`; the density is
    :math:`-\\Im w/(\\pi x)` at the root with negative imaginary part. For ``q = 1`` and Gaussian
    weights this is the Fuss–Catalan law.

    References
    ----------
    Pennington, Schoenholz & Ganguli, *NeurIPS* (2017) and *AISTATS* (2018); Penson &
    Życzkowski, *Phys. Rev. E* 83 (2011).

    Examples
    --------
    One Gaussian layer is Marchenko–Pastur with ``c = 1``: density ``√(4x − x²)/(2πx)``:

    >>> import numpy as np
    >>> bool(np.isclose(jacobian_density(1.0, 1), np.sqrt(3) / (2 * np.pi), rtol=1e-12))
    True
    """
    depth, q, s2 = _check(depth, weights, active_fraction, sigma_w2)
    xs = V.positive("x", x)
    flat = np.ravel(xs).astype(float)
    if flat.size == 0:
        return np.zeros(np.shape(xs))
    P = np.polynomial.Polynomial
    lin = P([q, 1.0]) ** depth  # (q + w)^L
    if weights == "gaussian":
        base, rest = P([1.0, 1.0]) * lin, P([0.0, 1.0])
    else:
        base, rest = lin, P([0.0, 1.0]) * P([1.0, 1.0]) ** (depth - 1)
    db, dr = base.deriv(), rest.deriv()
    # The root w = ψ(1/z) is followed down the vertical line z = x + iy from y = Y (where
    # w ≈ mean/z identifies the branch) to y = 0. In the open upper half-plane ψ(1/z) is
    # analytic, so the continuation never meets a branch point (those are the edges of the
    # support, on the real axis) and each Newton solve starts next to its root.
    mean = (s2 * q) ** depth
    top = 1e3 * (float(flat.max()) + (1 + s2 * q) ** depth)
    w = None
    for y in np.concatenate([top * 0.7 ** np.arange(90), [0.0]]):
        z = flat + 1j * y
        w = mean / z if w is None else w
        k = s2**depth / z
        for _ in range(12):
            w = w - (k * base(w) - rest(w)) / (k * db(w) - dr(w))
    # Outside the support the root is real; an imaginary part below the round-off of w itself
    # is what Newton's last steps leave of the descent, not density.
    im = np.where(np.abs(w.imag) <= 4 * np.finfo(float).eps * np.abs(w), 0.0, w.imag)
    out = np.maximum(-im / (np.pi * flat), 0.0)
    return V.scalar_or_array(out.reshape(np.shape(xs)))
