"""Discrete laws Σ p_i δ_{a_i} shared by the free-probability modules (private module: not part of
the API): the validation of their atoms and weights."""

from __future__ import annotations

import numpy as np

from . import _validate as V


def discrete_law(atoms, weights, name, *, nonnegative=False):
    """Atoms and weights of a discrete law (weights default to uniform, must sum to 1); ``name``
    is the atoms' parameter, the weights' is the same with ``atoms`` replaced by ``weights``."""
    a = np.atleast_1d(V.finite_real(name, atoms)).astype(float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array; got shape {np.shape(atoms)}")
    wname = name.replace("atoms", "weights")
    if weights is None:
        w = np.full(a.size, 1.0 / a.size)
    else:
        w = np.atleast_1d(V.finite_real(wname, weights)).astype(float)
        if w.shape != a.shape:
            raise ValueError(f"{wname} must have the shape of {name}: {w.shape} != {a.shape}")
        if np.any(w < 0) or abs(w.sum() - 1) > 1e-8:
            raise ValueError(f"{wname} must be >= 0 and sum to 1; they sum to {w.sum():.10g}")
    if np.any(np.abs(a) > 1e150):
        raise ValueError(f"{name} must be below 1e150 in magnitude; got {np.abs(a).max():.3g}")
    if nonnegative and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 for the multiplicative convolution")
    return a, w
