"""Widgets of notebooks 00-02: built, driven programmatically, one figure per redraw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import widgets  # noqa: E402
from nelc_edu.widgets import _common  # noqa: E402


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _slider(box, description):
    (s,) = [w for w in _walk(box) if getattr(w, "description", None) == description]
    return s


def _output(box):
    (out,) = [w for w in _walk(box) if isinstance(w, ipywidgets.Output)]
    return out


def _images(out):
    return [o for o in out.outputs
            if o["output_type"] == "display_data" and "image/png" in o["data"]]


def _assert_one_figure(out):
    imgs = _images(out)
    assert len(imgs) == 1, f"expected exactly one figure, got {len(imgs)}"
    assert [o["output_type"] for o in out.outputs].count("display_data") == 1
    assert not [o for o in out.outputs if o.get("name") == "stderr"], out.outputs
    assert len(imgs[0]["data"]["image/png"]) > 5_000
    return imgs[0]["data"]["image/png"]


CASES = [
    (widgets.two_state_explorer, {}, "a = P(0→1)", 0.7),
    (widgets.two_state_explorer, {}, "b = P(1→0)", 0.0),
    (widgets.ring_explorer, {}, "affinity A", -4.0),
    (widgets.ring_explorer, {}, "states n", 9),
    (widgets.ring_explorer, {}, "p_stay", 0.4),
    (widgets.trajectory_estimator_demo, {"lengths": (10, 100, 1000), "n": 100},
     "trajectory length n", 10),
    (widgets.trajectory_estimator_demo, {"lengths": (10, 100, 1000), "n": 100}, "seed", 3),
]


@pytest.mark.parametrize(("build", "kwargs", "description", "value"), CASES,
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_one_figure_per_redraw(build, kwargs, description, value):
    figs_before = plt.get_fignums()
    box = build(**kwargs)
    assert isinstance(box, ipywidgets.VBox)
    out = _output(box)
    first = _assert_one_figure(out)
    _slider(box, description).value = value
    second = _assert_one_figure(out)
    assert second != first, "the figure did not change with the slider"
    _slider(box, description).value = value  # same value: no event, nothing appended
    _assert_one_figure(out)
    assert plt.get_fignums() == figs_before, "widgets must not leave pyplot figures behind"


def test_two_state_edge_cases_report_in_text():
    box = widgets.two_state_explorer(a=1.0, b=1.0)
    text = _output(box).outputs[0]["text"]
    assert "period 2" in text
    _slider(box, "a = P(0→1)").value = 0.0
    _slider(box, "b = P(1→0)").value = 0.0
    out = _output(box)
    _assert_one_figure(out)
    assert "reducible" in out.outputs[0]["text"]


def test_ring_report_contains_the_numbers():
    box = widgets.ring_explorer(n=4, affinity=0.0)
    text = _output(box).outputs[0]["text"]
    assert "reversible: True" in text and "sigma = 0.00000" in text
    _slider(box, "affinity A").value = 2.0
    text = _output(box).outputs[0]["text"]
    assert "reversible: False" in text and "+2.0000" in text.replace("-2.0000", "+2.0000")


def test_trajectory_demo_explains_infinite_estimate():
    box = widgets.trajectory_estimator_demo(lengths=(10, 100), n=10, seed=0)
    text = _output(box).outputs[0]["text"]
    assert "estimated sigma = inf" in text and "seen one way only" in text
    with pytest.raises(ValueError, match="offered lengths"):
        widgets.trajectory_estimator_demo(lengths=(10, 100), n=50)


def test_redraw_into_replaces_and_reports_errors():
    out = ipywidgets.Output()

    def draw(fig):
        fig.add_subplot().plot([0, 1])

    for _ in range(3):
        _common.redraw_into(out, draw, figsize=(3, 2))
    assert len(out.outputs) == 1 and len(_images(out)) == 1

    def broken(fig):
        raise ValueError("the chain is reducible")

    _common.redraw_into(out, broken)
    assert out.outputs == ({"output_type": "stream", "name": "stderr",
                            "text": "ValueError: the chain is reducible\n"},)
