"""Quadrature grids shared by the solvers (private module: not part of the API).

Densities of the book's laws vanish like a square root at a soft edge, where they vary fastest.
The substitution x = a + (b − a)(1 − cos θ)/2 on θ ∈ [0, π] clusters points at both edges and
turns ∫_a^b f(x) dx into ∫_0^π f(x(θ)) (b − a) sin θ / 2 dθ, whose integrand is smooth when f has
square-root edges (√((x − a)(b − x)) becomes (b − a) sin θ / 2).
"""

from __future__ import annotations

import numpy as np


def cosine_map(a, b, theta):
    """Points ``x = a + (b − a)(1 − cos θ)/2`` and the Jacobian ``dx/dθ = (b − a) sin θ / 2``.

    ``a`` and ``b`` broadcast against ``theta`` (give them a trailing axis for a grid per edge).

    >>> x, jac = cosine_map(0.0, 2.0, np.array([0.0, np.pi / 2, np.pi]))
    >>> x.round(12).tolist(), jac.round(12).tolist()
    ([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    """
    theta = np.asarray(theta, dtype=float)
    half = (np.asarray(b, dtype=float) - np.asarray(a, dtype=float)) / 2
    return a + half * (1 - np.cos(theta)), half * np.sin(theta)


def cosine_gauss(a, b, n_nodes):
    """Nodes ``x`` and weights ``w`` with ``Σ w f(x) ≈ ∫_a^b f(x) dx``: Gauss–Legendre in θ.

    Exact up to round-off for ``f(x) = √((x − a)(b − x))`` times a polynomial of low degree, the
    shape of every density with two soft edges.

    >>> x, w = cosine_gauss(0.0, 4.0, 40)
    >>> round(float(np.sum(w * np.sqrt(x * (4 - x)))), 12) == round(2 * np.pi, 12)
    True
    """
    t, tw = np.polynomial.legendre.leggauss(int(n_nodes))
    theta = np.pi * (t + 1) / 2
    x, jac = cosine_map(np.asarray(a)[..., None], np.asarray(b)[..., None], theta)
    return x, (np.pi / 2) * tw * jac


def mp_continuous_nodes(g, a, b, n=400):
    """Nodes ``x`` and weights ``w`` (shape ``g.shape + (n,)``) of the continuous part of MP(γ)
    (unit variance) between its edges ``a, b`` (:func:`rmtlib.mp_edges`): ``Σ w f(x)`` is
    ``∫ f dμ_γ`` over the bulk, without the atom at 0."""
    x, w = cosine_gauss(a, b, n)
    a, b = np.asarray(a)[..., None], np.asarray(b)[..., None]
    density = np.sqrt(np.clip((b - x) * (x - a), 0.0, None)) / (
        2 * np.pi * np.asarray(g)[..., None] * x
    )
    return x, w * density
