"""The course diagrams draw offline, carry their labels as text, and read the modules they describe."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from srlib.course import diagrams  # noqa: E402
from srlib.models import SRGANDiscriminator  # noqa: E402


def _texts(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title, ax.xaxis.label])


@pytest.mark.parametrize("draw, words", [
    (diagrams.draw_srresnet, ["PixelShuffle", "global skip", "16 x residual"]),
    (diagrams.draw_rdb, ["64->32", "96->32", "128->32", "160->32", "192->64", "x + 0.2 * conv5"]),
    (diagrams.draw_rrdb, ["RDB 1", "RDB 3", "23 x RRDB", "trunk skip"]),
    (diagrams.draw_discriminator, ["3->64", "512->512", "8x8", "(no norm)", "logit"]),
    (diagrams.draw_esrgan_pipeline, ["PSNR-oriented", "pre-training", "GAN fine-tuning", "interpolation"]),
])
def test_each_diagram_draws_with_its_labels(draw, words):
    fig = draw()
    text = _texts(fig)
    assert fig.axes and all(w in text for w in words), text
    plt.close(fig)


def test_discriminator_diagram_reads_the_module():
    rows = diagrams.discriminator_layers(SRGANDiscriminator(input_size=32, num_feat=8, depth=2, norm="none"))
    assert [(r["in"], r["out"], r["stride"], r["size"]) for r in rows] == [
        (3, 8, 1, 32), (8, 8, 2, 16), (8, 16, 1, 16), (16, 16, 2, 8)]
    assert all(r["norm"] == "" for r in rows)
    batch = diagrams.discriminator_layers(SRGANDiscriminator(input_size=32, num_feat=8, depth=2))
    assert [r["norm"] for r in batch] == ["", "BatchNorm2d", "BatchNorm2d", "BatchNorm2d"]


def test_relativistic_probabilities_are_a_half_for_identical_logits_and_drawn():
    rng = np.random.default_rng(0)
    real = rng.normal(2.0, 1.0, 200)
    assert diagrams.relativistic_probabilities(real, real) == pytest.approx((0.5, 0.5), abs=0.02)
    p_real, p_fake = diagrams.relativistic_probabilities(real, real - 4.0)
    assert p_real > 0.9 and p_fake < 0.1
    fig = diagrams.draw_relativistic_average(real, {"early": real - 4.0, "late": real - 0.2})
    assert len(fig.axes) == 2 and "discriminator logit C(x)" in _texts(fig)
    assert fig.axes[1].get_ylabel() == "relativistic probability"
    plt.close(fig)


def test_pipeline_labels_stay_inside_their_boxes_and_off_the_arrows():
    """Notebook 00's pipeline: no label spills out of its box or under an arrow."""
    from matplotlib.patches import FancyBboxPatch
    from matplotlib.text import Annotation

    fig = diagrams.draw_esrgan_pipeline()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    labels = [t for t in ax.texts if t.get_text() and not isinstance(t, Annotation)]
    arrows = [a.arrow_patch.get_window_extent(renderer) for a in ax.texts if isinstance(a, Annotation)]
    assert len(boxes) == 5 and len(arrows) == 5
    inside = 0
    for label in labels:
        extent = label.get_window_extent(renderer)
        anchor = ax.transData.transform(label.get_position())
        box = next((b for b in boxes if b.contains(*anchor)), None)
        if box is not None:
            inside += 1
            assert (box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0
                    and extent.y1 <= box.y1), label.get_text()
        assert not any(extent.overlaps(arrow) for arrow in arrows), label.get_text()
    assert inside == 5
    plt.close(fig)
