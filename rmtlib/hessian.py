"""Loss-landscape spectra: Hessian and Gauss–Newton matrices of small networks.

The model is a two-layer network :math:`f(x) = v^\\top\\sigma(Wx)/\\sqrt N` with
:math:`W\\in\\mathbb R^{N\\times p}`, :math:`v\\in\\mathbb R^N`, on data :math:`X\\in\\mathbb R^{p\\times n}`
(columns are samples), trained on the square loss

.. math:: \\mathcal L(\\theta) = \\frac1{2n}\\sum_{i=1}^n \\big(f(x_i) - y_i\\big)^2,
          \\qquad \\theta = (\\operatorname{vec} W, v)\\in\\mathbb R^P,\\ P = N(p+1),

with ``vec`` row-major (the N rows of W one after the other, then v). The Hessian splits as
:math:`H = G + H_1`: the generalised Gauss–Newton matrix :math:`G = J^\\top J/n` (J the
:math:`n\\times P` Jacobian of the outputs) and the residual term
:math:`H_1 = \\frac1n\\sum_i r_i\\nabla^2_\\theta f(x_i)`, :math:`r_i = f(x_i) - y_i`.
Activations are normalised as in :mod:`rmtlib.deep` (centred, unit variance under N(0, 1)), so
with unit-norm inputs and i.i.d. N(0, 1) weights the Gram matrix :math:`JJ^\\top` is the NTK of
chapter 11 and :math:`nG` has its nonzero spectrum.

Matrix-free tools: exact Hessian-vector products (the R-operator of Pearlmutter 1994, written out
for this network) and a :class:`scipy.sparse.linalg.LinearOperator`, for the Lanczos tools of
:mod:`rmtlib.lanczos` (extreme eigenvalues, stochastic Lanczos quadrature for the density). Theory: the GGN law at
initialisation (the NTK law rescaled), the free-addition model of Pennington & Bahri (2017),
and the class-mean outliers of the Hessian of a linear model on Gaussian-mixture data (the
spiked model of chapter 3).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator

from . import _validate as V
from .deep import normalised_activation, ntk_density
from .spiked import spike_eigenvalue

__all__ = [
    "ACTIVATIONS_WITH_CURVATURE",
    "two_layer_loss",
    "two_layer_jacobian",
    "two_layer_ntk_gram",
    "two_layer_hvp",
    "two_layer_hessian_operator",
    "gauss_newton_density",
    "mp_plus_semicircle_density",
    "class_mean_outliers",
]

#: Activations with the second derivative the Hessian needs (ReLU's is 0 almost everywhere).
ACTIVATIONS_WITH_CURVATURE = ("tanh", "relu")

_PARTS = ("hessian", "gauss_newton", "residual")
_MAX_ENTRY = 1e100


def _raw(name):
    if name == "tanh":

        def f(t):
            return np.tanh(t)

        def d1(t):
            return 1.0 - np.tanh(t) ** 2

        def d2(t):
            th = np.tanh(t)
            return -2.0 * th * (1.0 - th**2)

        return f, d1, d2
    return (lambda t: np.maximum(t, 0.0), lambda t: (t > 0).astype(float), np.zeros_like)


def _activation(activation):
    """(σ, σ', σ'') of the normalised activation."""
    name = V.choice("activation", activation, ACTIVATIONS_WITH_CURVATURE)
    act = normalised_activation(name)
    f, d1, d2 = _raw(name)
    m, s = act.mean, act.scale
    return (lambda t: (f(t) - m) / s), (lambda t: d1(t) / s), (lambda t: d2(t) / s)


_NO_TARGETS = object()


def _net(W, v, X, y=_NO_TARGETS):
    W = V.matrix("W", W)
    N, p = W.shape
    v = V.vector("v", v, length=N)
    X = V.matrix("X", X)
    if X.shape[0] != p:
        raise ValueError(f"X must have shape ({p}, n) to match W of shape {W.shape}; got {X.shape}")
    for name, a in (("W", W), ("v", v), ("X", X)):
        if np.max(np.abs(a)) > _MAX_ENTRY:
            raise ValueError(f"{name} must have entries within ±{_MAX_ENTRY:g}")
    n = X.shape[1]
    V.check_allocation([(N, n)] * 6, "the N × n pre-activations and their derivatives", "X or W")
    if y is not _NO_TARGETS:
        y = V.vector("y", y, length=n)
        if np.max(np.abs(y)) > _MAX_ENTRY:
            raise ValueError(f"y must have entries within ±{_MAX_ENTRY:g}")
    return W, v, X, y


def _forward(W, v, X, activation):
    s, d1, d2 = _activation(activation)
    Hpre = W @ X
    sqN = np.sqrt(W.shape[0])
    return Hpre, s(Hpre), d1(Hpre), d2(Hpre), sqN


def two_layer_loss(W, v, X, y, activation="tanh"):
    """Square loss of the two-layer network and its gradient.

    Parameters
    ----------
    W : ndarray, shape (N, p)
        First-layer weights.
    v : ndarray, shape (N,)
        Output weights.
    X : ndarray, shape (p, n)
        Inputs as columns.
    y : ndarray, shape (n,)
        Targets.
    activation : {"tanh", "relu"}
        Normalised as in :func:`rmtlib.normalised_activation`.

    Returns
    -------
    loss : float
        :math:`\\frac1{2n}\\sum_i(f(x_i) - y_i)^2` with :math:`f(x) = v^\\top\\sigma(Wx)/\\sqrt N`.
    grad : ndarray, shape (P,)
        The gradient in :math:`\\theta = (\\operatorname{vec} W, v)`, ``P = N (p + 1)``.

    Notes
    -----
    Back-propagation: with :math:`r = f(X) - y`,
    :math:`\\partial_v\\mathcal L = \\sigma(WX)r/(n\\sqrt N)` and
    :math:`\\partial_W\\mathcal L = [(v\\odot\\sigma'(WX))\\,\\mathrm{diag}(r)]X^\\top/(n\\sqrt N)`.

    Examples
    --------
    At zero output weights the loss is half the mean square target (closed form):

    >>> import numpy as np
    >>> X = np.ones((3, 4)) / np.sqrt(3)
    >>> loss, g = two_layer_loss(np.ones((2, 3)), np.zeros(2), X, np.full(4, 2.0))
    >>> loss, g.shape
    (2.0, (8,))
    """
    W, v, X, y = _net(W, v, X, y)
    Hpre, S, D1, _, sqN = _forward(W, v, X, activation)
    n = X.shape[1]
    r = v @ S / sqN - y
    gv = S @ r / (n * sqN)
    gW = ((v[:, None] * D1) * r) @ X.T / (n * sqN)
    return float(0.5 * np.mean(r**2)), np.concatenate([gW.ravel(), gv])


def two_layer_jacobian(W, v, X, activation="tanh"):
    """Jacobian :math:`J\\in\\mathbb R^{n\\times P}` of the outputs in the parameters.

    Parameters
    ----------
    W, v, X, activation
        As in :func:`two_layer_loss`.

    Returns
    -------
    ndarray, shape (n, P)
        Row i is :math:`\\nabla_\\theta f(x_i) = \\big((v\\odot\\sigma'(Wx_i))\\otimes x_i,
        \\ \\sigma(Wx_i)\\big)/\\sqrt N`. The Gauss–Newton matrix is :math:`G = J^\\top J/n`.

    Examples
    --------
    With unit-norm inputs, :math:`\\frac1n\\operatorname{tr}JJ^\\top\\to 1 + a_\\sigma` (the NTK
    trace of :func:`rmtlib.ntk_weights`; a_σ = 1.178 for tanh):

    >>> import numpy as np
    >>> from rmtlib.sim import sphere_data
    >>> rng = np.random.default_rng(0)
    >>> W, v = rng.standard_normal((400, 50)), rng.choice([-1.0, 1.0], 400)
    >>> J = two_layer_jacobian(W, v, sphere_data(50, 100, rng=1))
    >>> round(float(np.sum(J**2) / 100), 1)
    2.2
    """
    W, v, X, _ = _net(W, v, X)
    N, p = W.shape
    n = X.shape[1]
    V.check_allocation((n, N * (p + 1)), "the n × P Jacobian", "n, p or N")
    _, S, D1, _, sqN = _forward(W, v, X, activation)
    A = (v[:, None] * D1).T / sqN  # (n, N)
    JW = (A[:, :, None] * X.T[:, None, :]).reshape(n, N * p)
    return np.hstack([JW, S.T / sqN])


def two_layer_ntk_gram(W, v, X, activation="tanh"):
    """The Gram matrix :math:`JJ^\\top` (the empirical NTK), without forming J.

    Parameters
    ----------
    W, v, X, activation
        As in :func:`two_layer_loss`.

    Returns
    -------
    ndarray, shape (n, n)
        :math:`JJ^\\top = \\sigma(WX)^\\top\\sigma(WX)/N + (X^\\top X)\\odot(B^\\top B)/N`,
        :math:`B = v\\odot\\sigma'(WX)`; the nonzero eigenvalues of :math:`G = J^\\top J/n` are
        its eigenvalues divided by n. For unit-norm inputs and N(0, 1) weights this is the NTK
        of :func:`rmtlib.simulate_deep_network` at depth 1.

    Examples
    --------
    Its trace is the squared Frobenius norm of :func:`two_layer_jacobian` (an identity):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W, v, X = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((3, 4))
    >>> bool(np.isclose(np.trace(two_layer_ntk_gram(W, v, X)),
    ...                 np.sum(two_layer_jacobian(W, v, X)**2)))
    True
    """
    W, v, X, _ = _net(W, v, X)
    n = X.shape[1]
    V.check_allocation([(n, n)] * 3, "the n × n Gram matrices", "n")
    _, S, D1, _, sqN = _forward(W, v, X, activation)
    B = v[:, None] * D1
    return (S.T @ S + (X.T @ X) * (B.T @ B)) / sqN**2


def _split(theta_dir, N, p):
    return theta_dir[: N * p].reshape(N, p), theta_dir[N * p :]


def _hvp_cols(W, v, X, y, vecs, activation, part):
    N, p = W.shape
    n = X.shape[1]
    _, S, D1, D2, sqN = _forward(W, v, X, activation)
    r = v @ S / sqN - y
    out = np.empty_like(vecs)
    for k in range(vecs.shape[1]):
        U, u = _split(vecs[:, k], N, p)
        A = U @ X  # directional derivative of the pre-activations
        gW = np.zeros((N, n))
        gv = np.zeros(N)
        if part in ("hessian", "gauss_newton"):
            Jd = (u @ S + np.sum(v[:, None] * D1 * A, axis=0)) / sqN  # J · direction
            gv += S @ Jd
            gW += (v[:, None] * D1) * Jd
        if part in ("hessian", "residual"):
            gv += (D1 * A) @ r
            gW += (u[:, None] * D1 + v[:, None] * D2 * A) * r
        out[:, k] = np.concatenate([(gW @ X.T).ravel(), gv]) / (n * sqN)
    return out


def _check_part(part):
    return V.choice("part", part, _PARTS)


def two_layer_hvp(W, v, X, y, vecs, activation="tanh", *, part="hessian"):
    """Exact Hessian-vector products of the square loss of the two-layer network.

    Parameters
    ----------
    W, v, X, y, activation
        As in :func:`two_layer_loss`.
    vecs : ndarray, shape (P,) or (P, k)
        Directions in parameter space, ordered as :math:`(\\operatorname{vec} W, v)`.
    part : {"hessian", "gauss_newton", "residual"}
        Which matrix multiplies: :math:`H`, :math:`G = J^\\top J/n` or
        :math:`H_1 = H - G = \\frac1n\\sum_i r_i\\nabla^2 f(x_i)`.

    Returns
    -------
    ndarray, the shape of ``vecs``

    Notes
    -----
    Pearlmutter's R-operator written out for this network. For a direction
    :math:`(U, u)` put :math:`A = UX` and :math:`\\delta f = (u^\\top\\sigma(WX) +
    \\mathbf 1^\\top[v\\odot\\sigma'(WX)\\odot A])/\\sqrt N` (that is :math:`J\\cdot(U,u)`). Then,
    up to the factor :math:`1/(n\\sqrt N)`,

    .. math::
        G(U,u) &= \\big([(v\\odot\\sigma')\\,\\mathrm{diag}(\\delta f)]X^\\top,\\ \\sigma\\,\\delta f\\big),\\\\
        H_1(U,u) &= \\big([(u\\odot\\sigma' + v\\odot\\sigma''\\odot A)\\,\\mathrm{diag}(r)]X^\\top,
        \\ (\\sigma'\\odot A)\\,r\\big).

    Each product costs :math:`O(Npn)`, the cost of one gradient (Pearlmutter 1994, *Neural
    Comput.* 6, 147). ``tests/test_hessian.py`` checks them against central finite differences
    of :func:`two_layer_loss`'s gradient and the GGN against :math:`J^\\top J/n`.

    Examples
    --------
    The GGN part is :math:`J^\\top(Jd)/n` (an identity with :func:`two_layer_jacobian`):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W, v, X, y = (rng.standard_normal(s) for s in [(4, 3), 4, (3, 6), 6])
    >>> d = rng.standard_normal(16)
    >>> J = two_layer_jacobian(W, v, X)
    >>> bool(np.allclose(two_layer_hvp(W, v, X, y, d, part="gauss_newton"), J.T @ (J @ d) / 6))
    True
    """
    W, v, X, y = _net(W, v, X, y)
    part = _check_part(part)
    N, p = W.shape
    P = N * (p + 1)
    d = V.finite_real("vecs", vecs)
    if d.ndim not in (1, 2) or d.shape[0] != P:
        raise ValueError(f"vecs must have shape ({P},) or ({P}, k); got {d.shape}")
    if d.size == 0:
        raise ValueError("vecs must not be empty")
    if np.max(np.abs(d)) > _MAX_ENTRY:
        raise ValueError(f"vecs must have entries within ±{_MAX_ENTRY:g}")
    _activation(activation)
    cols = d.reshape(P, -1)
    out = _hvp_cols(W, v, X, y, cols, activation, part)
    return out.reshape(d.shape)


def two_layer_hessian_operator(W, v, X, y, activation="tanh", *, part="hessian"):
    """The Hessian (or its GGN or residual part) as a matrix-free symmetric LinearOperator.

    Parameters
    ----------
    W, v, X, y, activation, part
        As in :func:`two_layer_hvp`.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator
        Shape ``(P, P)``; ``matvec`` and ``matmat`` call :func:`two_layer_hvp`. Feed it to
        :func:`rmtlib.lanczos_top_eigenvalues` or :func:`rmtlib.lanczos_quadrature`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W, v, X, y = (rng.standard_normal(s) for s in [(4, 3), 4, (3, 6), 6])
    >>> H = two_layer_hessian_operator(W, v, X, y)
    >>> H.shape, bool(np.allclose(H @ np.eye(16), (H @ np.eye(16)).T))
    ((16, 16), True)
    """
    W, v, X, y = _net(W, v, X, y)
    part = _check_part(part)
    _activation(activation)
    N, p = W.shape
    P = N * (p + 1)

    def mv(d):
        return _hvp_cols(W, v, X, y, np.asarray(d, float).reshape(P, -1), activation, part)

    return LinearOperator((P, P), matvec=mv, matmat=mv, rmatvec=mv, dtype=float)


def gauss_newton_density(x, n, n_over_p, n_over_N, activation="tanh"):
    """Density of the nonzero eigenvalues of the GGN :math:`G = J^\\top J/n` at initialisation.

    Parameters
    ----------
    x : float or array_like
        Points (eigenvalues of G, of order 1/n).
    n : int >= 1
        Number of samples (G's eigenvalues scale like 1/n).
    n_over_p, n_over_N : float > 0
        :math:`\\gamma_0 = n/p` and :math:`\\gamma_1 = n/N` (Fan–Wang ratios).
    activation : {"tanh", "relu"}

    Returns
    -------
    float or ndarray
        :math:`n\\,\\rho_{\\rm NTK}(nx)`, with :math:`\\rho_{\\rm NTK}` the limit law of
        :math:`JJ^\\top` (:func:`rmtlib.ntk_density` at depth 1, ratios
        :math:`(\\gamma_0, \\gamma_1)`).

    Notes
    -----
    :math:`J^\\top J/n` (P × P) and :math:`JJ^\\top/n` (n × n) have the same nonzero eigenvalues,
    and :math:`JJ^\\top` is the NTK Gram matrix of chapter 11 for unit-norm inputs, N(0, 1)
    weights and a normalised activation. Since :math:`P = N(p+1)\\gg n` in the proportional
    regime, G has :math:`P - n` zero eigenvalues: its full law is
    :math:`(1 - n/P)\\delta_0 + (n/P)\\,\\rho`, with ρ this density (of mass 1). The NTK limit is
    Fan & Wang (2020), Theorem 3.7 (see :func:`rmtlib.ntk_density` for the normalisation).

    Examples
    --------
    Rescaling :func:`rmtlib.ntk_density` (its value 0.2366 at 2.5 for ReLU, γ = (0.5, 0.5)):

    >>> round(gauss_newton_density(2.5 / 100, 100, 0.5, 0.5, "relu") / 100, 4)
    0.2366
    """
    n = V.size("n", n, maximum=10**9)
    g0 = V.positive_scalar("n_over_p", n_over_p)
    g1 = V.positive_scalar("n_over_N", n_over_N)
    for name, g in (("n_over_p", g0), ("n_over_N", g1)):
        if g > 1e6:
            raise ValueError(f"{name} must lie in (0, 1e6]; got {g!r}")
    name = V.choice("activation", activation, ACTIVATIONS_WITH_CURVATURE)
    xs = V.finite_real("x", x)
    out = n * np.asarray(ntk_density(n * np.atleast_1d(xs).astype(float), [g0, g1], name))
    return V.scalar_or_array(out.reshape(np.shape(xs)))


def mp_plus_semicircle_density(x, ratio, semicircle_var, sigma2=1.0):
    """Density of :math:`\\mathrm{MP}_{c,\\sigma^2}\\boxplus\\mathrm{SC}_{s^2}`, Pennington–Bahri's model.

    Parameters
    ----------
    x : float or array_like
        Points.
    ratio : float > 0
        :math:`c` of the Wishart part :math:`H_0 = \\frac{\\sigma^2}{n}ZZ^\\top`, Z a
        :math:`P\\times n` standard Gaussian matrix, :math:`c = P/n` (parameters over samples).
    semicircle_var : float > 0
        Variance :math:`s^2` of the semicircle law of the Wigner part :math:`H_1` (support
        :math:`[-2s, 2s]`).
    sigma2 : float > 0
        Scale of the Wishart part.

    Returns
    -------
    float or ndarray
        The density of the limit law of :math:`H_0 + H_1` for free :math:`H_0, H_1` (e.g.
        :math:`H_1` a GOE matrix independent of :math:`H_0`). It has no atom: the MP atom at 0
        (mass :math:`1 - 1/c` when c > 1) is spread by the semicircle.

    Notes
    -----
    R-transforms add (:func:`rmtlib.mp_r_transform`, :func:`rmtlib.semicircle_r_transform`):
    the Cauchy transform :math:`g = G(z)` solves :math:`z = 1/g + \\sigma^2/(1 - c\\sigma^2 g) +
    s^2 g`, the cubic

    .. math:: s^2c\\sigma^2 g^3 - (c\\sigma^2 z + s^2)g^2 + (z - \\sigma^2 + c\\sigma^2)g - 1 = 0,

    and :math:`\\rho(x) = |\\Im g|/\\pi` for the complex pair of roots at real x (0 where all
    roots are real). Pennington & Bahri (2017, ICML, section 3) model the Hessian at a point of
    loss ε as this sum, with the Wigner variance growing with ε and c the ratio of parameters to
    samples; their index (the fraction of negative eigenvalues) is the mass below 0.

    Examples
    --------
    The mean is σ² and the variance :math:`c\\sigma^4 + s^2` (free cumulants add):

    >>> import numpy as np
    >>> x = np.linspace(-4, 8, 6001)
    >>> rho = mp_plus_semicircle_density(x, 0.5, 0.25)
    >>> [round(float(np.trapezoid(f, x)), 4) for f in (rho, x * rho, (x - 1)**2 * rho)]
    [1.0, 1.0, 0.75]
    """
    xs = V.finite_real("x", x)
    c = V.positive_scalar("ratio", ratio)
    s2 = V.positive_scalar("semicircle_var", semicircle_var)
    sig2 = V.positive_scalar("sigma2", sigma2)
    for name, val in (("ratio", c), ("semicircle_var", s2), ("sigma2", sig2)):
        if not 1e-8 <= val <= 1e8:
            raise ValueError(f"{name} must lie in [1e-8, 1e8]; got {val!r}")
    z = np.ravel(xs).astype(float)
    V.check_allocation((z.size, 3, 3), "the companion matrices", "x")
    a3 = s2 * c * sig2
    comp = np.zeros((z.size, 3, 3))
    comp[:, 0, 0] = (c * sig2 * z + s2) / a3
    comp[:, 0, 1] = -(z - sig2 + c * sig2) / a3
    comp[:, 0, 2] = 1.0 / a3
    comp[:, 1, 0] = comp[:, 2, 1] = 1.0
    roots = np.linalg.eigvals(comp) if z.size else np.zeros((0, 3))
    dens = np.max(np.abs(np.imag(roots)), axis=-1) / np.pi if z.size else np.zeros(0)
    return V.scalar_or_array(dens.reshape(np.shape(xs)))


def class_mean_outliers(means, ratio, proportions=None):
    """Outliers of the Hessian of a linear model on Gaussian-mixture data: class-mean spikes.

    Parameters
    ----------
    means : array_like, shape (K, p)
        Class means :math:`\\mu_a` of data :math:`x = \\mu_a + z`, :math:`z\\sim\\mathcal N(0, I_p)`
        (norms of order 1 as p grows).
    ratio : float > 0
        :math:`c = p/n`.
    proportions : array_like, shape (K,), optional
        Class proportions :math:`\\pi_a` (equal by default).

    Returns
    -------
    ndarray, shape (K,)
        Limits of the K largest eigenvalues of :math:`\\hat C = \\frac1n XX^\\top`, descending:
        :func:`rmtlib.spike_eigenvalue` of the eigenvalues :math:`\\ell_k` of
        :math:`M = \\sum_a\\pi_a\\mu_a\\mu_a^\\top`; those with :math:`\\ell_k\\le\\sqrt c` stick to
        the bulk edge :math:`(1+\\sqrt c)^2`.

    Notes
    -----
    The Hessian of the square loss :math:`\\frac1{2n}\\sum_i\\|\\Theta x_i - y_i\\|^2` of a linear
    model :math:`\\Theta\\in\\mathbb R^{K\\times p}` is :math:`I_K\\otimes\\hat C` whatever the
    targets (it equals its Gauss–Newton matrix), so each outlier below appears K times.
    :math:`X = MJ^\\top + Z` is an information-plus-noise matrix: the signal
    :math:`\\frac1{\\sqrt n}[\\mu_{a(i)}]_i` has squared singular values tending to
    :math:`\\ell_k`, and the outliers of :math:`\\frac1nXX^\\top` are at
    :math:`(1+\\ell)(1 + c/\\ell)` (Benaych-Georges & Nadakuditi 2012, *J. Multivariate Anal.*
    111, section 3.1), the location of the spiked covariance model (chapter 3). Papyan (2020)
    observes the same class-mean structure in the outliers of deep networks' Hessians.

    Examples
    --------
    Two orthogonal means of squared norm 4, equal proportions: ℓ = 2, 2, and
    (1 + 2)(1 + 0.5/2) = 3.75 (closed form):

    >>> import numpy as np
    >>> np.round(class_mean_outliers(2 * np.eye(2, 10), 0.5), 10).tolist()
    [3.75, 3.75]
    """
    mu = V.matrix("means", means)
    if np.max(np.abs(mu)) > 1e100:
        raise ValueError("means must have entries within ±1e100")
    K = mu.shape[0]
    c = V.positive_scalar("ratio", ratio)
    if c > 1e8:
        raise ValueError(f"ratio must lie in (0, 1e8]; got {ratio!r}")
    _, pi = V.spectrum(np.ones(K), proportions, eigs_name="means", weights_name="proportions")
    # The K × K Gram form has the nonzero eigenvalues of M = Σ π_a μ_a μ_aᵀ (p × p).
    sq = np.sqrt(pi)[:, None] * mu
    ell = np.linalg.eigvalsh(sq @ sq.T)
    ell = np.sort(np.maximum(ell, 0.0))[::-1]
    return np.atleast_1d(spike_eigenvalue(ell, c))
