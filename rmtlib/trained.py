"""Trained weights: a seeded multilayer perceptron with weight snapshots, and its layer spectra.

Part V of the book follows the spectrum of each weight matrix of a small network from its
random initialisation (where it is a Marchenko–Pastur law, chapter 1) through training (where
outliers and, sometimes, heavy tails appear). This module holds what that needs and nothing more:

- :func:`digits_split` — the handwritten-digits data bundled with scikit-learn (no download),
  standardised and split with a seed;
- :func:`mlp_init`, :func:`mlp_loss_grad`, :func:`mlp_predict`, :func:`mlp_activations` and
  :func:`train_mlp` — a bias-free ReLU network with a softmax cross-entropy loss, trained by plain
  minibatch SGD, every random draw from one seed, snapshots of all weights at chosen epochs;
- :func:`layer_spectrum` — the eigenvalues of a weight matrix in the normalisation in which its
  initial spectrum is the Marchenko–Pastur law of ratio ``min/max`` of its shape and variance 1;
- :func:`spike_strength_estimate` and :func:`class_mean_alignment` — the reading of an outlier in
  chapter 3's spiked-covariance (BBP) picture, and the overlap of singular vectors with the
  class structure.

Conventions: data matrices are ``p × n`` with samples as columns (as in :mod:`rmtlib.sim`); a
network of widths ``(d_0, d_1, ..., d_L)`` has weights ``W_l`` of shape ``d_{l+1} × d_l``, hidden
activations ``relu(W_l h_l)`` and logits ``W_{L-1} h_{L-1}``. Initialisation is Gaussian with
variance ``2 / d_l`` (He et al., ICCV 2015) for every layer, so that at initialisation the entries
are exactly i.i.d. Gaussian and chapter 1's law applies with no appeal to universality.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V

__all__ = [
    "digits_split",
    "mlp_init",
    "mlp_loss_grad",
    "mlp_predict",
    "mlp_activations",
    "TrainingRun",
    "train_mlp",
    "layer_spectrum",
    "spike_strength_estimate",
    "class_mean_alignment",
]

#: Snapshots and a run's arrays are refused above this many stored weights (about 400 MB).
_MAX_STORED = 50_000_000


def digits_split(test_fraction=1 / 3, *, rng):
    """The bundled 8×8 handwritten digits, standardised per pixel, split into train and test.

    Parameters
    ----------
    test_fraction : float, in (0, 1)
        Fraction of the 1797 images held out, drawn by a seeded permutation.
    rng : numpy.random.Generator or int

    Returns
    -------
    X_train : ndarray, shape (64, n_train)
    y_train : ndarray of int, shape (n_train,)
    X_test : ndarray, shape (64, n_test)
    y_test : ndarray of int, shape (n_test,)

    Notes
    -----
    The data are :func:`sklearn.datasets.load_digits` (1797 images of 10 classes, shipped with
    scikit-learn: nothing is downloaded; Alpaydin & Kaynak, UCI repository, 1998). Each pixel is
    centred and scaled by the mean and standard deviation of the *training* images; a pixel that
    is constant on the training set is only centred.

    Examples
    --------
    >>> Xtr, ytr, Xte, yte = digits_split(rng=0)
    >>> Xtr.shape, Xte.shape, len(set(ytr.tolist()))   # 1797 = 1198 + 599 images, 10 classes
    ((64, 1198), (64, 599), 10)
    """
    frac = float(
        V.in_range(
            "test_fraction",
            V.scalar("test_fraction", test_fraction),
            0,
            1,
            low_open=True,
            high_open=True,
        )
    )
    gen = V.rng(rng)
    from sklearn.datasets import load_digits  # an optional dependency, needed only here

    data = load_digits()
    X, y = data.data.astype(float), data.target.astype(int)
    perm = gen.permutation(len(y))
    n_test = int(round(frac * len(y)))
    if not 0 < n_test < len(y):
        raise ValueError(f"test_fraction leaves an empty train or test set; got {test_fraction}")
    test, train = perm[:n_test], perm[n_test:]
    mean, sd = X[train].mean(0), X[train].std(0)
    sd[sd == 0] = 1.0
    Z = (X - mean) / sd
    return Z[train].T.copy(), y[train], Z[test].T.copy(), y[test]


def _widths(widths):
    if not isinstance(widths, (list, tuple, np.ndarray)):
        raise TypeError(f"widths must be a sequence of layer widths; got {widths!r}")
    w = tuple(V.size(f"widths[{i}]", d) for i, d in enumerate(widths))
    if len(w) < 2:
        raise ValueError(f"widths needs at least an input and an output width; got {widths!r}")
    V.check_allocation(sum(a * b for a, b in zip(w[:-1], w[1:])), "the weights", "widths")
    return w


def mlp_init(widths, *, rng):
    """Gaussian He initialisation of a bias-free network of the given widths.

    Parameters
    ----------
    widths : sequence of int, length >= 2
        ``(d_0, ..., d_L)``: input dimension, hidden widths, number of classes.
    rng : numpy.random.Generator or int

    Returns
    -------
    list of ndarray
        ``W_l`` of shape ``(d_{l+1}, d_l)`` with i.i.d. :math:`N(0, 2/d_l)` entries
        (He, Zhang, Ren & Sun, ICCV 2015).

    Examples
    --------
    >>> [W.shape for W in mlp_init((64, 32, 10), rng=0)]
    [(32, 64), (10, 32)]
    """
    w = _widths(widths)
    gen = V.rng(rng)
    return [gen.standard_normal((b, a)) * np.sqrt(2.0 / a) for a, b in zip(w[:-1], w[1:])]


def _weights(weights):
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError("weights must be a non-empty list of 2-d arrays (from mlp_init)")
    Ws = [V.matrix(f"weights[{i}]", W) for i, W in enumerate(weights)]
    for i in range(1, len(Ws)):
        if Ws[i].shape[1] != Ws[i - 1].shape[0]:
            raise ValueError(
                f"weights[{i}] has {Ws[i].shape[1]} columns but weights[{i - 1}] has "
                f"{Ws[i - 1].shape[0]} rows; consecutive layers must chain"
            )
    return Ws


def _data(weights, X):
    X = V.matrix("X", X)
    if X.shape[0] != weights[0].shape[1]:
        raise ValueError(
            f"X must have {weights[0].shape[1]} rows (the input width); got shape {X.shape}"
        )
    return X


def _labels(weights, y, n, name="y"):
    if y is None:
        raise TypeError(f"{name} must be an array of integer labels; got None")
    lab = np.asarray(y)
    if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(
            f"{name} must be integer labels of shape ({n},); got {lab.dtype} {lab.shape}"
        )
    k = weights[-1].shape[0]
    if lab.min() < 0 or lab.max() >= k:
        raise ValueError(
            f"{name} must lie in [0, {k - 1}] (the output width); got [{lab.min()}, {lab.max()}]"
        )
    return lab


def _forward(Ws, X):
    hs = [X]
    for W in Ws[:-1]:
        hs.append(np.maximum(W @ hs[-1], 0.0))
    return hs, Ws[-1] @ hs[-1]


def _loss_grad(Ws, X, y):
    hs, logits = _forward(Ws, X)
    z = logits - logits.max(0)
    logp = z - np.log(np.exp(z).sum(0))
    n = X.shape[1]
    loss = -logp[y, np.arange(n)].mean()
    delta = np.exp(logp)
    delta[y, np.arange(n)] -= 1.0
    delta /= n
    grads = [None] * len(Ws)
    for layer in range(len(Ws) - 1, -1, -1):
        grads[layer] = delta @ hs[layer].T
        if layer:
            delta = (Ws[layer].T @ delta) * (hs[layer] > 0)
    return float(loss), grads


def mlp_loss_grad(weights, X, y):
    """Mean softmax cross-entropy of a bias-free ReLU network and its gradient by backpropagation.

    Parameters
    ----------
    weights : list of ndarray
        ``W_l`` of shape ``(d_{l+1}, d_l)``, as from :func:`mlp_init`.
    X : ndarray, shape (d_0, n)
        Inputs as columns.
    y : ndarray of int, shape (n,)
        Labels in ``[0, d_L)``.

    Returns
    -------
    loss : float
        :math:`-\\frac1n\\sum_i \\log \\operatorname{softmax}(f(x_i))_{y_i}`, with
        :math:`f(x) = W_{L-1}\\,\\mathrm{relu}(W_{L-2}\\cdots\\mathrm{relu}(W_0 x))`.
    grads : list of ndarray
        :math:`\\partial\\,\\text{loss} / \\partial W_l`, the shapes of ``weights``.

    Examples
    --------
    With all-zero weights every class has probability 1/K, so the loss is log K exactly:

    >>> Ws = [np.zeros((3, 4)), np.zeros((5, 3))]
    >>> loss, _ = mlp_loss_grad(Ws, np.ones((4, 2)), np.array([0, 4]))
    >>> round(loss, 12) == round(float(np.log(5)), 12)
    True
    """
    Ws = _weights(weights)
    X = _data(Ws, X)
    return _loss_grad(Ws, X, _labels(Ws, y, X.shape[1]))


def mlp_predict(weights, X):
    """Predicted labels (argmax of the logits) of a bias-free ReLU network.

    Examples
    --------
    >>> mlp_predict([np.eye(2), np.array([[1.0, 0], [0, 1]])], np.array([[2.0, 0], [0, 3]]))
    array([0, 1])
    """
    Ws = _weights(weights)
    X = _data(Ws, X)
    return np.argmax(_forward(Ws, X)[1], axis=0)


def mlp_activations(weights, X):
    """The input of every layer: ``[X, relu(W_0 X), ...]``, one ``d_l × n`` array per layer.

    The ``l``-th array is what ``W_l`` multiplies, so class means of it are the directions against
    which :func:`class_mean_alignment` measures the right singular vectors of ``W_l``.

    Examples
    --------
    >>> [h.shape for h in mlp_activations(mlp_init((4, 3, 2), rng=0), np.ones((4, 5)))]
    [(4, 5), (3, 5)]
    """
    Ws = _weights(weights)
    X = _data(Ws, X)
    return _forward(Ws, X)[0]


class TrainingRun(NamedTuple):
    """Result of :func:`train_mlp`.

    Attributes
    ----------
    epochs : tuple of int
        The epochs at which weights were stored (0 is the initialisation).
    snapshots : tuple of list of ndarray
        ``snapshots[k]`` are copies of all weights after ``epochs[k]`` epochs.
    train_loss : ndarray
        Mean training loss over each epoch's minibatches (length ``n_epochs``).
    test_accuracy : ndarray or None
        Test accuracy at each stored epoch (``None`` if no test set was given).
    init_variance : tuple of float
        The entry variance ``2 / d_l`` of each layer at initialisation.
    """

    epochs: tuple
    snapshots: tuple
    train_loss: np.ndarray
    test_accuracy: np.ndarray
    init_variance: tuple


def train_mlp(
    X, y, widths, *, step, batch_size, n_epochs, rng, snapshot_epochs=None, X_test=None, y_test=None
):
    """Train a bias-free ReLU network by plain minibatch SGD, storing weight snapshots.

    Parameters
    ----------
    X : ndarray, shape (d_0, n)
        Training inputs as columns; ``widths[0]`` must equal ``d_0``.
    y : ndarray of int, shape (n,)
        Training labels in ``[0, widths[-1])``.
    widths : sequence of int
        ``(d_0, hidden widths..., number of classes)``.
    step : float, > 0
        SGD step size (no momentum, no weight decay, constant schedule).
    batch_size : int, in [1, n]
        Minibatch size; each epoch visits a fresh seeded permutation of the samples (the last,
        incomplete batch is dropped).
    n_epochs : int, >= 1
    rng : numpy.random.Generator or int
        One source for the initialisation and every permutation: a run is a function of its seed.
    snapshot_epochs : sequence of int, optional
        Epochs (in ``[0, n_epochs]``) after which all weights are copied; default ``(0, n_epochs)``.
    X_test, y_test : ndarray, optional
        Held-out data for the test accuracy at each snapshot.

    Returns
    -------
    TrainingRun

    Notes
    -----
    Plain SGD, :math:`W_l \\leftarrow W_l - \\eta\\,\\nabla_{W_l}\\hat L_B`, with
    :math:`\\hat L_B` the loss of :func:`mlp_loss_grad` on minibatch ``B``. A diverging run (a
    non-finite loss) raises a :class:`ValueError` naming ``step`` instead of returning NaN
    weights.

    Examples
    --------
    Two separated Gaussian classes are learnt in a few epochs:

    >>> from rmtlib.sim import gaussian_mixture
    >>> X, y = gaussian_mixture(20, 200, [[3] + [0] * 19, [-3] + [0] * 19], rng=1)
    >>> run = train_mlp(X, y, (20, 16, 2), step=0.1, batch_size=20, n_epochs=5, rng=0,
    ...                 X_test=X, y_test=y)
    >>> run.epochs, bool(run.test_accuracy[-1] > 0.95)
    ((0, 5), True)
    """
    w = _widths(widths)
    Ws = mlp_init(w, rng=0)  # shapes only, for the data checks; redrawn below from rng
    X = _data(Ws, X)
    lab = _labels(Ws, y, X.shape[1])
    step = V.positive_scalar("step", step)
    n = X.shape[1]
    batch = V.size("batch_size", batch_size, maximum=n)
    n_epochs = V.size("n_epochs", n_epochs, maximum=100_000)
    if snapshot_epochs is None:
        snaps = (0, n_epochs)
    else:
        if not isinstance(snapshot_epochs, (list, tuple, range, np.ndarray)):
            raise TypeError(
                f"snapshot_epochs must be a sequence of epochs; got {snapshot_epochs!r}"
            )
        snaps = tuple(
            sorted(
                {
                    V.integer(f"snapshot_epochs[{i}]", e, minimum=0, maximum=n_epochs)
                    for i, e in enumerate(snapshot_epochs)
                }
            )
        )
        if not snaps:
            raise ValueError("snapshot_epochs must name at least one epoch")
    stored = len(snaps) * sum(a * b for a, b in zip(w[:-1], w[1:]))
    if stored > _MAX_STORED:
        raise ValueError(
            f"snapshot_epochs x widths store {stored} weights, above "
            f"{_MAX_STORED}; store fewer snapshots"
        )
    have_test = X_test is not None or y_test is not None
    if have_test:
        if X_test is None or y_test is None:
            raise ValueError("X_test and y_test must be given together")
        try:
            Xt = _data(Ws, X_test)
        except (TypeError, ValueError) as exc:
            raise type(exc)(str(exc).replace("X ", "X_test ", 1)) from None
        yt = _labels(Ws, y_test, Xt.shape[1], "y_test")
    gen = V.rng(rng)
    Ws = mlp_init(w, rng=gen)
    epochs, snapshots, acc, losses = [], [], [], []

    def store(epoch):
        epochs.append(epoch)
        snapshots.append([W.copy() for W in Ws])
        if have_test:
            acc.append(float(np.mean(np.argmax(_forward(Ws, Xt)[1], 0) == yt)))

    if 0 in snaps:
        store(0)
    for epoch in range(1, n_epochs + 1):
        perm = gen.permutation(n)
        total = 0.0
        for b in range(n // batch):
            idx = perm[b * batch : (b + 1) * batch]
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                loss, grads = _loss_grad(Ws, X[:, idx], lab[idx])
            if not np.isfinite(loss):
                raise ValueError(
                    f"training diverged at epoch {epoch} (loss {loss}); reduce step (got {step})"
                )
            for W, g in zip(Ws, grads):
                W -= step * g
            total += loss
        losses.append(total / (n // batch))
        if epoch in snaps:
            store(epoch)
    return TrainingRun(
        tuple(epochs),
        tuple(snapshots),
        np.array(losses),
        np.array(acc) if have_test else None,
        tuple(2.0 / a for a in w[:-1]),
    )


def layer_spectrum(W, sigma2=1.0):
    """Eigenvalues of a weight matrix's Gram matrix, normalised so that its MP limit has variance 1.

    Parameters
    ----------
    W : ndarray, shape (a, b)
    sigma2 : float, > 0
        The entry variance of ``W`` at initialisation (:attr:`TrainingRun.init_variance`).

    Returns
    -------
    eigs : ndarray, shape (p,)
        Ascending eigenvalues of :math:`A A^\\top / (n\\,\\sigma^2)`, where :math:`A` is ``W``
        oriented with its shorter side first: :math:`p = \\min(a, b)`, :math:`n = \\max(a, b)`.
    ratio : float
        :math:`c = p / n \\le 1`.

    Notes
    -----
    If ``W`` has i.i.d. entries of variance :math:`\\sigma^2` (a network at initialisation), the
    ESD of ``eigs`` tends to the Marchenko–Pastur law of ratio ``c`` and variance 1
    (:func:`rmtlib.mp.mp_density` with ``sigma2=1``; Marchenko & Pastur 1967). The
    correlation matrix :math:`X = W^\\top W` of Martin & Mahoney (JMLR 22, 2021) has the same
    nonzero eigenvalues up to the factor :math:`n\\sigma^2`.

    Examples
    --------
    >>> eigs, c = layer_spectrum(np.array([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]]))
    >>> eigs.round(4).tolist(), round(c, 4)   # singular values 3, 4: squares over n = 3
    ([3.0, 5.3333], 0.6667)
    """
    A = V.matrix("W", W)
    s2 = V.positive_scalar("sigma2", sigma2)
    if A.shape[0] > A.shape[1]:
        A = A.T
    p, n = A.shape
    eigs = np.linalg.svd(A, compute_uv=False)[::-1] ** 2 / (n * s2)
    return eigs, p / n


def spike_strength_estimate(eig, ratio):
    """Invert the BBP map: the spike strength ``ell`` whose outlier limit is ``eig``.

    Parameters
    ----------
    eig : float or array_like
        An eigenvalue (variance-1 normalisation, as from :func:`layer_spectrum`) above the
        Marchenko–Pastur edge :math:`(1+\\sqrt c)^2`.
    ratio : float, > 0
        ``c = p / n``.

    Returns
    -------
    float or ndarray
        The root :math:`\\ell > \\sqrt c` of :math:`\\lambda = (1+\\ell)(1+c/\\ell)`,

        .. math:: \\ell = \\tfrac12\\Big(\\lambda - 1 - c + \\sqrt{(\\lambda-1-c)^2 - 4c}\\Big).

        An eigenvalue at or inside the edge carries no spike that can be read from it: it is
        refused with an error naming ``eig``.

    Notes
    -----
    Model: chapter 3's spiked covariance :math:`C = I + \\ell\\,uu^\\top`, whose top sample
    eigenvalue tends to :func:`rmtlib.spiked.spike_eigenvalue` (Baik & Silverstein, J.
    Multivariate Anal. 97, 2006, Thm 1.1). The inversion is the consistent spike estimator of
    Paul (Statist. Sinica 17, 2007). For a weight matrix whose rows (the neurons' weight
    vectors) are read as ``n`` samples in dimension ``p``, a learned direction ``u`` shared by
    the neurons with random coefficients is exactly such a spike.

    Examples
    --------
    >>> round(spike_strength_estimate(3.75, 0.5), 12)   # spike_eigenvalue(2, 0.5) = 3.75
    2.0
    """
    lam = V.finite_real("eig", eig)
    if lam.size == 0:
        raise ValueError("eig must not be empty")
    c = V.positive_scalar("ratio", ratio)
    edge = (1 + np.sqrt(c)) ** 2
    b = lam - 1 - c
    disc = b * b - 4 * c
    if np.any(lam <= edge) or np.any(disc <= 0):
        raise ValueError(
            f"eig must lie above the Marchenko–Pastur edge (1 + sqrt(ratio))^2 = "
            f"{edge:.6g}; got {V.show_value(eig)}"
        )
    return V.scalar_or_array((b + np.sqrt(disc)) / 2)


def class_mean_alignment(W, H, y, k=1):
    """Squared overlap of the top right singular vectors of ``W`` with the class-mean subspace.

    Parameters
    ----------
    W : ndarray, shape (d_out, d_in)
    H : ndarray, shape (d_in, n)
        The layer's inputs as columns (from :func:`mlp_activations`).
    y : ndarray of int, shape (n,)
        Class labels of the columns (at least two classes).
    k : int, >= 1
        Number of top singular vectors returned.

    Returns
    -------
    ndarray, shape (k,)
        :math:`\\|P v_j\\|^2` for the ``j``-th right singular vector :math:`v_j` of ``W``, where
        :math:`P` projects on the span of the centred class means
        :math:`\\bar h_a - \\bar h` (dimension ``K - 1`` for ``K`` classes in general position).
        A direction drawn uniformly on the sphere has mean overlap :math:`(K-1)/d_{in}`.

    Notes
    -----
    The right singular vectors of ``W`` are the eigenvectors of :math:`W^\\top W`, the sample
    covariance of the neurons' weight vectors; their overlap with a spike direction is what
    :func:`rmtlib.spiked.spike_alignment` predicts (Paul 2007, Thm 4).

    Examples
    --------
    >>> H = np.array([[1.0, 1.0, -1.0, -1.0], [0.5, -0.5, 0.5, -0.5]])
    >>> W = np.array([[2.0, 0.0], [0.0, 1.0]])   # top right singular vector e1 = the mean axis
    >>> class_mean_alignment(W, H, np.array([0, 0, 1, 1])).round(12).tolist()
    [1.0]
    """
    A = V.matrix("W", W)
    Hm = V.matrix("H", H)
    if Hm.shape[0] != A.shape[1]:
        raise ValueError(f"H must have {A.shape[1]} rows (the columns of W); got {Hm.shape}")
    lab = np.asarray(y)
    if lab.shape != (Hm.shape[1],) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({Hm.shape[1]},)")
    classes = np.unique(lab)
    if classes.size < 2:
        raise ValueError("y must contain at least two classes")
    k = V.size("k", k, maximum=min(A.shape))
    means = np.stack([Hm[:, lab == a].mean(1) for a in classes], 1)
    means -= Hm.mean(1, keepdims=True)
    Q, R = np.linalg.qr(means)
    rank = int(np.sum(np.abs(np.diag(R)) > 1e-10 * max(1.0, np.abs(R).max())))
    Q = Q[:, :rank]
    Vt = np.linalg.svd(A, full_matrices=False)[2][:k]
    return np.sum((Vt @ Q) ** 2, axis=1)
