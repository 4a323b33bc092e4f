"""One helper builds every interactive panel of the book, so they all look and behave alike.

A panel is a row of controls above a one-line readout and a figure, both produced by a ``draw``
function that computes with :mod:`rmtlib`. It works in two modes.

**Live** (JupyterLab, Binder): every control takes any value on its range; moving one calls
``draw`` again. Sliders use ``continuous_update=False``, so the figure is recomputed when the
slider is released, not on every pixel of the drag. Nothing is precomputed.

**Static frames** (the built web site): when the book is built, ``./rmtbook build`` sets the
environment variable ``RMTBOOK_PANEL_FRAMES=1`` for the kernels that execute the chapters, and
:func:`panel` then draws a *frame* (figure and readout) for every point of the grid that each
control declares (``grid=`` in the control factories). The controls become selection sliders and
dropdowns over their grids, linked in the browser (``jslink``) to nested ``Stack`` widgets of
frames, so a reader with no kernel and no network flips between precomputed frames. Controls
without a grid are shown disabled, with a tooltip saying where they change, and a line inside
the panel says how many values were precomputed and where any other value is computed.

Frames are computed at build time only, so a live session pays nothing for them.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import os
import re
from pathlib import Path

import ipywidgets as W
import matplotlib.pyplot as plt

__all__ = ["float_slider", "log_slider", "int_slider", "dropdown", "panel", "Panel", "FRAMES_ENV"]

#: Environment variable that switches :func:`panel` to precomputed frames (set by the build).
FRAMES_ENV = "RMTBOOK_PANEL_FRAMES"

_LAYOUT = {"width": "320px"}
_STYLE = {"description_width": "110px"}
#: Frames are PNG at twice the notebook's 80 dpi and shown at half their pixel size (retina).
_FRAME_DPI = 160
_DISPLAY_SCALE = 0.5
_MAX_FRAMES = 64
_GRID = "_rmt_static_grid"  # attribute holding a control's static grid, a tuple of values
_LIVE_ONLY_TIP = "This control changes the figure in JupyterLab or on Binder (see the note below)"


def _on_step(x, low, step):
    k = (x - low) / step
    return abs(k - round(k)) <= 1e-9 * max(1.0, abs(k))


def _check_slider(description, value, low, high, step, grid, *, log=False):
    """Check the default and every grid value lie in [low, high] on the slider's step grid."""
    if not (step > 0 and math.isfinite(step)):
        raise ValueError(f"step of {description!r} must be a positive finite number; got {step}")
    if not low < high:
        raise ValueError(f"slider {description!r} needs low < high; got {low}, {high}")
    coord = (lambda v: math.log10(v)) if log else (lambda v: v)

    def check(what, v):
        if log and not v > 0:
            raise ValueError(f"{what} of the log slider {description!r} must be > 0; got {v}")
        c = coord(v)
        if not (low - 1e-12 <= c <= high + 1e-12) or not _on_step(c, low, step):
            unit = "log10 " if log else ""
            raise ValueError(
                f"{what} {v!r} of slider {description!r} is off the slider's grid: its {unit}value "
                f"must be {low} + k*{step} within [{low}, {high}] (a value off the step cannot be "
                "selected again once the slider moves)"
            )

    check("default", value)
    if grid is None:
        return None
    values = tuple(grid)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"grid of {description!r} needs at least two distinct values; got {grid}")
    for v in values:
        check("grid value", v)
    if value not in values:
        raise ValueError(f"grid of {description!r} must contain its default {value!r}; got {grid}")
    return tuple(sorted(values))


def _with_grid(widget, grid):
    setattr(widget, _GRID, grid)
    return widget


def float_slider(description, value, low, high, step, *, grid=None):
    """A float slider with the book's layout and ``continuous_update=False``.

    Parameters
    ----------
    description : str
        Label shown left of the slider.
    value, low, high, step : float
        Default, range and step; the default must be ``low + k * step``.
    grid : sequence of float, optional
        Values precomputed for the static page (each on the step grid, the default among them).
        ``None`` leaves the control live-only: disabled on the static page.
    """
    grid = _check_slider(description, value, low, high, step, grid)
    return _with_grid(
        W.FloatSlider(
            value=value,
            min=low,
            max=high,
            step=step,
            description=description,
            continuous_update=False,
            readout_format=".3g",
            layout=_LAYOUT,
            style=_STYLE,
        ),
        grid,
    )


def log_slider(description, value, low_exp, high_exp, step=0.1, *, grid=None):
    """A slider on a log10 scale: its value runs from ``10**low_exp`` to ``10**high_exp``.

    ``grid`` lists values (not exponents) for the static page; each ``log10`` must be
    ``low_exp + k * step``.
    """
    grid = _check_slider(description, value, low_exp, high_exp, step, grid, log=True)
    return _with_grid(
        W.FloatLogSlider(
            value=value,
            base=10,
            min=low_exp,
            max=high_exp,
            step=step,
            description=description,
            continuous_update=False,
            readout_format=".3g",
            layout=_LAYOUT,
            style=_STYLE,
        ),
        grid,
    )


def int_slider(description, value, low, high, step=1, *, grid=None):
    """An integer slider with the book's layout and ``continuous_update=False``.

    ``grid`` lists the integers precomputed for the static page (see :func:`float_slider`).
    """
    grid = _check_slider(description, value, low, high, step, grid)
    return _with_grid(
        W.IntSlider(
            value=value,
            min=low,
            max=high,
            step=step,
            description=description,
            continuous_update=False,
            layout=_LAYOUT,
            style=_STYLE,
        ),
        grid,
    )


def dropdown(description, options, value=None, *, grid=None):
    """A dropdown menu with the book's layout.

    ``options`` is a list of values or of ``(label, value)`` pairs. ``grid`` is ``"all"`` (every
    option is precomputed for the static page), a list of option values, or ``None`` (live-only).
    """
    pairs = [o if isinstance(o, tuple) else (str(o), o) for o in options]
    values = [v for _, v in pairs]
    if not pairs:
        raise ValueError(f"dropdown {description!r} needs at least one option")
    value = values[0] if value is None else value
    if value not in values:
        raise ValueError(f"default {value!r} of dropdown {description!r} is not an option")
    if isinstance(grid, str) and grid == "all":
        grid = tuple(values)
    elif grid is not None:
        grid = tuple(grid)
        missing = [g for g in grid if g not in values]
        if missing or value not in grid or len(set(grid)) != len(grid):
            raise ValueError(
                f"grid of dropdown {description!r} must be distinct options that "
                f"include the default {value!r}; got {grid}"
            )
        grid = tuple(v for v in values if v in grid)  # keep the menu's order
    return _with_grid(
        W.Dropdown(
            options=pairs, value=value, description=description, layout=_LAYOUT, style=_STYLE
        ),
        grid,
    )


def _frames_requested():
    return os.environ.get(FRAMES_ENV, "") == "1"


def _png(fig):
    """PNG bytes of ``fig`` at the frame resolution, palette-quantised (a third of the size).

    The canvas is rendered once and quantised straight from its pixel buffer: encoding through
    ``savefig`` and decoding again would double the cost of every frame of the build.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(_FRAME_DPI)
    canvas = fig.canvas if hasattr(fig.canvas, "buffer_rgba") else FigureCanvasAgg(fig)
    canvas.draw()
    img = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, format="png", optimize=True
    )
    return out.getvalue(), img.size


def _strip_tex(text):
    text = re.sub(r"\\(mathrm|mathbf|mathcal|operatorname|text)\{([^}]*)\}", r"\2", text)
    return re.sub(r"[$\\{}]", "", text).strip()


def _describe(fig):
    parts = []
    for ax in fig.get_axes():
        bits = [_strip_tex(ax.get_title())]
        if ax.get_xlabel():
            bits.append(f"x axis: {_strip_tex(ax.get_xlabel())}")
        if ax.get_ylabel():
            bits.append(f"y axis: {_strip_tex(ax.get_ylabel())}")
        legend = ax.get_legend()
        if legend is not None:
            labels = [_strip_tex(t.get_text()) for t in legend.get_texts()]
            bits.append("shows " + ", ".join(label for label in labels if label))
        parts.append("; ".join(b for b in bits if b))
    return "Plot: " + " | ".join(p for p in parts if p) if parts else "Plot"


def _state_text(names, controls, values):
    def show(name):
        v = values[name]
        return (
            f"{controls[name].description} = {v:.3g}"
            if isinstance(v, float)
            else f"{controls[name].description} = {v}"
        )

    return ", ".join(show(n) for n in names)


def _frame(draw, names, controls, values, alt, key=""):
    """Render one frame: (html, png bytes, alt text) for the control values ``values``.

    ``key`` (the labels the static controls show, joined by ``|``) is stored on the frame so
    that the browser check can tell which frame is on screen.
    """
    result = draw(**values)
    fig, text = result if isinstance(result, tuple) else (result, "")
    try:
        png, (width, height) = _png(fig)
        described = alt(values) if callable(alt) else (alt or _describe(fig))
    finally:
        plt.close(fig)
    state = _state_text(names, controls, values)
    alt_text = f"{described}. Values: {state}." + (f" Readout: {text}." if text else "")
    src = base64.b64encode(png).decode("ascii")
    readout = f'<div class="rmt-readout"><code>{html.escape(text)}</code></div>' if text else ""
    body = (
        f'<div class="rmt-frame" data-state="{html.escape(key)}">{readout}'
        f'<img src="data:image/png;base64,{src}" alt="{html.escape(alt_text)}" '
        f'width="{round(width * _DISPLAY_SCALE)}" height="{round(height * _DISPLAY_SCALE)}" '
        'style="max-width:100%;height:auto"></div>'
    )
    return body, png, alt_text


def _binder_link():
    """The Binder launch URL for the chapters, built from the repository URL in _config.yml."""
    for folder in [Path.cwd(), *Path.cwd().parents]:
        cfg = folder / "_config.yml"
        if cfg.is_file():
            m = re.search(
                r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:\s*(\S+)", cfg.read_text(), re.M
            )
            if m and "github.com/" in m.group(1):
                slug = m.group(1).split("github.com/", 1)[1].strip("/")
                return f"https://mybinder.org/v2/gh/{slug}/main?urlpath=lab/tree/chapters/"
            return None
    return None


class Panel(W.VBox):
    """The box :func:`panel` returns; its mime bundle also carries the default frame as PNG.

    Front ends that render widgets show the panel; the others (the PDF build, a notebook viewer
    without a widget manager) show the default figure with its alt text.
    """

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        png = getattr(self, "default_png", None)
        if data is not None and png is not None:
            data["image/png"] = base64.b64encode(png).decode("ascii")
            data["text/plain"] = self.default_alt
        return data


def panel(draw, *, alt=None, frames=None, **controls):
    """Display controls, a readout and a figure computed by ``draw`` from the controls' values.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` with one keyword per control; returns a matplotlib figure, or a pair
        ``(figure, readout)`` where ``readout`` is a short text such as
        ``"edge: theory 2.914, simulation 2.897"``.
    alt : str or callable, optional
        What the figure shows, for the images' alt text (a callable receives the values). The
        default is read off the figure (titles, axis labels, legend). The control values and the
        readout are appended either way.
    frames : bool, optional
        Precompute static frames (see the module docstring). Default: only when the environment
        variable ``RMTBOOK_PANEL_FRAMES`` is ``"1"``, which the book build sets.
    **controls : ipywidgets.ValueWidget
        The controls, by the name of the ``draw`` argument they feed, made with this module's
        factories; each declares its static grid with ``grid=`` (controls without one are live
        only). At most 64 frames: keep the product of the grids small.

    Returns
    -------
    Panel
        An ``ipywidgets.VBox``; leave it as the last expression of the cell to display it. Its
        default frame is drawn immediately, so the executed notebook and the static page show it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> def draw(c):
    ...     fig, ax = plt.subplots()
    ...     ax.plot([0, 1], [0, c])
    ...     return fig, f"slope {c:.2f}"
    >>> box = panel(draw, c=float_slider("c", 0.5, 0.1, 1.0, 0.1, grid=[0.1, 0.5, 1.0]),
    ...             frames=True)
    >>> box.frame_count
    3
    """
    for name, ctl in controls.items():
        if getattr(ctl, "continuous_update", False):
            raise ValueError(f"control {name!r} must have continuous_update=False")
        if not hasattr(ctl, _GRID):
            raise TypeError(
                f"control {name!r} must come from rmtlib.widgets' factories "
                "(float_slider, log_slider, int_slider, dropdown)"
            )
    if not controls:
        raise ValueError("panel needs at least one control")
    names = list(controls)
    if frames is None:
        frames = _frames_requested()
    defaults = {k: c.value for k, c in controls.items()}
    if frames:
        return _static_panel(draw, names, controls, defaults, alt)
    return _live_panel(draw, names, controls, defaults, alt)


def _live_panel(draw, names, controls, defaults, alt):
    view = W.HTML()
    box = Panel([W.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), view])

    def redraw(_change=None):
        body, png, alt_text = _frame(
            draw, names, controls, {k: c.value for k, c in controls.items()}, alt
        )
        view.value = body
        box.default_png, box.default_alt = png, alt_text

    for ctl in controls.values():
        ctl.observe(redraw, names="value")
    redraw()
    box.frame_count = 0
    return box


def _static_control(ctl, grid):
    """A selection control over ``grid`` standing in for ``ctl``, and its labels by value."""
    if isinstance(ctl, W.Dropdown):
        names = dict(zip(ctl._options_values, ctl._options_labels))
        labels = {v: names[v] for v in grid}
        return W.Dropdown(
            options=[(labels[v], v) for v in grid],
            value=ctl.value,
            description=ctl.description,
            layout=_LAYOUT,
            style=_STYLE,
        ), labels
    fmt = (lambda v: str(v)) if isinstance(ctl, W.IntSlider) else (lambda v: f"{v:.3g}")
    labels = {v: fmt(v) for v in grid}
    return W.SelectionSlider(
        options=[(labels[v], v) for v in grid],
        value=ctl.value,
        description=ctl.description,
        continuous_update=False,
        layout=_LAYOUT,
        style=_STYLE,
    ), labels


def _static_panel(draw, names, controls, defaults, alt):
    live = [n for n in names if getattr(controls[n], _GRID) is not None]
    grids = [getattr(controls[n], _GRID) for n in live]
    count = math.prod(len(g) for g in grids)
    if count > _MAX_FRAMES:
        raise ValueError(
            f"{count} static frames requested ({' x '.join(map(str, map(len, grids)))}"
            f"); at most {_MAX_FRAMES}: shorten a grid or make a control live-only "
            "(grid=None)"
        )
    shown, statics, labels = [], {}, {}
    for n in names:
        ctl = controls[n]
        if n in live:
            statics[n], labels[n] = _static_control(ctl, getattr(ctl, _GRID))
            shown.append(statics[n])
        else:
            ctl.disabled = True
            ctl.tooltip = _LIVE_ONLY_TIP
            shown.append(ctl)

    rendered = {}
    for combo in itertools.product(*grids):
        values = {**defaults, **dict(zip(live, combo))}
        key = "|".join(labels[n][v] for n, v in zip(live, combo))
        rendered[combo] = _frame(draw, names, controls, values, alt, key)

    links = []

    def build(level, prefix):
        if level == len(live):
            return W.HTML(rendered[prefix][0])
        grid = grids[level]
        stack = W.Stack(
            [build(level + 1, prefix + (v,)) for v in grid],
            selected_index=grid.index(defaults[live[level]]),
        )
        links.append(W.jslink((statics[live[level]], "index"), (stack, "selected_index")))
        return stack

    default_key = tuple(defaults[n] for n in live)
    sizes = " × ".join(f"{len(g)} values of {controls[n].description}" for n, g in zip(live, grids))
    fixed = [controls[n].description for n in names if n not in live]
    link = _binder_link()
    where = f'<a href="{link}">JupyterLab on Binder</a>' if link else "JupyterLab or on Binder"
    note = (
        f"Static page: {count} precomputed views ({sizes}). "
        + (f"Greyed controls ({', '.join(fixed)}) stay at their defaults here. " if fixed else "")
        + f"Any value of any control recomputes in {where} or with <code>./rmtbook lab</code>."
    )
    box = Panel(
        [
            W.HBox(shown, layout={"flex_flow": "row wrap"}),
            build(0, ()),
            W.HTML(f'<p class="rmt-static-note" style="font-size:90%;margin:0">{note}</p>'),
        ]
    )
    box.default_png, box.default_alt = rendered[default_key][1], rendered[default_key][2]
    box.frame_count, box.links = count, links
    return box
