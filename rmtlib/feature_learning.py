"""One large gradient step on the first layer: the spike it creates and the ridge readout after it.

Model (the conventions of :func:`rmtlib.one_step_feature_learning`, chapter 12): inputs
:math:`x` uniform on the unit sphere of :math:`\\mathbb R^p`, first-layer weights
:math:`W_0\\in\\mathbb R^{N\\times p}` with i.i.d. N(0, 1) entries (so every pre-activation
:math:`w_i^\\top x` is N(0, 1)), second layer :math:`a\\in\\{\\pm1\\}^N` fixed, network
:math:`f(x)=a^\\top\\sigma(Wx)/N` with σ normalised (:func:`rmtlib.normalised_activation`:
:math:`E\\sigma(\\xi)=0`, :math:`E\\sigma(\\xi)^2=1`, :math:`\\mu_1=E\\sigma'(\\xi)`), and a
single-index target :math:`y=g(\\sqrt p\\,\\beta_*^\\top x)+\\varepsilon`, g normalised the same
way (:math:`\\mu_1^*=Eg'(\\xi)`), :math:`\\|\\beta_*\\|=1`, noise variance :math:`\\sigma_\\varepsilon^2`.
One gradient step of size η on :math:`\\frac1{2n}\\sum_i(f(x_i)-y_i)^2` over a batch of n samples,
scaled as :math:`W_1=W_0-\\eta N\\sqrt p\\,\\nabla_W`, is, up to a part of vanishing relative
operator norm,

.. math:: W_1\\simeq W_0+\\eta\\,\\mu_1\\,a\\,g^\\top,\\qquad g=\\frac{\\sqrt p}{n}Xy,\\qquad
          \\|g\\|^2\\to(\\mu_1^*)^2+\\frac pn\\,(1+\\sigma_\\varepsilon^2)

(the rank-one approximation of the first gradient, Ba et al. 2022, Section 3): a rank-one spike on a Gaussian matrix. This is the step size
scale :math:`\\eta=\\Theta(1)` of Ba et al. (their "small" learning rate, where the spike and the
bulk of :math:`W_1` have comparable operator norms). The module gives

- the spike's strength, the top singular value of :math:`W_1` and the alignment of its top right
  singular vector with :math:`\\beta_*` (:func:`one_step_spike`, through the BBP formulas of
  :mod:`rmtlib.spiked`);
- the test error of a ridge readout trained on the features :math:`\\sigma(Wx)` on a fresh
  batch, given the first-layer weights, through the Gaussian equivalent of the features and the
  anisotropic ridge equivalent of :mod:`rmtlib.anisotropic_ridge` (:func:`readout_risk`); at
  η = 0 it is the random-features risk of :func:`rmtlib.mei_montanari_risk`;
- the deterministic-equivalent weights :func:`spiked_step_weights` (the spike without the
  gradient's noise) and the simulator :func:`simulate_one_step` (the actual step and the actual
  ridge fit).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._features import bounded_entries
from ._two_layer import gradient_step, named_activation
from .anisotropic_ridge import anisotropic_ridge_risk
from .sim import sphere_data
from .spiked import spike_alignment, spike_eigenvalue

__all__ = [
    "OneStepSpike",
    "one_step_spike",
    "spiked_step_weights",
    "ReadoutRisk",
    "readout_risk",
    "OneStepSample",
    "simulate_one_step",
]

#: Largest step of the formulas and the simulator: beyond, the spike (norm ≈ η μ₁ √N) overflows
#: the features long before any asymptotic statement applies.
MAX_STEP = 1e6
#: Largest label-noise variance accepted.
MAX_NOISE_VAR = 1e12
#: Largest ratio p/N or p/n accepted by the closed forms.
MAX_RATIO = 1e6


def _ratio(name, value):
    arr = V.positive(name, value)
    if np.any(arr > MAX_RATIO):
        raise ValueError(f"{name} must lie in (0, {MAX_RATIO:g}]; got {np.max(arr):.3g}")
    return arr


def _noise_var(noise_var):
    return float(V.in_range("noise_var", V.scalar("noise_var", noise_var), 0.0, MAX_NOISE_VAR))


class OneStepSpike(NamedTuple):
    """Limits of :func:`one_step_spike` (each broadcast over ``step``).

    Attributes
    ----------
    strength : float or ndarray
        θ = η μ₁ ‖g‖: operator norm of the rank-one part of :math:`W_1/\\sqrt N`.
    direction_alignment : float
        :math:`(g^\\top\\beta_*)^2/\\|g\\|^2`: how well the gradient's direction points at β*.
    threshold : float
        Step η at which θ reaches the BBP threshold :math:`(p/N)^{1/4}`.
    top_eigenvalue : float or ndarray
        Limit of the largest eigenvalue of :math:`W_1^\\top W_1/N` (the bulk edge
        :math:`(1+\\sqrt{p/N})^2` below the threshold).
    singular_alignment : float or ndarray
        :math:`(v_1^\\top\\hat g)^2` for the top right singular vector :math:`v_1` of :math:`W_1`.
    weight_alignment : float or ndarray
        :math:`(v_1^\\top\\beta_*)^2`, the product of the two alignments above.
    """

    strength: np.ndarray | float
    direction_alignment: float
    threshold: float
    top_eigenvalue: np.ndarray | float
    singular_alignment: np.ndarray | float
    weight_alignment: np.ndarray | float


def _direction(ratio, target, noise_var):
    """(μ₁*)² and ‖g‖² = (μ₁*)² + (p/n)(1 + σ_ε²)."""
    mu_star = named_activation("target", target).b
    return mu_star**2, mu_star**2 + ratio * (1.0 + noise_var)


def one_step_spike(step, ratio, p_over_N, activation="relu", target="tanh", noise_var=0.01):
    """Spike of the first-layer weights after one large gradient step, and its alignment with β*.

    Parameters
    ----------
    step : float or array_like, in [0, 1e6]
        Step size η (scaled as in the module docstring; η = 0 leaves :math:`W_0`).
    ratio : float, in (0, 1e6]
        :math:`c=p/n`, input dimension over the batch size of the gradient step.
    p_over_N : float, in (0, 1e6]
        Input dimension over width.
    activation, target : str or callable
        Hidden activation σ and link g, both normalised (:func:`rmtlib.normalised_activation`).
    noise_var : float, in [0, 1e12]
        Label-noise variance :math:`\\sigma_\\varepsilon^2`.

    Returns
    -------
    OneStepSpike

    Notes
    -----
    The columns of :math:`W_1^\\top` are :math:`w_i+\\eta\\mu_1a_ig`, i.i.d. given g, with
    covariance :math:`I_p+\\theta^2\\hat g\\hat g^\\top`, θ = η μ₁ ‖g‖: :math:`W_1^\\top W_1/N` is a
    spiked sample covariance with ratio p/N and spike :math:`\\ell=\\theta^2`
    (:func:`rmtlib.spike_eigenvalue`, :func:`rmtlib.spike_alignment`). Above the threshold
    :math:`\\theta^4>p/N`,

    .. math:: \\lambda_1\\to\\frac{(1+\\theta^2)(\\theta^2+p/N)}{\\theta^2},\\qquad
              (v_1^\\top\\beta_*)^2\\to\\frac{\\theta^4-p/N}{\\theta^2(\\theta^2+p/N)}\\cdot
              \\frac{(\\mu_1^*)^2}{(\\mu_1^*)^2+\\frac pn(1+\\sigma_\\varepsilon^2)},

    the first factor being the rectangular BBP alignment of Benaych-Georges & Nadakuditi (2012)
    and the second the alignment of :math:`g=\\sqrt p\\,Xy/n` with β*; the component of
    :math:`v_1` orthogonal to ĝ is uniformly spread and meets β* only at order 1/p.

    References
    ----------
    J. Ba, M. A. Erdogdu, T. Suzuki, Z. Wang, D. Wu, G. Yang, "High-dimensional asymptotics of
    feature learning: how one gradient step improves the representation", NeurIPS 2022,
    Section 3 (the rank-one approximation of the first gradient, step η = Θ(1));
    F. Benaych-Georges, R. R. Nadakuditi, J. Multivariate Anal. 111 (2012), Section 3.1.

    See Also
    --------
    simulate_one_step : the seeded simulation it is compared with.
    rmtlib.one_step_feature_learning : chapter 12's simulator of the same step.

    Examples
    --------
    With ``ratio = p_over_N = 1/2`` and linear σ, g (μ₁ = μ₁* = 1, σ_ε = 0): ‖g‖² = 3/2; at
    η = 2, θ² = 6, and the closed forms give λ₁ = 7 · 6.5 / 6 and the alignment
    (36 − 0.5)/(6 · 6.5) · (1/1.5):

    >>> s = one_step_spike(2.0, 0.5, 0.5, "linear", "linear", 0.0)
    >>> round(float(s.top_eigenvalue), 6), round(7 * 6.5 / 6, 6)
    (7.583333, 7.583333)
    >>> round(float(s.weight_alignment), 6), round(35.5 / 39 / 1.5, 6)
    (0.606838, 0.606838)
    """
    eta = _steps(step)
    c = float(_ratio("ratio", V.scalar("ratio", ratio)))
    q = float(_ratio("p_over_N", V.scalar("p_over_N", p_over_N)))
    s2 = _noise_var(noise_var)
    mu1 = named_activation("activation", activation).b
    signal, g2 = _direction(c, target, s2)
    theta = eta * abs(mu1) * np.sqrt(g2)
    ell = theta**2
    align_v = spike_alignment(ell, q)
    cos2 = signal / g2
    threshold = np.inf if mu1 == 0 else q**0.25 / (abs(mu1) * np.sqrt(g2))
    return OneStepSpike(
        V.scalar_or_array(theta),
        float(cos2),
        float(threshold),
        V.scalar_or_array(spike_eigenvalue(ell, q)),
        V.scalar_or_array(align_v),
        V.scalar_or_array(np.asarray(align_v) * cos2),
    )


#: Largest entry of the weights, second layer and target direction: squares must stay finite.
MAX_ENTRY = 1e100


def _steps(step):
    eta = V.in_range("step", V.nonnegative("step", step), 0.0, MAX_STEP)
    if np.size(eta) == 0:
        raise ValueError("step must contain at least one value")
    return eta


def _lams(lam):
    lam = V.nonnegative("lam", lam)
    if np.size(lam) == 0:
        raise ValueError("lam must contain at least one value")
    return lam


def _weights(name, W):
    W = bounded_entries(name, V.matrix(name, W), MAX_ENTRY)
    if W.shape[0] < 1 or W.shape[1] < 2:
        raise ValueError(f"{name} must have shape (N, p) with p >= 2; got {W.shape}")
    return W


def _unit(name, v, p):
    v = bounded_entries(name, V.vector(name, v, length=p), MAX_ENTRY)
    norm = float(np.linalg.norm(v))
    if not norm > 0:
        raise ValueError(f"{name} must be a nonzero vector")
    return v / norm


def spiked_step_weights(
    weights,
    second_layer,
    beta,
    step,
    ratio,
    activation="relu",
    target="tanh",
    noise_var=0.01,
    *,
    rng,
):
    """The deterministic equivalent :math:`W_0+\\eta\\mu_1a\\bar g^\\top` of one gradient step.

    Parameters
    ----------
    weights : ndarray, shape (N, p)
        Initial weights :math:`W_0` (i.i.d. N(0, 1) in the model).
    second_layer : ndarray, shape (N,)
        The fixed second layer a.
    beta : ndarray, shape (p,)
        Target direction β* (normalised here).
    step : float, in [0, 1e6]
    ratio, activation, target, noise_var
        As in :func:`one_step_spike`.
    rng : Generator or int
        Draws the direction of the noise part of :math:`\\bar g`.

    Returns
    -------
    ndarray, shape (N, p)

    Notes
    -----
    :math:`\\bar g=\\mu_1^*\\beta_*+\\sqrt{\\tfrac pn(1+\\sigma_\\varepsilon^2)}\\,e` with e a uniform
    unit vector orthogonal to β*: the limit of :math:`g=\\sqrt p\\,Xy/n` in norm and in its angle
    to β* (the direction of its noise part is uniform given β*). The bulk part of the gradient,
    of relative operator norm :math:`O(n^{-1/2})`, is dropped (Ba et al. 2022, Section 3).

    Examples
    --------
    >>> W0, a, b = np.zeros((3, 4)), np.ones(3), np.eye(4)[0]
    >>> W = spiked_step_weights(W0, a, b, 1.0, 1e-12, "linear", "linear", 0.0, rng=0)
    >>> (np.round(W[0], 3) + 0.0).tolist()   # μ₁ = μ₁* = 1, p/n → 0: every row becomes β*
    [1.0, 0.0, 0.0, 0.0]
    """
    W0 = _weights("weights", weights)
    N, p = W0.shape
    a = bounded_entries("second_layer", V.vector("second_layer", second_layer, length=N), MAX_ENTRY)
    b = _unit("beta", beta, p)
    eta = float(V.in_range("step", V.scalar("step", step), 0.0, MAX_STEP))
    c = float(_ratio("ratio", V.scalar("ratio", ratio)))
    s2 = _noise_var(noise_var)
    mu1 = named_activation("activation", activation).b
    mu_star = named_activation("target", target).b
    gen = V.rng(rng)
    e = gen.standard_normal(p)
    e -= (e @ b) * b
    e /= np.linalg.norm(e)
    g = mu_star * b + np.sqrt(c * (1.0 + s2)) * e
    return W0 + eta * mu1 * np.outer(a, g)


class ReadoutRisk(NamedTuple):
    """Result of :func:`readout_risk` (broadcast over ``lam``).

    Attributes
    ----------
    test_mse : float or ndarray
        :math:`E(y-\\hat f(x))^2` on a fresh point, label noise included.
    excess_risk : float or ndarray
        ``test_mse`` minus the label-noise variance.
    linear_floor : float
        The test error of the best predictor linear in the features' Gaussian equivalent,
        :math:`1+\\sigma_\\varepsilon^2-c^\\top\\Sigma^{-1}c` (the floor of the readout as n → ∞, λ → 0).
    """

    test_mse: np.ndarray | float
    excess_risk: np.ndarray | float
    linear_floor: float


def readout_risk(weights, beta, n, lam, activation="relu", target="tanh", noise_var=0.01):
    """Deterministic equivalent of the test error of a ridge readout on the features σ(Wx).

    Parameters
    ----------
    weights : ndarray, shape (N, p)
        First-layer weights W (after the step, or :math:`W_0`); independent of the readout's data.
    beta : ndarray, shape (p,)
        Target direction β* (normalised here).
    n : float > 0
        Number of samples of the readout (fresh: not the batch of the gradient step).
    lam : float or array_like, >= 0
        Ridge λ in Mei–Montanari's normalisation: the readout minimises
        :math:`\\frac1n\\sum_i(y_i-a^\\top\\sigma(Wx_i))^2+\\frac{N\\lambda}p\\|a\\|^2`.
    activation, target, noise_var
        As in :func:`one_step_spike`.

    Returns
    -------
    ReadoutRisk

    Notes
    -----
    Gaussian equivalent of the features :math:`\\phi(x)=\\sigma(Wx)/\\sqrt N` (Mei & Montanari 2022;
    Hu & Lu 2023; Ba et al. 2022, Section 3, for W after a step with η = Θ(1)):
    :math:`\\phi\\simeq\\mu_1Wx/\\sqrt N+\\sqrt{1-\\mu_1^2}\\,z/\\sqrt N`, z ~ N(0, I_N) independent,
    so that

    .. math:: \\Sigma=\\frac{\\mu_1^2}{Np}WW^\\top+\\frac{1-\\mu_1^2}N I_N,\\qquad
              c=E[\\phi y]=\\frac{\\mu_1\\mu_1^*}{\\sqrt{Np}}W\\beta_*.

    The readout is ridge regression on covariates with covariance Σ, target coefficients
    :math:`b=\\Sigma^{-1}c` and independent noise of variance
    :math:`1+\\sigma_\\varepsilon^2-c^\\top\\Sigma^{-1}c` (the nonlinear part of g acts as noise),
    whose deterministic equivalent is :func:`rmtlib.anisotropic_ridge_risk` at penalty λ/p.
    The randomness of the readout's data is averaged; W enters through its singular values and
    the overlaps of its singular vectors with β*. For W with i.i.d. N(0, 1) entries this is,
    up to :math:`O(p^{-1/2})` fluctuations of W, the random-features risk
    :func:`rmtlib.mei_montanari_risk` at ψ₁ = N/p, ψ₂ = n/p, :math:`F_1^2=(\\mu_1^*)^2`,
    :math:`F_\\star^2=1-(\\mu_1^*)^2`.

    References
    ----------
    S. Mei, A. Montanari, Comm. Pure Appl. Math. 75 (2022); H. Hu, Y. M. Lu, IEEE Trans. Inf.
    Theory 69 (2023) (Gaussian equivalence); Ba et al., NeurIPS 2022, Section 3;
    T. Hastie et al., Ann. Statist. 50 (2022), Theorem 5 (anisotropic ridge).

    See Also
    --------
    rmtlib.mei_montanari_risk : the η = 0 limit, averaged over W.
    simulate_one_step : the actual ridge fit it is compared with.

    Examples
    --------
    Linear σ with W = √p·I (N = p) makes the features x itself; with g linear the readout is
    isotropic ridge regression, :func:`rmtlib.ridge_risk` at p/n = 1/2 and λ/p:

    >>> import rmtlib as rmt
    >>> p = 200
    >>> r = readout_risk(np.sqrt(p) * np.eye(p), np.eye(p)[0], 2 * p, p / p, "linear", "linear", 1.0)
    >>> round(float(r.excess_risk), 6), round(float(rmt.ridge_risk(0.5, 1.0).excess_risk), 6)
    (0.455214, 0.455214)
    """
    W = _weights("weights", weights)
    N, p = W.shape
    V.check_allocation([(N, p)] * 3 + [(N, N)], "the SVD of the weights", "weights")
    b = _unit("beta", beta, p)
    n = float(V.positive_scalar("n", n))
    lam = _lams(lam)
    s2 = _noise_var(noise_var)
    act = named_activation("activation", activation)
    mu_star = named_activation("target", target).b
    mu1 = act.b
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    # Σ is diagonal in the left singular basis of W; the N − rank(W) remaining eigenvalues
    # (1 − μ₁²)/N carry no target energy and enter only the degrees of freedom.
    t = (mu1**2 * s**2 / p + (1 - mu1**2)) / N
    rest = N - s.size
    t_all = np.concatenate([t, np.full(rest, (1 - mu1**2) / N)])
    if not np.all(t_all > 0):
        raise ValueError("activation: σ is linear and W is rank deficient: Σ is singular")
    ck = mu1 * mu_star * s * (Vt @ b) / np.sqrt(N * p)
    energy = np.concatenate([(ck / t) ** 2, np.zeros(rest)])
    explained = float(np.sum(ck**2 / t))
    floor = max(1.0 + s2 - explained, 0.0)
    r = anisotropic_ridge_risk(n, t_all, energy, lam / p, floor)
    test = np.asarray(r.excess_risk) + floor
    return ReadoutRisk(V.scalar_or_array(test), V.scalar_or_array(test - s2), floor)


class OneStepSample(NamedTuple):
    """Result of :func:`simulate_one_step`: one network, one value per step size.

    Attributes
    ----------
    weights : ndarray, shape (N, p)
        The initial weights :math:`W_0`.
    second_layer : ndarray, shape (N,)
    beta : ndarray, shape (p,)
    steps : ndarray
        The step sizes η.
    weights_after : ndarray, shape (len(steps), N, p)
        The updated weights :math:`W_1`, one per step.
    top_eigenvalue : ndarray
        Largest eigenvalue of :math:`W_1^\\top W_1/N`, one per step.
    weight_alignment : ndarray
        :math:`(v_1^\\top\\beta_*)^2`, one per step.
    test_mse : ndarray, shape (len(steps), len(lam))
        Test error of the ridge readout fitted on a fresh batch.
    """

    weights: np.ndarray
    second_layer: np.ndarray
    beta: np.ndarray
    steps: np.ndarray
    weights_after: np.ndarray
    top_eigenvalue: np.ndarray
    weight_alignment: np.ndarray
    test_mse: np.ndarray


def _ridge_test(W, act, X, y, Xt, yt, lam):
    """Test MSE of ridge on σ(WX), penalty (Nλ/p)‖a‖², for each λ (one SVD for all)."""
    N, p = W.shape
    n = X.shape[1]
    F = act.fn(W @ X) / np.sqrt(N)
    Ft = act.fn(W @ Xt) / np.sqrt(N)
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    proj = Vt @ y / n
    s2n = s**2 / n
    pred_basis = Ft.T @ U
    out = []
    for lp in lam / p:
        # λ = 0: the minimum-norm interpolator, the λ → 0 limit (directions of F's kernel dropped)
        keep = s2n + lp > 1e-12 * s2n[0]
        coef = np.where(keep, s * proj / np.where(keep, s2n + lp, 1.0), 0.0)
        out.append(np.mean((yt - pred_basis @ coef) ** 2))
    return np.array(out)


def simulate_one_step(
    step,
    n=400,
    p=200,
    N=400,
    activation="relu",
    *,
    rng,
    target="tanh",
    noise_var=0.01,
    lam=0.1,
    n_readout=None,
    n_test=2000,
    n_draws=1,
    n_steps=1,
):
    """Take one gradient step of each size on one network, then fit and test a ridge readout.

    Parameters
    ----------
    step : float or array_like, in [0, 1e6]
        Step sizes η; every step starts from the same :math:`W_0`, batch and readout data.
    n, p, N : int >= 2
        Batch size of the gradient step, input dimension, width.
    activation, target, noise_var
        As in :func:`one_step_spike`.
    rng : Generator or int
    lam : float or array_like, >= 0
        Ridge λ of the readout (normalisation of :func:`readout_risk`).
    n_readout : int, optional
        Fresh samples for the readout (default ``n``).
    n_test : int
        Fresh test points.
    n_draws : int
        Independent readout batches and test sets per step (their test errors are averaged).
    n_steps : int, in [1, 100]
        Gradient steps of size η taken one after the other, each on a fresh batch of n samples
        (online gradient descent on the first layer, second layer fixed). The formulas of this
        module describe ``n_steps = 1`` only.

    Returns
    -------
    OneStepSample

    Notes
    -----
    The step is the one of :func:`rmtlib.one_step_feature_learning` (same model, same scaling),
    with :math:`f_0` kept in the residual. The readout is fitted on data independent of the
    step's batch (sample splitting, as in Ba et al. 2022 and Moniri et al. 2023), so that
    :func:`readout_risk` applies given :math:`W_1`.

    Examples
    --------
    >>> s = simulate_one_step([0.0, 1.0], 60, 30, 60, rng=0, n_test=100)
    >>> s.test_mse.shape, bool(s.weight_alignment[1] > s.weight_alignment[0])
    ((2, 1), True)
    """
    steps = np.atleast_1d(_steps(step))
    if steps.ndim != 1:
        raise ValueError(f"step must be a scalar or a 1-d array; got shape {steps.shape}")
    n = V.size("n", n, minimum=2)
    p = V.size("p", p, minimum=2)
    N = V.size("N", N, minimum=2)
    n_r = n if n_readout is None else V.size("n_readout", n_readout, minimum=2)
    n_test = V.size("n_test", n_test, minimum=1)
    n_draws = V.size("n_draws", n_draws)
    n_steps = V.integer("n_steps", n_steps, minimum=1, maximum=100)
    lam = np.atleast_1d(_lams(lam))
    if lam.ndim != 1:
        raise ValueError(f"lam must be a scalar or a 1-d array; got shape {lam.shape}")
    s2 = _noise_var(noise_var)
    V.check_allocation(
        [(p, n_steps * n + n_draws * (n_r + n_test)), (N, p)] * 2
        + [(steps.size, N, p)]
        + [(N, max(n, n_r, n_test))] * 4,
        "the inputs, weights and feature matrices",
        "n, p, N, n_readout, n_test, n_draws, n_steps",
    )
    act = named_activation("activation", activation)
    tgt = named_activation("target", target)
    if act.derivative is None:
        raise ValueError(f"activation {activation!r} needs a derivative for the gradient step")
    gen = V.rng(rng)

    def sphere(m):
        return sphere_data(p, m, rng=gen)

    def labels(Xs, noisy=True):
        y = tgt.fn(np.sqrt(p) * beta @ Xs)
        return y + np.sqrt(s2) * gen.standard_normal(Xs.shape[1]) if noisy else y

    beta = gen.standard_normal(p)
    beta /= np.linalg.norm(beta)
    W0 = gen.standard_normal((N, p))
    a = gen.choice([-1.0, 1.0], size=N)
    batches = [sphere(n) for _ in range(n_steps)]
    batches = [(X, labels(X)) for X in batches]
    readouts = []
    for _ in range(n_draws):
        Xr, Xt = sphere(n_r), sphere(n_test)
        readouts.append((Xr, labels(Xr), Xt, labels(Xt)))
    after, tops, aligns, tests = [], [], [], []
    for eta in steps:
        W1 = W0
        for X, y in batches:
            W1 = gradient_step(W1, a, X, y, act, float(eta))
        if not np.all(np.isfinite(W1)):
            raise ValueError("step: the updated weights are not finite; lower step")
        _, sv, Vt = np.linalg.svd(W1, full_matrices=False)
        after.append(W1)
        tops.append(sv[0] ** 2 / N)
        aligns.append(float(Vt[0] @ beta) ** 2)
        tests.append(np.mean([_ridge_test(W1, act, *r, lam) for r in readouts], axis=0))
    return OneStepSample(
        W0, a, beta, steps, np.array(after), np.array(tops), np.array(aligns), np.array(tests)
    )
