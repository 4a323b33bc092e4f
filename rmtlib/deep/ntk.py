"""The neural tangent kernel (NTK) of a deep random network: its linear equivalent and spectrum."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .. import _validate as V
from ._nested import (
    check_layer_ratios,
    check_moment_order,
    edge_contour_moments,
    finish,
    finite_moments,
    layer_maps,
    mp_branch,
    nested_trace,
    prepare_z,
    support_edges,
    upper_bound,
)
from .normalised import normalised_activation

__all__ = [
    "NTKWeights",
    "ntk_weights",
    "ntk_stieltjes",
    "ntk_density",
    "ntk_moments",
    "ntk_edges",
    "ntk_traces",
    "NTKTraces",
    "ntk_resolvent_traces",
]


class NTKWeights(NamedTuple):
    """Linear equivalent :math:`K^{NTK}\\simeq\\sum_{\\ell=0}^Lq_\\ell K_\\ell+r_+I` of the NTK.

    Attributes
    ----------
    q : ndarray, shape (L+1,)
        ``q_ℓ = b^{2(L-ℓ)}`` (``q_L = 1``: the gradient in the output weights).
    shift : float
        ``r_+ = Σ_{k=1}^L (a^k - b^{2k})``.
    trace : float
        ``lim (1/n) tr K^NTK = Σ_{k=0}^L a^k``.
    """

    q: np.ndarray
    shift: float
    trace: float


def ntk_weights(depth, activation="relu"):
    """Weights ``q_ℓ`` and identity shift ``r_+`` of the NTK's linear equivalent.

    Parameters
    ----------
    depth : int >= 0
        Number of hidden layers L.
    activation : str or callable
        Normalised internally; must have a square-integrable derivative.

    Returns
    -------
    NTKWeights

    Notes
    -----
    For :math:`f(x)=v^\\top x_L` with Rademacher v, the block of :math:`W_\\ell` in the gradient
    Gram is :math:`(X_{\\ell-1}^\\top X_{\\ell-1})\\odot(G_\\ell^\\top G_\\ell)` and
    :math:`G_\\ell^\\top G_\\ell\\simeq b^{2(L-\\ell+1)}\\mathbf 1\\mathbf 1^\\top+(a^{L-\\ell+1}-b^{2(L-\\ell+1)})I`, so

    .. math:: K^{\\rm NTK}\\simeq X_L^\\top X_L+\\sum_{\\ell=1}^L\\Big[b^{2(L-\\ell+1)}X_{\\ell-1}^\\top X_{\\ell-1}
              +\\big(a^{L-\\ell+1}-b^{2(L-\\ell+1)}\\big)I\\Big].

    Reconstructed from Fan & Wang (2020, Thm. 3.7) and checked here by simulation for L = 1, 2, 3
    (see ``tests/test_deep.py``).

    Examples
    --------
    >>> w = ntk_weights(2, "relu")
    >>> [round(float(v), 4) for v in w.q], round(w.shift, 4), round(w.trace, 4)
    ([0.538, 0.7335, 1.0], 2.3474, 4.6189)
    """
    L = V.integer("depth", depth, minimum=0, maximum=1000)
    act = normalised_activation(activation)
    if not np.isfinite(act.a):
        raise ValueError(
            f"activation {act.name!r} has no square-integrable derivative (a_σ = ∞): "
            "its NTK is not defined; use a Lipschitz activation"
        )
    b2, a = act.b**2, act.a
    q = np.array([b2 ** (L - ell) for ell in range(L + 1)])
    shift = float(sum(a**k - b2**k for k in range(1, L + 1)))
    return NTKWeights(q, shift, float(sum(a**k for k in range(L + 1))))


def _ntk_setup(gammas, activation):
    g = check_layer_ratios(gammas)
    act = normalised_activation(activation)
    w = ntk_weights(g.size - 1, activation)
    shifts, slopes = layer_maps(g, act.b)
    return g, act, w, shifts, slopes


def _ntk_bounds(g, w, shifts, slopes):
    # Σ_ℓ q_ℓ K_ℓ ⪰ 0 and ‖K_ℓ‖ ≤ U_ℓ, so the support lies in [r_+, r_+ + Σ q_ℓ U_ℓ].
    upper = w.shift + sum(
        w.q[ell] * upper_bound(g[: ell + 1], shifts[:ell], slopes[:ell]) for ell in range(g.size)
    )
    return w.shift, upper


def _ntk_solve(z, g, b, w, shifts, slopes, tol):
    if b * b < 1e-14:
        # b = 0: K^NTK = K_L + r_+ I exactly in the limit, with K_L ~ MP_{γ_L}.
        return mp_branch(z - w.shift, g[-1])
    return nested_trace(w.shift - z, w.q, g, shifts, slopes, tol)[0]


@V.renamed_keywords(gammas="layer_ratios")
def ntk_stieltjes(z, layer_ratios, activation="relu", *, tol=1e-12):
    """Limiting Stieltjes transform :math:`\\frac1n\\operatorname{tr}(K^{\\rm NTK}-zI)^{-1}` of the deep NTK.

    Parameters
    ----------
    z : complex or array_like
        ``Im z != 0``, or real outside a rigorous enclosure ``[r_+, U]`` of the support.
    layer_ratios : sequence of float > 0, length L + 1
        As in :func:`ck_stieltjes`.
    activation : str or callable
        Normalised internally; needs a square-integrable derivative (not ``"sign"``).

    Returns
    -------
    complex or ndarray of complex

    Notes
    -----
    Nested-trace algorithm on the linear equivalent of :func:`ntk_weights`: for
    :math:`M=\\sum_{j\\le\\ell}c_jK_j+sI`, replace :math:`c_\\ell K_\\ell` by
    :math:`c_\\ell\\Phi_\\ell/(1+\\delta_\\ell)` with :math:`\\Phi_\\ell=(1-b^2)I+b^2K_{\\ell-1}` and

    .. math:: \\delta_\\ell=\\gamma_\\ell c_\\ell\\big[(1-b^2)T+b^2U_{\\ell-1}\\big],\\quad
              T=\\tfrac1n\\operatorname{tr}M'^{-1},\\ U_j=\\tfrac1n\\operatorname{tr}K_jM'^{-1},

    computed recursively on the reduced :math:`M'`; at level 0 they are MP integrals and the top
    trace follows from :math:`\\sum_jc_jU_j+sT=1`. Then :math:`m_{\\rm NTK}(z)=T` for
    :math:`c=(b^{2L},\\dots,b^2,1)` and :math:`s=r_+-z`; the L unknowns δ are solved jointly.

    References
    ----------
    Fan & Wang, NeurIPS 2020, Thm. 3.7 (statement reconstructed; verified here by simulation).

    Examples
    --------
    At L = 1 the scalar Silverstein equation of :math:`K_1+\\Phi+(a-1)I` integrated against the
    MP law by quadrature gives the same value (``tests/test_deep.py``):

    >>> round(ntk_stieltjes(-1.0, [0.5, 0.5]).real, 6)
    0.323262
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(layer_ratios, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    zz, flip = prepare_z(z, lo, hi)
    T = _ntk_solve(np.asarray(zz), g, act.b, w, shifts, slopes, tol)
    return finish(np.asarray(T), flip)


@V.renamed_keywords(gammas="layer_ratios")
def ntk_traces(z, layer_ratios, activation="relu", *, tol=1e-12):
    """Layer traces :math:`U_j(z)=\\frac1n\\operatorname{tr}K_j(K^{\\rm NTK}-zI)^{-1}`, j = 0..L.

    These are the "beyond eigenvalues" functionals needed for structured labels: for
    :math:`y=X_0^\\top\\beta_*+\\varepsilon` with :math:`\\|\\beta_*\\|^2=d_0\\,\\mathrm{snr}` and noise
    variance :math:`\\sigma^2`, :math:`\\frac1ny^\\top(K-zI)^{-1}y\\to\\mathrm{snr}\\,U_0(z)+\\sigma^2m(z)`.

    Returns
    -------
    ndarray of complex, shape ``np.shape(z) + (L+1,)``

    Examples
    --------
    >>> U = ntk_traces(-1.0, [0.5, 0.5])
    >>> w, m = ntk_weights(1), ntk_stieltjes(-1.0, [0.5, 0.5])
    >>> round(float((w.q @ U + (w.shift + 1.0) * m).real), 12)   # Σ q_j U_j + (r_+ - z) m = 1
    1.0
    >>> round(float(U[0].real), 3)   # simulation (tests/test_deep.py): 0.264 ± 0.003 at n = 400
    0.264
    """
    return ntk_resolvent_traces(z, layer_ratios, activation, tol=tol).U


#: Largest |z|, in units of the support's enclosure, of :func:`ntk_resolvent_traces`: U_j is
#: computed as (1 - s T)/c with s ≈ -z, whose rounding grows like eps |z| (1e-10 here).
TRACES_MAX_DISTANCE = 1e6


class NTKTraces(NamedTuple):
    """Traces of the NTK resolvent :math:`Q(z)=(K^{\\rm NTK}-zI)^{-1}` (see :func:`ntk_resolvent_traces`).

    Attributes
    ----------
    m : complex or ndarray of complex
        :math:`m(z)=\\frac1n\\operatorname{tr}Q(z)`, shape ``np.shape(z)`` (as :func:`ntk_stieltjes`).
    U : ndarray of complex
        :math:`U_j(z)=\\frac1n\\operatorname{tr}K_jQ(z)`, j = 0..L, shape ``np.shape(z) + (L+1,)``
        (as :func:`ntk_traces`).
    """

    m: object
    U: np.ndarray


@V.renamed_keywords(gammas="layer_ratios")
def ntk_resolvent_traces(z, layer_ratios, activation="relu", *, tol=1e-12):
    """The NTK's Stieltjes transform and layer traces from one solve of the nested-trace algorithm.

    Parameters
    ----------
    z, layer_ratios, activation, tol : as in :func:`ntk_stieltjes`.

    Returns
    -------
    NTKTraces
        ``m`` equal to :func:`ntk_stieltjes` and ``U`` equal to :func:`ntk_traces` (the same
        fixed point: both come from this function's solve).

    Raises
    ------
    ValueError
        If ``|z|`` exceeds ``1e6`` times the support's enclosure (the traces would lose their
        digits to cancellation), or if ``b_σ = 0`` for the activation (an even activation such as ``"abs"``): the layers
        decouple and the traces ``U_j``, j < L, are not implemented.

    Notes
    -----
    The nested-trace algorithm of :func:`ntk_stieltjes` returns the traces
    :math:`T=\\frac1n\\operatorname{tr}M^{-1}` and :math:`U_j=\\frac1n\\operatorname{tr}K_jM^{-1}` of
    :math:`M=\\sum_jq_jK_j+(r_+-z)I=K^{\\rm NTK}-zI` together; they satisfy
    :math:`\\sum_jq_jU_j+(r_+-z)T=1`. Functionals of the labels need both: for
    :math:`y=X_0^\\top\\beta_*+\\varepsilon`, :math:`\\frac1ny^\\top Q(z)y\\to\\mathrm{snr}\\,U_0+\\sigma^2m`
    (used by :func:`rmtlib.lazy_training_loss`).

    Examples
    --------
    >>> r = ntk_resolvent_traces(-1.0, [0.5, 0.5])
    >>> bool(r.m == ntk_stieltjes(-1.0, [0.5, 0.5]))   # one fixed point for both
    True
    >>> w = ntk_weights(1)
    >>> round(float((w.q @ r.U + (w.shift + 1.0) * r.m).real), 12)   # Σ q_j U_j + (r_+ - z) m = 1
    1.0
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(layer_ratios, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    zz, flip = prepare_z(z, lo, hi)
    far = TRACES_MAX_DISTANCE * max(1.0, hi)
    if np.any(np.abs(zz) > far):
        raise ValueError(
            f"z must satisfy |z| <= {far:.3g} ({TRACES_MAX_DISTANCE:g} times the support's "
            "enclosure): beyond, U_j ≈ -1/z is computed from a cancelling difference and loses "
            "its digits (m alone: use ntk_stieltjes)"
        )
    if act.b**2 < 1e-14:
        raise ValueError(
            f"activation {act.name!r} has b_σ = 0: the layers decouple and U_j (j < L) is the "
            "trace of a matrix independent of K^NTK; this case is not implemented (use an "
            "activation with b_σ != 0, e.g. not an even one)"
        )
    T, U = nested_trace(w.shift - np.asarray(zz), w.q, g, shifts, slopes, tol)
    return NTKTraces(finish(np.asarray(T), flip), np.where(flip[..., None], np.conj(U), U))


@V.renamed_keywords(gammas="layer_ratios")
def ntk_density(x, layer_ratios, activation="relu", *, eta=1e-6, tol=1e-12):
    """Density of the limiting deep-NTK spectrum by Stieltjes inversion at ``x + iη``.

    Solved by continuation from x + i down to x + iη (see :func:`ck_density`).

    Examples
    --------
    The density integrates to 1, and at L = 2 matches a simulated histogram
    (``tests/test_deep.py``):

    >>> round(float(ntk_density(2.5, [0.5, 0.5])), 4)
    0.2366
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(layer_ratios, activation)
    eta = V.positive_scalar("eta", eta)
    x = V.finite_real("x", x)
    T = _ntk_solve(np.atleast_1d(x) + 1j * eta, g, act.b, w, shifts, slopes, tol)
    out = np.maximum(np.asarray(T).imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out


@V.renamed_keywords(gammas="layer_ratios")
def ntk_edges(layer_ratios, activation="relu", *, resolution=1e-5):
    """Left and right edges of the limiting NTK support (for step sizes ``η < 2/λ_max``).

    Parameters
    ----------
    layer_ratios, activation : as in :func:`ntk_stieltjes`.
    resolution : float > 0
        Width of the final bracket of each edge; at least ``1e-9`` times the mean eigenvalue
        (the inside/outside test itself is not sharper than that).

    Notes
    -----
    A point is inside the support when :math:`\\Im m(x+i\\eta)>10^{-4}` at :math:`\\eta=10^{-8}`
    (outside the support :math:`\\Im m=O(\\eta/\\sqrt{\\mathrm{dist}})`, inside it is
    :math:`\\pi\\rho(x)\\gtrsim\\sqrt{\\mathrm{dist}}`). The mean eigenvalue
    :math:`\\sum_{k\\le L}a^k` lies inside a support in one piece, so each edge is bracketed
    between the mean and the rigorous enclosure ``[r_+, r_+ + Σ q_ℓ U_ℓ]`` and bisected
    (the enclosure can be far wider than the support: a grid over it can miss the support
    entirely). Assumes a support in one piece (true for the activations and ratios of the
    book; a gap would be reported as part of the support).

    Examples
    --------
    The density is positive just inside these edges and vanishes just outside
    (``tests/test_deep.py``); the mean 1 + a_σ = 2.467 lies between them:

    >>> [round(v, 3) for v in ntk_edges([0.5, 0.5])]
    [0.968, 6.283]
    """
    g, act, w, shifts, slopes = _ntk_setup(layer_ratios, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    mean = w.trace
    resolution = V.scalar("resolution", resolution)
    if not 1e-9 * mean <= resolution <= 0.1 * mean:
        raise ValueError(
            f"resolution must lie in [{1e-9 * mean:.3g}, {0.1 * mean:.3g}] (1e-9 to 0.1 times "
            f"the mean eigenvalue {mean:.4g}); got {resolution!r}"
        )

    return support_edges(
        lambda z: _ntk_solve(z, g, act.b, w, shifts, slopes, 1e-10), lo, hi, mean, resolution
    )


@V.renamed_keywords(gammas="layer_ratios", nodes="n_nodes")
def ntk_moments(k_max, layer_ratios, activation="relu", *, n_nodes=None):
    """Moments :math:`\\int x^k\\mu_{\\rm NTK}(dx)`, k = 1..k_max, by a contour integral of m.

    Parameters
    ----------
    k_max : int in [1, 400]
    layer_ratios, activation : as in :func:`ntk_stieltjes`.
    n_nodes : None
        Deprecated and ignored (the number of nodes now follows ``k_max``).

    Notes
    -----
    :math:`\\int x^k d\\mu=-\\frac1{2\\pi i}\\oint z^km(z)dz` on the Bernstein ellipse whose foci
    are the support edges (:func:`ntk_edges`), with ``2 (k_max + 200)`` trapezoid nodes: the
    contour hugs the support, so the rounding of :math:`z^k` is not amplified by a loose
    enclosure (a wide contour loses all digits by k ≈ 100), and the node count keeps the
    aliasing error below 1e-16 at every order. Checked at high order against the closed-form
    CK moments through the same contour (``tests/test_deep.py``). The first moment is
    :math:`\\sum_{k=0}^La^k` (the normalised trace).

    Raises
    ------
    ValueError
        If ``k_max`` exceeds 400, or a moment exceeds the float64 range.

    Examples
    --------
    The first moment is 1 + a_σ; both match the closed form at L = 1 (``tests/test_deep.py``):

    >>> [round(float(v), 6) for v in ntk_moments(2, [0.5, 0.5])]
    [2.466942, 7.661764]
    """
    k_max = check_moment_order(k_max)
    g, act, w, shifts, slopes = _ntk_setup(layer_ratios, activation)
    left, right = ntk_edges(g, activation)
    if n_nodes is not None:
        V.integer("n_nodes", n_nodes, minimum=1, maximum=10**6)
        warnings.warn(
            "ntk_moments(n_nodes=...) is ignored: the node count follows k_max",
            DeprecationWarning,
            stacklevel=3,  # the caller, above the renamed_keywords wrapper
        )
    mom = edge_contour_moments(
        lambda z: _ntk_solve(z, g, act.b, w, shifts, slopes, 1e-13), left, right, k_max
    )
    return finite_moments(mom, "NTK")
