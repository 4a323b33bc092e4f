"""The panel helper behind every interactive figure: wiring, readout and slider policy."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import rmtlib as rmt  # noqa: E402


def _draw(c, n):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, c * n])
    return fig, f"c*n = {c * n:.2f}"


def test_panel_draws_default_and_redraws_on_change():
    box = rmt.widgets.panel(_draw, c=rmt.widgets.float_slider("c", 0.5, 0.1, 1.0, 0.1),
                            n=rmt.widgets.int_slider("n", 2, 1, 5))
    controls, readout, _ = box.children
    assert readout.value == "<code>c*n = 1.00</code>"
    controls.children[1].value = 4
    assert readout.value == "<code>c*n = 2.00</code>", "moving a slider must call draw again"


def test_every_slider_factory_waits_for_release():
    for w in [rmt.widgets.float_slider("a", 1, 0, 2, 0.1), rmt.widgets.int_slider("b", 1, 0, 2),
              rmt.widgets.log_slider("c", 1, -1, 1)]:
        assert w.continuous_update is False


def test_panel_rejects_continuous_sliders():
    import ipywidgets as W

    with pytest.raises(ValueError, match="continuous_update=False"):
        rmt.widgets.panel(_draw, c=W.FloatSlider(value=0.5), n=rmt.widgets.int_slider("n", 2, 1, 5))
