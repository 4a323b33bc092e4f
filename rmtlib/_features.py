"""Ridge regression on a given feature matrix and a check of data magnitudes, shared by the
random-feature modules (private module: not part of the API; :mod:`rmtlib.rf`,
:mod:`rmtlib.rf_spectrum` and :mod:`rmtlib.mei_montanari` call it).
"""

from __future__ import annotations

import numpy as np


def ridge_predictions(S, S_test, y, lam):
    """Train and test predictions of β = (1/n) S (SᵀS/n + λI)⁻¹ y (``S`` is ``F × n``).

    The smaller of the F × F and n × n systems is solved (push-through identity).

    >>> S = np.eye(2)
    >>> [p.round(6).tolist() for p in ridge_predictions(S, S, np.array([1.0, 2.0]), 0.5)]
    [[0.5, 1.0], [0.5, 1.0]]
    """
    F, n = S.shape
    if F <= n:
        beta = np.linalg.solve(S @ S.T / n + lam * np.eye(F), S @ y / n)
    else:
        beta = S @ np.linalg.solve(S.T @ S / n + lam * np.eye(n), y) / n
    return S.T @ beta, S_test.T @ beta


def bounded_entries(name, arr, high):
    """``arr`` after checking that no entry exceeds ``high`` in magnitude (error names ``name``).

    >>> bounded_entries("X", np.ones(2), 1e100).tolist()
    [1.0, 1.0]
    """
    if arr.size and np.abs(arr).max() > high:
        raise ValueError(
            f"{name} must have entries of magnitude at most {high:g} (its squares and Gram "
            f"matrix must stay finite); got {np.abs(arr).max():.3g}"
        )
    return arr
