"""The panel helper behind every interactive figure: live redraws, static frames, grid policy."""

import base64
import re

import matplotlib

matplotlib.use("Agg")
import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import rmtlib as rmt  # noqa: E402
from rmtlib import widgets as wd  # noqa: E402


def _draw(c, n, kind="line"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, c * n], "o-" if kind == "line" else "s")
    ax.set_title(f"{kind} c={c:.2f}")
    return fig, f"c*n = {c * n:.2f}"


def _controls(c_grid=(0.2, 0.5, 1.0), n_grid=None, kind_grid="all"):
    return dict(
        c=rmt.widgets.float_slider("c", 0.5, 0.1, 1.0, 0.1, grid=c_grid),
        n=rmt.widgets.int_slider("n", 2, 1, 5, grid=n_grid),
        kind=rmt.widgets.dropdown("kind", ["line", "dots"], grid=kind_grid),
    )


def _img_bytes(frame_html):
    return base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', frame_html)[1])


def _leaves(widget):
    if isinstance(widget, W.Stack):
        return [leaf for child in widget.children for leaf in _leaves(child)]
    return [widget]


def test_live_panel_draws_default_and_redraws_on_change():
    box = rmt.widgets.panel(_draw, frames=False, **_controls())
    controls, view = box.children
    assert "c*n = 1.00" in view.value
    controls.children[1].value = 4
    assert "c*n = 2.00" in view.value, "moving a slider must call draw again"
    assert box.frame_count == 0, "a live session precomputes nothing"


def test_static_frames_cover_the_grid_and_link_every_control():
    box = rmt.widgets.panel(_draw, frames=True, **_controls())
    controls, stack, note = box.children
    c_ctl, n_ctl, kind_ctl = controls.children
    assert box.frame_count == 3 * 2, "3 values of c times 2 options of kind"
    assert isinstance(c_ctl, W.SelectionSlider) and c_ctl._options_labels == ("0.2", "0.5", "1")
    assert isinstance(kind_ctl, W.Dropdown) and not kind_ctl.disabled
    assert n_ctl.disabled and "JupyterLab" in n_ctl.tooltip, "a control without a grid is disabled"
    assert "6 precomputed views" in note.value and "n" in note.value
    frames = _leaves(stack)
    assert len(frames) == 6
    states = [re.search(r'data-state="([^"]+)"', f.value)[1] for f in frames]
    assert states[0] == "0.2|line" and states[-1] == "1|dots", "labels the controls show"
    assert len({_img_bytes(f.value) for f in frames}) == 6, "every frame shows its own figure"
    # Every stack's selected_index follows its control through a client-side link.
    targets = {(id(link.source[0]), id(link.target[0])) for link in box.links}
    assert all(
        link.source[1] == "index" and link.target[1] == "selected_index" for link in box.links
    )
    assert (id(c_ctl), id(stack)) in targets
    for inner in stack.children:
        assert (id(kind_ctl), id(inner)) in targets


def test_default_frame_equals_the_live_figure_at_the_default_values():
    static = rmt.widgets.panel(_draw, frames=True, **_controls())
    live = rmt.widgets.panel(_draw, frames=False, **_controls())
    stack = static.children[1]
    shown = stack.children[stack.selected_index]
    shown = shown.children[shown.selected_index]
    assert _img_bytes(shown.value) == _img_bytes(live.children[1].value)
    assert static.default_png == live.default_png


def test_frames_have_alt_text_from_the_figure_and_the_state():
    box = rmt.widgets.panel(_draw, frames=True, **_controls())
    alt = re.search(r'alt="([^"]+)"', _leaves(box.children[1])[0].value)[1]
    assert "line c=0.20" in alt and "c = 0.2" in alt and "c*n = 0.40" in alt
    bundle = box._repr_mimebundle_()
    assert "image/png" in bundle, "the PDF build and plain viewers need the default frame"
    assert bundle["text/plain"] == box.default_alt


def test_grid_values_off_the_step_or_range_are_rejected():
    with pytest.raises(ValueError, match="off the slider's grid"):
        rmt.widgets.float_slider("c", 0.5, 0.1, 1.0, 0.1, grid=[0.25, 0.5])
    with pytest.raises(ValueError, match="off the slider's grid"):
        rmt.widgets.float_slider("w", 1 / 3, 0.1, 0.8, 0.05)
    with pytest.raises(ValueError, match="off the slider's grid"):
        rmt.widgets.int_slider("n", 2, 1, 5, grid=[2, 6])
    with pytest.raises(ValueError, match="off the slider's grid"):
        rmt.widgets.log_slider("lam", 1e-3, -4, 1, 0.5, grid=[1e-3, 2e-3])
    with pytest.raises(ValueError, match="contain its default"):
        rmt.widgets.float_slider("c", 0.5, 0.1, 1.0, 0.1, grid=[0.2, 0.3])
    with pytest.raises(ValueError, match="include the default"):
        rmt.widgets.dropdown("k", ["a", "b"], grid=["b"])
    assert rmt.widgets.log_slider("lam", 1e-3, -4, 1, 0.5, grid=[1e-4, 1e-3, 1e-2]) is not None


def test_too_many_frames_are_refused_with_advice():
    with pytest.raises(ValueError, match="at most 64"):
        rmt.widgets.panel(
            _draw,
            frames=True,
            c=rmt.widgets.float_slider(
                "c", 0.5, 0.1, 1.0, 0.1, grid=[0.1 * k for k in range(1, 11)]
            ),
            n=rmt.widgets.int_slider("n", 2, 1, 10, grid=list(range(1, 11))),
        )


def test_every_slider_factory_waits_for_release():
    for w in [
        rmt.widgets.float_slider("a", 1, 0, 2, 0.1),
        rmt.widgets.int_slider("b", 1, 0, 2),
        rmt.widgets.log_slider("c", 1, -1, 1),
    ]:
        assert w.continuous_update is False


def test_panel_rejects_continuous_or_foreign_controls():
    with pytest.raises(ValueError, match="continuous_update=False"):
        rmt.widgets.panel(_draw, c=W.FloatSlider(value=0.5), n=rmt.widgets.int_slider("n", 2, 1, 5))
    with pytest.raises(TypeError, match="factories"):
        rmt.widgets.panel(_draw, c=W.FloatSlider(value=0.5, continuous_update=False))


@pytest.mark.slow
def test_frames_follow_the_build_environment(monkeypatch):
    monkeypatch.setenv(wd.FRAMES_ENV, "1")
    assert rmt.widgets.panel(_draw, **_controls()).frame_count == 6
    monkeypatch.delenv(wd.FRAMES_ENV)
    assert rmt.widgets.panel(_draw, **_controls()).frame_count == 0
