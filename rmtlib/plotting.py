"""The book's figure style and the spectrum plot used by every eigenvalue figure.

Call :func:`use_book_style` once at the top of a notebook. Theory is drawn as solid lines,
simulation as light histograms or markers, predicted edges as thin vertical lines and outliers
as markers on the horizontal axis.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from . import _validate as V

__all__ = ["COLORS", "use_book_style", "plot_spectrum", "plot_reference_slope"]

#: Okabe–Ito colour-blind-safe palette; ``COLORS["theory"]`` and ``COLORS["sim"]`` are the roles.
COLORS = {
    "theory": "#0072B2",
    "sim": "#E69F00",
    "accent": "#D55E00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
_CYCLE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def use_book_style():
    """Set the book's matplotlib defaults: palette, fonts, opaque white figures, retina PNG.

    Figures are 6.4 × 3.8 in at 80 dpi on the page (521 × 313 CSS pixels) and rendered at twice
    that pixel density; text is at least 10 pt, so legends and tick labels are at least 11 CSS
    pixels where the figure is shown at its natural size.

    Examples
    --------
    >>> use_book_style()
    >>> import matplotlib as mpl; mpl.rcParams["figure.facecolor"]
    'white'
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=_CYCLE),
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "font.size": 11,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "lines.linewidth": 2.0,
            "figure.constrained_layout.use": True,
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    set_matplotlib_formats("retina")


def plot_spectrum(
    ax,
    eigs,
    *,
    density=None,
    atoms=(),
    outliers=(),
    edges=(),
    bins=60,
    atom_tol=1e-8,
    xlabel="eigenvalue",
    sim_label="simulation",
    theory_label="theory",
):
    """Histogram of eigenvalues against a theoretical density, atoms, outliers and edges.

    Parameters
    ----------
    ax : matplotlib Axes
    eigs : array_like
        Empirical eigenvalues.
    density : (x, rho) tuple of arrays, optional
        Theory density of the continuous part on a grid, drawn as a solid line.
    atoms : sequence of (location, mass)
        Point masses of the limit law. Empirical eigenvalues within ``atom_tol`` of an atom are
        left out of the histogram, which is normalised so that its area is the fraction of
        eigenvalues it contains (so it matches the continuous part of the law); the atom is drawn
        as a stem whose height is its mass, labelled with the empirical fraction.
    outliers : sequence of float
        Predicted isolated eigenvalues, drawn as × on the axis.
    edges : sequence of float
        Predicted support edges, drawn as thin dotted vertical lines.
    bins : int or array_like
        Histogram bins.

    Returns
    -------
    ax
    """
    ev = np.ravel(V.finite_real("eigs", eigs))
    keep = np.ones(ev.size, dtype=bool)
    for loc, mass in atoms:
        near = np.abs(ev - loc) <= atom_tol * max(1.0, abs(loc))
        keep &= ~near
        ax.vlines(
            loc, 0, mass, color=COLORS["theory"], lw=3, label=f"atom at {loc:g}: mass {mass:.3f}"
        )
        ax.plot([loc], [mass], "o", color=COLORS["theory"])
        ax.annotate(
            f"observed {near.mean():.3f}",
            (loc, mass),
            textcoords="offset points",
            xytext=(6, -4),
            fontsize=10,
        )
    if keep.any():
        weights = np.full(keep.sum(), 1.0 / ev.size)
        counts, bin_edges = np.histogram(ev[keep], bins=bins, weights=weights)
        widths = np.diff(bin_edges)
        ax.bar(
            bin_edges[:-1],
            counts / widths,
            widths,
            align="edge",
            color=COLORS["sim"],
            alpha=0.45,
            edgecolor="none",
            label=sim_label,
        )
    if density is not None:
        x, rho = density
        ax.plot(x, rho, color=COLORS["theory"], label=theory_label)
    for k, e in enumerate(edges):
        ax.axvline(e, color="0.4", lw=0.8, ls=":", label="predicted edges" if k == 0 else None)
    if len(outliers):
        ax.plot(
            outliers,
            np.zeros(len(outliers)),
            "x",
            color=COLORS["accent"],
            ms=10,
            mew=2,
            clip_on=False,
            zorder=5,
            label="predicted outliers",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def plot_reference_slope(ax, x, slope, through, *, label=None, **style):
    """Draw the power law ``y = y0 (x / x0) ** slope`` through the point ``through = (x0, y0)``.

    A guide for the eye on log-log axes: a simulated error that decays like ``n^{-1/2}`` runs
    parallel to ``plot_reference_slope(ax, ns, -0.5, (ns[0], err[0]))``.

    Parameters
    ----------
    ax : matplotlib Axes
    x : array_like
        Abscissae at which the line is drawn (positive).
    slope : float
        Exponent of the power law.
    through : (float, float)
        A point ``(x0, y0)`` (both positive) the line passes through, usually the first
        simulated point.
    label : str, optional
        Legend entry; default ``"slope {slope}"`` with the slope written as a fraction.
    **style
        Passed to ``ax.plot``; default a thin grey dashed line.

    Returns
    -------
    list of Line2D

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> [line] = plot_reference_slope(ax, [1, 4, 16], -0.5, (1, 2.0))
    >>> [float(v) for v in line.get_ydata()], line.get_label()
    ([2.0, 1.0, 0.5], 'slope −1/2')
    >>> plt.close(fig)
    """
    from fractions import Fraction

    xs = V.positive("x", x)
    slope = float(V.finite_real("slope", slope))
    x0, y0 = (float(V.positive("through", t)) for t in through)
    if label is None:
        frac = Fraction(slope).limit_denominator(12)
        label = f"slope {str(frac).replace('-', '−')}"
    style = {"color": "0.45", "lw": 1.0, "ls": "--", **style}
    return ax.plot(xs, y0 * (xs / x0) ** slope, label=label, **style)
