"""rmtlib.trained: the training loop, the layer spectrum at initialisation, the spike reading.

Each formula is checked twice: against an independent computation (finite differences, a direct
eigen-decomposition, the BBP map of rmtlib.spiked, a least-squares projection) and against a
seeded simulation at a size where the stated tolerance means something.
"""

from __future__ import annotations

import numpy as np
import pytest

import rmtlib as rmt


def _tiny_problem(seed=0):
    gen = np.random.default_rng(seed)
    Ws = rmt.mlp_init((7, 6, 5, 3), rng=gen)
    X = gen.standard_normal((7, 11))
    y = gen.integers(0, 3, 11)
    return Ws, X, y


def test_gradient_matches_central_finite_differences():
    # Central differences have O(h^2) error and O(eps/h) round-off: at h = 1e-5 both are below
    # 1e-8 relative; ReLU kinks are crossed with probability ~ h, so a generic draw avoids them.
    Ws, X, y = _tiny_problem()
    _, grads = rmt.mlp_loss_grad(Ws, X, y)
    h = 1e-5
    for layer, W in enumerate(Ws):
        fd = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            plus = [w.copy() for w in Ws]
            minus = [w.copy() for w in Ws]
            plus[layer][idx] += h
            minus[layer][idx] -= h
            fd[idx] = (rmt.mlp_loss_grad(plus, X, y)[0] - rmt.mlp_loss_grad(minus, X, y)[0]) / (
                2 * h
            )
        assert np.allclose(grads[layer], fd, rtol=1e-6, atol=1e-9), layer


def test_loss_is_the_mean_negative_log_softmax():
    Ws, X, y = _tiny_problem(1)
    logits = Ws[2] @ np.maximum(Ws[1] @ np.maximum(Ws[0] @ X, 0), 0)
    p = np.exp(logits) / np.exp(logits).sum(0)
    direct = -np.mean(np.log(p[y, np.arange(X.shape[1])]))
    assert rmt.mlp_loss_grad(Ws, X, y)[0] == pytest.approx(direct, rel=1e-12)
    assert np.array_equal(rmt.mlp_predict(Ws, X), np.argmax(logits, 0))


def test_one_full_batch_epoch_is_one_gradient_step():
    # Reconstructs the run from its seed: the initialisation is the first draw of the generator.
    X, y = rmt.gaussian_mixture(10, 40, [[2] + [0] * 9, [-2] + [0] * 9], rng=3)
    run = rmt.train_mlp(X, y, (10, 8, 2), step=0.3, batch_size=40, n_epochs=1, rng=5)
    W0 = rmt.mlp_init((10, 8, 2), rng=np.random.default_rng(5))
    _, g = rmt.mlp_loss_grad(W0, X, y)
    for Wi, W in zip(run.snapshots[0], W0):
        assert np.array_equal(Wi, W)
    for Wt, W, gi in zip(run.snapshots[1], W0, g):
        assert np.allclose(Wt, W - 0.3 * gi, rtol=0, atol=1e-12)


def test_training_is_a_function_of_its_seed_and_learns():
    X, y = rmt.gaussian_mixture(20, 400, [[2] + [0] * 19, [-2] + [0] * 19], rng=1)
    Xt, yt = rmt.gaussian_mixture(20, 2000, [[2] + [0] * 19, [-2] + [0] * 19], rng=2)
    kw = dict(step=0.1, batch_size=20, n_epochs=4, snapshot_epochs=(0, 2, 4), X_test=Xt, y_test=yt)
    a = rmt.train_mlp(X, y, (20, 32, 2), rng=7, **kw)
    b = rmt.train_mlp(X, y, (20, 32, 2), rng=7, **kw)
    assert a.epochs == (0, 2, 4)
    assert all(np.array_equal(u, v) for s, t in zip(a.snapshots, b.snapshots) for u, v in zip(s, t))
    # Bayes accuracy Phi(2) = 0.977; 2000 test points give a standard error of 0.004.
    assert a.test_accuracy[0] < 0.9 < 0.95 < a.test_accuracy[-1]
    assert a.train_loss[-1] < a.train_loss[0]


def test_divergence_is_reported_naming_step():
    # Inputs of scale 30 and step 5: the logits overflow within the first epoch.
    X, y = rmt.gaussian_mixture(20, 200, [[2] + [0] * 19, [-2] + [0] * 19], rng=1)
    with pytest.raises(ValueError, match="reduce step"):
        rmt.train_mlp(X * 30, y, (20, 256, 256, 2), step=5.0, batch_size=4, n_epochs=2, rng=0)


def test_layer_spectrum_is_the_gram_spectrum_in_both_orientations():
    gen = np.random.default_rng(4)
    W = gen.standard_normal((30, 12)) * 0.3
    ev, c = rmt.layer_spectrum(W, 0.09)
    direct = np.linalg.eigvalsh(W.T @ W / (30 * 0.09))
    assert c == pytest.approx(12 / 30)
    assert np.allclose(ev, direct, rtol=1e-10)
    ev_t, c_t = rmt.layer_spectrum(W.T, 0.09)
    assert c_t == c and np.allclose(ev_t, ev, rtol=1e-10)


def test_he_initialised_layer_is_marchenko_pastur():
    # At p = 500 the Kolmogorov distance of a Gaussian Gram spectrum to MP is O(log p / p); 0.02 is
    # several times the typical value. Two independent CDFs: the exact mp_cdf and a trapezoid
    # integral of mp_density.
    W = rmt.mlp_init((500, 1000), rng=11)[0]
    ev, c = rmt.layer_spectrum(W, 2 / 500)
    assert c == 0.5
    assert rmt.mp_ks_distance(ev, c) < 0.02
    a, b = rmt.mp_edges(c)
    x = np.linspace(a, b, 20001)
    assert rmt.kolmogorov_distance(ev, x, rmt.mp_density(x, c)) < 0.02


def test_spike_strength_estimate_inverts_the_bbp_map():
    c = 0.3
    ells = np.linspace(0.6, 20, 40)
    lam = rmt.spike_eigenvalue(ells, c)
    assert np.allclose(rmt.spike_strength_estimate(lam, c), ells, rtol=1e-10)
    with pytest.raises(ValueError, match="eig"):  # inside the bulk (edge 2.395)
        rmt.spike_strength_estimate(2.0, c)


def test_spike_strength_estimate_on_simulated_spikes():
    # p = 500, n = 2000: the outlier fluctuates at O(n^{-1/2}) ~ 0.03, so ell is recovered
    # within 0.15 on each of three seeds.
    for seed in range(3):
        s = rmt.simulate_spikes(500, 2000, [2.0], rng=seed)
        assert abs(rmt.spike_strength_estimate(s.eigenvalues[0], 0.25) - 2.0) < 0.15


def test_class_mean_alignment_is_a_projection():
    gen = np.random.default_rng(8)
    H = gen.standard_normal((15, 60))
    y = np.repeat(np.arange(3), 20)
    W = gen.standard_normal((9, 15))
    means = np.stack([H[:, y == a].mean(1) - H.mean(1) for a in range(3)], 1)
    v = np.linalg.svd(W)[2][:2]
    coef, *_ = np.linalg.lstsq(means, v.T, rcond=None)
    direct = np.sum((means @ coef) ** 2, axis=0)
    assert np.allclose(rmt.class_mean_alignment(W, H, y, k=2), direct, rtol=1e-10)


def test_class_mean_alignment_of_a_spiked_layer_matches_bbp():
    # Rows of W are n = 1600 samples of N(0, I + ell u u^T) in p = 400 dimensions (c = 1/4),
    # u = the class-mean axis. The alignment fluctuates at O(p^{-1/2}); 0.05 covers it.
    gen = np.random.default_rng(9)
    p, n, ell = 400, 1600, 1.5
    Z = gen.standard_normal((n, p))
    Z[:, 0] *= np.sqrt(1 + ell)
    means = np.zeros((p, 2))
    means[0] = [1.0, -1.0]
    measured = rmt.class_mean_alignment(Z, means, np.arange(2))[0]
    assert abs(measured - rmt.spike_alignment(ell, p / n)) < 0.05


@pytest.mark.slow
def test_digits_split_is_standardised_and_disjoint():
    Xtr, ytr, Xte, yte = rmt.digits_split(0.25, rng=3)
    assert Xtr.shape[1] + Xte.shape[1] == 1797 and Xte.shape[1] == 449
    assert np.allclose(Xtr.mean(1), 0, atol=1e-12)
    sd = Xtr.std(1)
    assert np.all((np.abs(sd - 1) < 1e-12) | (sd == 0))
    a, b = rmt.digits_split(0.25, rng=3)[0], rmt.digits_split(0.25, rng=4)[0]
    assert not np.array_equal(a, b)
