"""Seeded simulation of ridge regression on random features at finite ``n`` and ``N`` (chapter 17).

The model of :mod:`rmtlib.joint_scaling` (Gaussian data with covariance eigenvalues ``pop_eigs``,
target energies ``target_energy``, features ``z = F x`` with i.i.d. :math:`N(0, 1/N)` entries,
ridge on the feature weights), simulated draw by draw; each result carries the deterministic
equivalent :func:`rmtlib.joint_ridge_risk` alongside, field for field comparable. Nonlinear
features (``activation``) are simulated too, for the chapter's "Where it breaks".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from .activations import get_activation
from .joint_scaling import JointRidgeRisk, joint_ridge_risk

__all__ = ["JointRidgeSimulation", "simulate_joint_ridge"]

# Simulated eigenvalues and energies above this would overflow the squares of the Gram matrices.
_SIM_MAX = 1e100


class JointRidgeSimulation(NamedTuple):
    """Measured excess risk per draw, its mean, and the deterministic equivalent alongside."""

    excess_risk: np.ndarray
    mean: float
    theory: JointRidgeRisk


def simulate_joint_ridge(
    n,
    N,
    pop_eigs,
    target_energy,
    lam,
    noise_var=0.0,
    activation="linear",
    *,
    n_draws=5,
    rng,
    n_test=2000,
):
    """Seeded simulation of ridge on ``N`` random features from ``n`` samples.

    Parameters
    ----------
    n, N : int, in [1, 2000] (larger sizes: raise the memory budget)
    pop_eigs, target_energy, lam, noise_var : as in :func:`joint_ridge_risk`
        (``lam`` a scalar >= 0; ``x`` is drawn in the eigenbasis of ``C``, ``β*`` with
        components :math:`\\sqrt{\\theta_k^2}`).
    activation : str or callable
        ``"linear"`` (the model of :func:`joint_ridge_risk`) or a nonlinearity applied to
        :math:`g_j^\\top x/\\sqrt{\\operatorname{tr} C}` (``g_j`` standard Gaussian), features
        divided by :math:`\\sqrt N`; no theory covers this case here (``theory`` is that of the
        linear features with the same λ).
    n_draws : int, >= 1
        Independent draws of ``(F, X, ε)``.
    rng : Generator or int
    n_test : int, in [1, 100000]
        Test points for a nonlinear activation (the linear risk is computed exactly, noise
        averaged in closed form).

    Returns
    -------
    JointRidgeSimulation

    Examples
    --------
    >>> s = simulate_joint_ridge(50, 30, np.ones(40), np.full(40, 1 / 40), 0.1, rng=0, n_draws=2)
    >>> s.excess_risk.shape
    (2,)
    """
    n = V.size("n", n)
    N = V.size("N", N)
    t, energy = V.population_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative_scalar("lam", lam)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    linear = isinstance(activation, str) and activation == "linear"
    act = get_activation(activation)
    for name, arr in (("pop_eigs", t), ("target_energy", energy)):
        if arr.max() > _SIM_MAX:
            raise ValueError(
                f"{name} must be at most {_SIM_MAX:g} to be simulated; got {arr.max():.3g}"
            )
    n_draws = V.size("n_draws", n_draws)
    V.check_allocation((n_draws,), "the per-draw results", "n_draws")
    gen = V.rng(rng)
    n_test = V.size("n_test", n_test, maximum=100_000)
    p = t.size
    m = 0 if linear else n_test
    V.check_allocation(
        [(p, n + m), (N, p), (N, n + m), (N, n), (min(N, n),) * 2, (p, n)] * 2,
        "the data, the random weights and the feature matrices",
        "n, N, pop_eigs",
    )
    theory = joint_ridge_risk(float(n), float(N), t, energy, lam, s2)
    scale = np.sqrt(t)[:, None]
    beta = np.sqrt(energy)
    out = np.empty(n_draws)
    for d in range(n_draws):
        G = gen.standard_normal((N, p))
        X = gen.standard_normal((p, n + m)) * scale
        y = beta @ X[:, :n]
        if linear:
            Z = (G @ X) / np.sqrt(N)
        else:
            Z = act(G @ X / np.sqrt(t.sum())) / np.sqrt(N)
        H = _ridge_operator(Z[:, :n], lam)  # ŵ = H y
        w = H @ y
        if linear:
            resid = beta - (G.T @ w) / np.sqrt(N)
            vmap = (G.T @ H) * (np.sqrt(t)[:, None] / np.sqrt(N))
            out[d] = np.sum(t * resid**2) + s2 * np.sum(vmap**2)
        else:
            pred = w @ Z[:, n:]
            var = s2 * np.mean(np.sum((H.T @ Z[:, n:]) ** 2, axis=0))
            out[d] = np.mean((beta @ X[:, n:] - pred) ** 2) + var
    return JointRidgeSimulation(out, float(out.mean()), theory)


def _ridge_operator(Z, lam):
    """The ``N × n`` map ``y ↦ ŵ`` of ridge on features ``Z`` (N × n); λ = 0: the pseudo-inverse."""
    N, n = Z.shape
    if lam == 0:
        return np.linalg.pinv(Z.T)
    if N <= n:
        return np.linalg.solve(Z @ Z.T / n + lam * np.eye(N), Z / n)
    return Z @ np.linalg.solve(Z.T @ Z / n + lam * np.eye(n), np.eye(n) / n)
