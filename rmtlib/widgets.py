"""One helper builds every interactive panel of the book, so they all look and behave alike.

A panel is a row of controls above a figure and a one-line readout. Moving a control calls a
``draw`` function that computes with :mod:`rmtlib` and returns a figure (and optionally a
readout string). All sliders use ``continuous_update=False``: the figure is recomputed when the
slider is released, not on every pixel of the drag.

On the static web page the panel shows the controls and the default figure saved at execution;
in JupyterLab (locally or on Binder) moving a control recomputes.
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display

__all__ = ["float_slider", "log_slider", "int_slider", "dropdown", "panel"]

_LAYOUT = {"width": "320px"}
_STYLE = {"description_width": "110px"}


def float_slider(description, value, low, high, step):
    """A float slider with the book's layout and ``continuous_update=False``."""
    return W.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, readout_format=".3g", layout=_LAYOUT,
                         style=_STYLE)


def log_slider(description, value, low_exp, high_exp, step=0.1):
    """A slider on a log10 scale: its value runs from ``10**low_exp`` to ``10**high_exp``."""
    return W.FloatLogSlider(value=value, base=10, min=low_exp, max=high_exp, step=step,
                            description=description, continuous_update=False,
                            readout_format=".3g", layout=_LAYOUT, style=_STYLE)


def int_slider(description, value, low, high, step=1):
    """An integer slider with the book's layout and ``continuous_update=False``."""
    return W.IntSlider(value=value, min=low, max=high, step=step, description=description,
                       continuous_update=False, layout=_LAYOUT, style=_STYLE)


def dropdown(description, options, value=None):
    """A dropdown menu with the book's layout."""
    return W.Dropdown(options=options, value=value if value is not None else options[0],
                      description=description, layout=_LAYOUT, style=_STYLE)


def panel(draw, **controls):
    """Display controls, a figure and a readout, redrawn by ``draw`` whenever a control changes.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` with one keyword per control; returns a matplotlib figure, or a pair
        ``(figure, readout)`` where ``readout`` is a short text such as
        ``"edge: theory 2.914, simulation 2.897"``.
    **controls : ipywidgets.ValueWidget
        The controls, by the name of the ``draw`` argument they feed.

    Returns
    -------
    ipywidgets.VBox
        The panel; leave it as the last expression of the cell to display it. Its default
        figure is drawn immediately, so the executed notebook and the static page show it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> def draw(c):
    ...     fig, ax = plt.subplots()
    ...     ax.plot([0, 1], [0, c])
    ...     return fig, f"slope {c:.2f}"
    >>> box = panel(draw, c=float_slider("c", 0.5, 0.1, 1.0, 0.1))  # doctest: +SKIP
    >>> box  # doctest: +SKIP
    """
    for name, ctl in controls.items():
        if hasattr(ctl, "continuous_update") and ctl.continuous_update:
            raise ValueError(f"control {name!r} must have continuous_update=False")
    out = W.Output()
    readout = W.HTML()

    def redraw(_change=None):
        result = draw(**{k: c.value for k, c in controls.items()})
        fig, text = result if isinstance(result, tuple) else (result, "")
        readout.value = f"<code>{text}</code>" if text else ""
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for ctl in controls.values():
        ctl.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), readout, out])
