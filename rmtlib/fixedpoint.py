"""A vectorised fixed-point solver with Anderson acceleration, used by every equivalent.

Every deterministic equivalent in the book is the solution of a small fixed-point equation,
one per spectral argument ``z`` (Silverstein's equation, the δ equation of random features,
the κ of ridge, the nested deep recursions). :func:`solve_fixed_point` solves a whole batch of
such independent problems at once, so that a density on a 1000-point grid costs a few dozen
vectorised evaluations instead of a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = ["FixedPointResult", "ConvergenceError", "solve_fixed_point"]


class ConvergenceError(RuntimeError):
    """Raised when a fixed point did not reach the requested tolerance within its iteration cap."""


@dataclass(frozen=True)
class FixedPointResult:
    """Outcome of :func:`solve_fixed_point`.

    Attributes
    ----------
    x : ndarray
        The solution, with the shape of the initial guess.
    converged : bool
        Whether every problem of the batch met the tolerance.
    iterations : int
        Number of map evaluations.
    residual : float
        Largest relative residual ``|F(x) - x| / (1 + |x|)`` over the batch.
    """

    x: np.ndarray
    converged: bool
    iterations: int
    residual: float


def solve_fixed_point(
    func,
    x0,
    *,
    tol=1e-12,
    max_iter=2000,
    damping=1.0,
    memory=5,
    valid=None,
    raise_on_failure=True,
    name="fixed point",
    residual_floor=1.0,
):
    """Solve a batch of independent fixed-point problems ``x = F(x)`` by Anderson mixing.

    Parameters
    ----------
    func : callable
        ``func(x) -> ndarray`` with the shape of ``x``. The last axis holds the unknowns of one
        problem (size ``k``); all leading axes index independent problems (a grid of ``z``).
        A 1-d ``x0`` is treated as a batch of scalar problems.
    x0 : array_like, real or complex
        Initial guess (a warm start along a grid speeds things up considerably).
    tol : float
        Relative tolerance on ``|F(x) - x| / (1 + |x|)`` per problem.
    max_iter : int
        Iteration cap; the solver never runs longer.
    damping : float in (0, 1]
        Mixing parameter β of Anderson's method (1 = undamped).
    memory : int
        Number of previous residuals used by Anderson's method (0 = damped Picard).
    valid : callable, optional
        ``valid(x) -> bool ndarray`` over problems; an accelerated step that leaves the valid
        domain (e.g. the upper half-plane for a Stieltjes transform) is replaced by the plain
        damped step for that problem.
    raise_on_failure : bool
        Raise :class:`ConvergenceError` if the tolerance is not met (default); otherwise return a
        result with ``converged=False``.

    Returns
    -------
    FixedPointResult

    Notes
    -----
    Anderson type II per problem: with residual ``g = F(x) - x`` and the histories ``ΔG``, ``ΔX``
    of residual and iterate differences, ``γ`` minimises ``|g - ΔG γ|`` and
    ``x ← x + β g - (ΔX + β ΔG) γ`` [Walker & Ni, SIAM J. Numer. Anal. 49 (2011)].
    Converged problems are frozen.

    Examples
    --------
    >>> import numpy as np
    >>> r = solve_fixed_point(np.cos, np.array([1.0]))   # the Dottie number: cos x = x
    >>> round(float(r.x[0]), 10), r.converged
    (0.7390851332, True)
    """
    V.function("func", func)
    if isinstance(x0, (str, bytes)) or x0 is None:
        raise TypeError(f"x0 must be a numeric array; got {x0!r}")
    x0a = np.asarray(x0)
    if x0a.dtype.kind not in "biufc":
        raise TypeError(f"x0 must be a numeric array; got {x0!r}")
    if not np.all(np.isfinite(x0a)):
        raise ValueError("x0 must be finite")
    tol = V.tolerance("tol", tol)
    max_iter = V.iterations("max_iter", max_iter, maximum=10**6)
    damping = V.damping("damping", damping)
    memory = V.integer("memory", memory, minimum=0, maximum=50)
    if valid is not None:
        V.function("valid", valid)
    raise_on_failure = V.boolean("raise_on_failure", raise_on_failure)
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r}")
    residual_floor = V.scalar("residual_floor", residual_floor)
    if residual_floor < 0:
        raise ValueError(f"residual_floor must be >= 0; got {residual_floor!r}")
    V.check_allocation(
        [x0a.shape + (max(memory, 1),)] * 2 + [x0a.shape] * 6,
        "the Anderson histories",
        "x0 (or memory)",
        itemsize=16,
    )
    x = np.array(x0a, dtype=np.result_type(x0a.dtype, float), copy=True)
    if x.size == 0:
        return FixedPointResult(x, True, 0, 0.0)
    scalar_problems = x.ndim <= 1
    shape = x.shape
    xb = x.reshape(-1, 1) if scalar_problems else x.reshape(-1, shape[-1])
    n_prob, k = xb.shape

    def F(v):
        out = np.asarray(func(v.reshape(shape)))
        if out.shape != shape:
            raise ValueError(f"{name}: the map returned shape {out.shape}, expected {shape}")
        return out.reshape(n_prob, k)

    hist_dx = np.zeros((n_prob, k, memory), dtype=xb.dtype)
    hist_dg = np.zeros((n_prob, k, memory), dtype=xb.dtype)
    active = np.ones(n_prob, dtype=bool)
    g_prev = x_prev = None
    res = np.full(n_prob, np.inf)
    it = 0
    for it in range(1, max_iter + 1):
        fx = F(xb)
        if not np.all(np.isfinite(fx[active])):
            bad = np.flatnonzero(active & ~np.all(np.isfinite(fx), axis=1))
            raise ConvergenceError(
                f"{name}: the map returned a non-finite value at iteration {it} "
                f"(problem index {bad[0]}); try a different starting point or damping"
            )
        g = fx - xb
        res = np.max(np.abs(g), axis=1) / np.maximum(
            residual_floor + np.max(np.abs(xb), axis=1), 1e-300
        )
        active &= ~(res <= tol)
        if not active.any():
            return FixedPointResult(xb.reshape(shape), True, it, float(res.max()))
        step = damping * g
        if memory > 0 and g_prev is not None:
            col = (it - 2) % memory
            hist_dx[:, :, col] = xb - x_prev
            hist_dg[:, :, col] = g - g_prev
            used = min(it - 1, memory)
            dG = hist_dg[:, :, :used]
            dX = hist_dx[:, :, :used]
            gram = np.einsum("pki,pkj->pij", dG.conj(), dG)
            rhs = np.einsum("pki,pk->pi", dG.conj(), g)
            reg = 1e-14 * (np.trace(gram, axis1=1, axis2=2).real[:, None, None] + 1e-300)
            gamma = np.linalg.solve(gram + reg * np.eye(used), rhs[..., None])[..., 0]
            accel = damping * g - np.einsum("pki,pi->pk", dX + damping * dG, gamma)
            ok = np.all(np.isfinite(accel), axis=1)
            if valid is not None:
                trial = (xb + np.where(ok[:, None], accel, step)).reshape(shape)
                ok &= np.asarray(valid(trial)).reshape(n_prob) if ok.any() else ok
            step = np.where(ok[:, None], accel, step)
        g_prev, x_prev = g, xb.copy()
        xb = np.where(active[:, None], xb + step, xb)
    result = FixedPointResult(xb.reshape(shape), False, it, float(res.max()))
    if raise_on_failure:
        raise ConvergenceError(
            f"{name} did not converge: residual {result.residual:.2e} > tol {tol:.0e} "
            f"after {max_iter} iterations ({int(active.sum())} of {n_prob} problems unconverged)"
        )
    return result
