"""Seeded simulators of deep random networks: CK and NTK Gram matrices and their spectra."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as V
from ..activations import get_activation
from ..gauss import gaussian_expectation
from ._nested import check_layer_ratios
from .normalised import normalised_activation

__all__ = ["DeepSample", "simulate_deep_network", "sample_deep_spectrum"]

#: Largest |entry| of the input data of the simulators (its Gram matrices stay finite).
MAX_ENTRY = 1e100


class DeepSample(NamedTuple):
    """One draw of a deep random network on data ``X0``.

    Attributes
    ----------
    ck : tuple of ndarray
        The Gram matrices ``K_ℓ = X_ℓᵀ X_ℓ``, ℓ = 0..L (``n × n``).
    ntk : ndarray or None
        The gradient Gram of ``f(x) = vᵀ x_L`` over ``v, W_L, …, W_1`` (Rademacher ``v``).
    """

    ck: tuple
    ntk: object


@V.renamed_keywords(taus="tau")
def simulate_deep_network(
    X0, widths, activation="relu", *, rng, ntk=True, normalise=True, tau=None
):
    """Draw one deep random network on data ``X0`` and return its CK and NTK Gram matrices.

    Parameters
    ----------
    X0 : ndarray, shape (d0, n)
        Input data as columns (unit-norm columns for the Fan–Wang setting; see
        :func:`rmtlib.sphere_data`).
    widths : sequence of int >= 1
        Hidden widths ``(d_1, …, d_L)`` (empty for L = 0).
    activation : str, callable, or sequence of them (one per layer)
    rng : Generator or int
    ntk : bool
        Also build the NTK Gram (needs the derivative of each activation).
    normalise : bool
        True: Fan–Wang (each σ centred, unit variance under N(0, 1)). False: Gu et al.'s setting,
        each σ_ℓ only centred at its input scale, ``σ_ℓ(t) - E σ_ℓ(τ_{ℓ-1} ξ)``.
    tau : array_like of float > 0, optional
        With ``normalise=False``: the standard deviations (column norms) ``τ_0..τ_{L-1}`` of the
        layers' inputs, e.g. ``gmm_ck_scalars(...).tau`` (one per layer; the glossary's ``tau``).

    Returns
    -------
    DeepSample

    Notes
    -----
    :math:`X_\\ell=\\sigma(W_\\ell X_{\\ell-1})/\\sqrt{d_\\ell}`, :math:`W_\\ell` i.i.d. N(0, 1).
    NTK blocks: :math:`(X_{\\ell-1}^\\top X_{\\ell-1})\\odot(G_\\ell^\\top G_\\ell)` with
    :math:`G_L=v\\odot\\sigma'(H_L)/\\sqrt{d_L}`,
    :math:`G_\\ell=\\sigma'(H_\\ell)\\odot(W_{\\ell+1}^\\top G_{\\ell+1})/\\sqrt{d_\\ell}`.
    Rademacher v removes the common-mode fluctuation of ``Σ v_i²``; for L >= 2 an
    O(d^{-1/2}) common mode remains, so average spectra over a few seeds.

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> s = simulate_deep_network(sphere_data(40, 20, rng=0), [60], rng=1)
    >>> round(float(np.trace(s.ntk) / 20), 2)      # 1 + a_σ = 2.47 (exact for Rademacher v at L = 1)
    2.47
    """
    X0 = V.matrix("X0", X0)
    if np.max(np.abs(X0)) > MAX_ENTRY:
        raise ValueError(
            f"X0 must have entries within [-{MAX_ENTRY:g}, {MAX_ENTRY:g}] (its Gram matrices "
            "would overflow); the Fan–Wang setting has unit-norm columns"
        )
    widths = _widths(widths)
    ntk = V.boolean("ntk", ntk)
    normalise = V.boolean("normalise", normalise)
    L = len(widths)
    if tau is not None:
        tau = V.vector("tau", tau)
        if tau.size < L or np.any(tau <= 0):
            raise ValueError(
                f"tau must hold the {L} column norms τ_0..τ_(L-1) (> 0) of the layers' inputs; "
                f"got {tau.tolist()}"
            )
    d_in = X0.shape[0]
    V.check_allocation(
        [(d, prev) for d, prev in zip(widths, [d_in] + widths)]
        + [(d, X0.shape[1]) for d in widths] * 3
        + [(X0.shape[1], X0.shape[1])] * (L + 3),
        "the weights, hidden layers and Gram matrices",
        "widths (or X0)",
    )
    acts = list(activation) if isinstance(activation, (list, tuple)) else [activation] * L
    if len(acts) != L:
        raise ValueError(f"activation: got {len(acts)} activations for {L} layers")
    gen = V.rng(rng)
    fns, derivs = [], []
    for ell, a in enumerate(acts):
        if normalise:
            na = normalised_activation(a)
            fns.append(na.fn)
            derivs.append(na.derivative)
        else:
            if tau is None:
                raise ValueError("normalise=False needs tau (the column norms τ_ℓ)")
            raw = get_activation(a)
            mu = gaussian_expectation(raw, float(tau[ell]) ** 2)
            fns.append(lambda t, raw=raw, mu=mu: raw(t) - mu)
            derivs.append(None)
    if ntk and any(d is None for d in derivs):
        raise ValueError(
            "ntk=True needs activations with a square-integrable derivative and normalise=True"
        )
    Xs, Hs, Ws = [X0], [], []
    for d, fn in zip(widths, fns):
        W = gen.standard_normal((d, Xs[-1].shape[0]))
        H = W @ Xs[-1]
        Ws.append(W)
        Hs.append(H)
        Xs.append(fn(H) / np.sqrt(d))
    ck = tuple(X.T @ X for X in Xs)
    if not ntk:
        return DeepSample(ck, None)
    K = ck[-1].copy()
    if L:
        v = gen.choice([-1.0, 1.0], size=widths[-1])
        G = v[:, None] * derivs[-1](Hs[-1]) / np.sqrt(widths[-1])
        for ell in range(L, 0, -1):  # layer ℓ uses G_ℓ and X_{ℓ-1}
            K += ck[ell - 1] * (G.T @ G)
            if ell > 1:
                G = derivs[ell - 2](Hs[ell - 2]) * (Ws[ell - 1].T @ G) / np.sqrt(widths[ell - 2])
    return DeepSample(ck, K)


def _widths(widths):
    """Hidden widths as a list of ints >= 1, with errors naming ``widths``."""
    if isinstance(widths, (str, bytes)) or not np.iterable(widths):
        raise TypeError(
            f"widths must be a sequence of integers >= 1 (empty for L = 0); got {widths!r}"
        )
    out = []
    for d in widths:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(
                f"widths must hold integers >= 1 (non-integers are not truncated); got {d!r}"
            )
        if d < 1:
            raise ValueError(f"widths must hold integers >= 1; got {int(d)}")
        out.append(int(d))
    return out


@V.renamed_keywords(gammas="layer_ratios", seeds="n_draws")
def sample_deep_spectrum(n, layer_ratios, activation="relu", *, kernel="ck", n_draws=1, rng):
    """Eigenvalues of simulated deep CK or NTK Gram matrices, one row per seed.

    The simulation counterpart of :func:`ck_stieltjes` / :func:`ntk_stieltjes` with the same
    arguments: sphere inputs with ``d_0 = round(n/γ_0)``, widths ``d_ℓ = round(n/γ_ℓ)``, a fresh
    draw of data and weights per seed (the NTK's common-mode fluctuation at L >= 2 averages out
    over n_draws).

    Parameters
    ----------
    n : int
    layer_ratios : sequence of float > 0, length L + 1
    activation : str or callable
    kernel : {"ck", "ntk"}
    n_draws : int >= 1
    rng : Generator or int

    Returns
    -------
    ndarray, shape (n_draws, n)

    Examples
    --------
    >>> ev = sample_deep_spectrum(200, [0.5, 0.5], kernel="ntk", n_draws=2, rng=0)
    >>> ev.shape, round(float(ev.mean()), 2)       # mean → 1 + a_σ = 2.47
    ((2, 200), 2.48)
    """
    n = V.size("n", n, minimum=2)
    g = check_layer_ratios(layer_ratios)
    n_draws = V.size("n_draws", n_draws)
    kernel = V.choice("kernel", kernel, ("ck", "ntk"))
    gen = V.rng(rng)
    dims = [max(1, round(n / gi)) for gi in g]
    V.check_allocation(
        [(n_draws, n)] + [(n, n)] * (len(dims) + 3) + [(d, n) for d in dims] * 3,
        "the data, hidden layers and Gram matrices",
        "n, layer_ratios, n_draws",
    )
    out = np.empty((n_draws, n))
    for k in range(n_draws):
        Z = gen.standard_normal((dims[0], n))
        X0 = Z / np.linalg.norm(Z, axis=0)
        s = simulate_deep_network(X0, dims[1:], activation, rng=gen, ntk=kernel == "ntk")
        out[k] = np.linalg.eigvalsh(s.ntk if kernel == "ntk" else s.ck[-1])
    return out
