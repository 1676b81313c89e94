"""Architecture and idea diagrams, drawn with matplotlib so they work offline and on Colab.

Each ``draw_*`` function returns a ``matplotlib.figure.Figure`` (or draws into the
``ax`` it is given) whose boxes carry their labels as text, so nothing binary is
committed and a diagram changes when the code it describes changes: the
discriminator and the dense block are read from the modules themselves.

- ``draw_srresnet``: SRGAN's generator (Ledig et al. 2017, Fig. 4).
- ``draw_rdb``: the dense connections of one residual dense block (ESRGAN Fig. 4).
- ``draw_rrdb``: three RDBs nested in a residual, and RRDBNet's trunk (ESRGAN Sec. 3.1).
- ``draw_discriminator``: SRGAN's VGG-style discriminator (Sec. 2.1 and Fig. 4), layer by layer.
- ``draw_esrgan_pipeline``: PSNR pre-training, GAN fine-tuning, network
  interpolation (ESRGAN Secs. 3.3-3.4, 4.1).
- ``draw_relativistic_average``: the distributions of D's logits on real and fake
  samples and the relativistic probabilities they give (ESRGAN Sec. 3.2, Eq. 1-2).

Taught in: notebooks 00, 02, 05 and 06.
"""

from __future__ import annotations

import numpy as np

COLOURS = {"conv": "#cfe2f3", "act": "#fce5cd", "norm": "#d9ead3", "up": "#ead1dc",
           "io": "#eeeeee", "block": "#fff2cc", "sum": "#ffffff"}


def _axes(ax, size):
    """A fresh figure of ``size`` with one blank axis, or the caller's axis."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    ax.set_axis_off()
    return ax.figure, ax


def _box(ax, x, y, text, kind="conv", width=1.0, height=0.9, fontsize=8):
    """A rounded box centred at (x, y) holding ``text``; returns its centre."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.03", facecolor=COLOURS[kind], edgecolor="black", lw=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return x, y


def _arrow(ax, start, end, rad=0.0, colour="black", label=None):
    """An arrow from ``start`` to ``end``, curved by ``rad`` (0 is straight)."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="->", color=colour, lw=1.0, shrinkA=0, shrinkB=0,
                                connectionstyle=f"arc3,rad={rad}"))
    if label:
        ax.text((start[0] + end[0]) / 2, max(start[1], end[1]) + 0.1 + abs(rad) * 2, label,
                ha="center", va="bottom", fontsize=7, color=colour)


def _chain(ax, labels, y=0.0, step=1.3, width=1.1, kinds=None, height=0.9):
    """Boxes left to right joined by arrows; returns their centres."""
    kinds = kinds or ["conv"] * len(labels)
    centres = [_box(ax, i * step, y, text, kind, width=width, height=height)
               for i, (text, kind) in enumerate(zip(labels, kinds))]
    for a, b in zip(centres, centres[1:]):
        _arrow(ax, (a[0] + width / 2, a[1]), (b[0] - width / 2, b[1]))
    return centres


def draw_srresnet(num_block: int = 16, num_feat: int = 64, ax=None):
    """SRResNet, SRGAN's generator (Ledig et al. 2017, Sec. 2.1 and Fig. 4), as a block diagram."""
    fig, ax = _axes(ax, (12, 2.8))
    labels = ["LR\n(3, h, w)", f"conv 9x9\n3->{num_feat}\nPReLU",
              f"{num_block} x residual\nblock: conv-BN-\nPReLU-conv-BN\n+ skip", "conv 3x3\nBN", "+",
              f"conv 3x3\n{num_feat}->{4 * num_feat}\nPixelShuffle x2\nPReLU",
              f"conv 3x3\n{num_feat}->{4 * num_feat}\nPixelShuffle x2\nPReLU",
              f"conv 9x9\n{num_feat}->3", "SR\n(3, 4h, 4w)"]
    kinds = ["io", "conv", "block", "conv", "sum", "up", "up", "conv", "io"]
    centres = _chain(ax, labels, width=1.15, kinds=kinds)
    _arrow(ax, (centres[1][0], 0.45), (centres[4][0], 0.45), rad=-0.35, colour="tab:red",
           label="global skip (features before the blocks)")
    ax.set_xlim(-0.8, centres[-1][0] + 0.8)
    ax.set_ylim(-0.8, 1.6)
    ax.set_title("SRResNet (SRGAN's generator): 16 residual blocks, then two x2 sub-pixel stages")
    return fig


def draw_rdb(num_feat: int = 64, num_grow_ch: int = 32, res_scale: float = 0.2, ax=None):
    """The dense connections of one residual dense block (ESRGAN Sec. 3.1, Fig. 4).

    Conv k sees the block input and the outputs of convs 1..k-1, so its input has
    ``num_feat + (k - 1) * num_grow_ch`` channels; the counts printed in the boxes
    are read from ``srlib.models.ResidualDenseBlock`` itself.
    """
    from torch import nn

    from srlib.models.rrdb import ResidualDenseBlock

    block = ResidualDenseBlock(num_feat, num_grow_ch)
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    fig, ax = _axes(ax, (12, 3.6))
    step = 1.9
    nodes = [_box(ax, 0, 0, f"x\n{num_feat} ch", "io", width=1.0)]
    for k, conv in enumerate(convs, start=1):
        act = "\nLeakyReLU 0.2" if k < len(convs) else "\n(no activation)"
        nodes.append(_box(ax, k * step, 0, f"conv{k} 3x3\n{conv.in_channels}->{conv.out_channels}{act}",
                          "conv" if k < len(convs) else "up", width=1.35, height=1.0))
    for k in range(1, len(nodes)):  # every earlier node feeds conv k: the dense connections
        _arrow(ax, (nodes[k - 1][0] + 0.6, 0), (nodes[k][0] - 0.68, 0))  # the chain
        for j in range(k - 1):  # the skips over one or more convs
            _arrow(ax, (nodes[j][0] + 0.3, 0.5), (nodes[k][0] - 0.3, 0.5), rad=-0.12 - 0.06 * (k - j),
                   colour="tab:blue")
    out = _box(ax, (len(convs) + 1) * step, 0, f"x + {res_scale} * conv5\n{num_feat} ch", "sum", width=1.4)
    _arrow(ax, (nodes[-1][0] + 0.68, 0), (out[0] - 0.7, 0))
    _arrow(ax, (nodes[0][0], -0.45), (out[0], -0.45), rad=0.15, colour="tab:red")
    ax.text(out[0] / 2, -1.55, "residual: the block input is added back, scaled output of conv5",
            ha="center", fontsize=7, color="tab:red")
    ax.text(out[0] / 2, 2.15, "dense connections: conv k reads [x, x1, ..., x(k-1)] concatenated (blue arcs)",
            ha="center", fontsize=8, color="tab:blue")
    ax.set_xlim(-0.8, out[0] + 0.9)
    ax.set_ylim(-1.8, 2.5)
    ax.set_title(f"Residual dense block: input channels grow by g = {num_grow_ch} per conv")
    return fig


def draw_rrdb(num_block: int = 23, res_scale: float = 0.2, ax=None):
    """RRDB (three distinct RDBs inside a residual) and RRDBNet's trunk (ESRGAN Sec. 3.1, Fig. 4)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 4.6))
    else:
        fig, top, bottom = ax.figure, ax, None
    for a in (top, bottom):
        if a is not None:
            a.set_axis_off()
    centres = _chain(top, ["x", "RDB 1", "RDB 2", "RDB 3", f"x {res_scale}", "+"],
                     kinds=["io", "block", "block", "block", "act", "sum"], width=1.0)
    _arrow(top, (centres[0][0], 0.45), (centres[-1][0], 0.45), rad=-0.2, colour="tab:red",
           label="skip: RRDB(x) = x + 0.2 RDB3(RDB2(RDB1(x)))")
    top.text(centres[2][0], -0.75, "three distinct modules (own weights), each itself x + 0.2 conv5(...)",
             ha="center", fontsize=8)
    top.set_xlim(-0.8, centres[-1][0] + 0.8)
    top.set_ylim(-1.0, 2.0)
    top.set_title("RRDB: residual in residual dense block")
    if bottom is not None:
        labels = ["LR", "conv_first\n3->64", f"body:\n{num_block} x RRDB", "conv_body", "+",
                  "nearest x2\nconv_up1\nLReLU", "nearest x2\nconv_up2\nLReLU", "conv_hr\nLReLU",
                  "conv_last\n64->3", "SR"]
        kinds = ["io", "conv", "block", "conv", "sum", "up", "up", "conv", "conv", "io"]
        c = _chain(bottom, labels, step=1.25, width=1.05, kinds=kinds)
        _arrow(bottom, (c[1][0], 0.45), (c[4][0], 0.45), rad=-0.35, colour="tab:red", label="trunk skip (a sum)")
        bottom.set_xlim(-0.8, c[-1][0] + 0.8)
        bottom.set_ylim(-0.8, 1.6)
        bottom.set_title("RRDBNet (ESRGAN's generator): no BatchNorm anywhere in the generator")
    fig.tight_layout()
    return fig


def discriminator_layers(model) -> list[dict]:
    """One row per conv of an ``SRGANDiscriminator``: channels, stride, size, normalisation."""
    from torch import nn

    rows, size, layers = [], model.input_size, list(model.features)
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Conv2d):
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            size = size // layer.stride[0]
            norm = "" if isinstance(nxt, (nn.LeakyReLU, nn.Identity)) else type(nxt).__name__
            rows.append({"in": layer.in_channels, "out": layer.out_channels, "stride": layer.stride[0],
                         "size": size, "norm": norm})
    return rows


def draw_discriminator(model=None, ax=None):
    """SRGAN's VGG-style discriminator (Ledig et al. 2017, Sec. 2.1 and Fig. 4), read from ``model``.

    Args:
        model: a ``srlib.models.SRGANDiscriminator``; default the 128-pixel one.
    """
    if model is None:
        from srlib.models.discriminator import SRGANDiscriminator

        model = SRGANDiscriminator(input_size=128)
    rows = discriminator_layers(model)
    fig, ax = _axes(ax, (13, 3.0))
    labels = [f"HR or SR\n(3, {model.input_size}, {model.input_size})"]
    kinds = ["io"]
    for r in rows:
        norm = f"\n{r['norm'].replace('2d', '')}" if r["norm"] else "\n(no norm)"
        labels.append(f"conv s{r['stride']}\n{r['in']}->{r['out']}\n{r['size']}x{r['size']}{norm}")
        kinds.append("conv" if r["stride"] == 1 else "norm")
    labels += ["Dense\n1024\nLReLU 0.2", "Dense 1\n(logit)"]
    kinds += ["act", "io"]
    centres = _chain(ax, labels, step=1.2, width=1.05, kinds=kinds)
    ax.text(centres[len(rows) // 2][0], -0.85, "every conv: 3x3, then LeakyReLU(0.2); stride 2 halves the size",
            ha="center", fontsize=8)
    ax.set_xlim(-0.8, centres[-1][0] + 0.8)
    ax.set_ylim(-1.1, 0.8)
    ax.set_title("VGG-style discriminator: logits out, the sigmoid lives in the loss")
    return fig


def draw_esrgan_pipeline(ax=None):
    """ESRGAN's two training stages and network interpolation (Secs. 3.3, 3.4 and 4.1).

    Every label is broken into short lines so that it stays inside its box and
    off the arrows between the boxes (``tests/course/test_diagrams.py`` checks it).
    """
    fig, ax = _axes(ax, (13, 3.4))
    stages = [("1. PSNR-oriented\npre-training\n\nloss: L1 pixel\nAdam 2e-4", "conv"),
              ("theta_PSNR\n(sharp edges,\nsmooth texture)", "io"),
              ("2. GAN fine-tuning\nfrom theta_PSNR\n\nL_percep + 5e-3 L_G^Ra\n+ 1e-2 L1\n"
               "Adam 1e-4,\nD trained alongside", "up"),
              ("theta_GAN\n(texture,\nsome artefacts)", "io"),
              ("3. network\ninterpolation\n\ntheta =\n(1 - alpha) theta_PSNR\n+ alpha theta_GAN", "block")]
    centres = _chain(ax, [s for s, _ in stages], step=3.0, width=2.4, height=1.5, kinds=[k for _, k in stages])
    _arrow(ax, (centres[1][0], -0.8), (centres[4][0] - 0.3, -0.8), rad=0.25, colour="tab:red")
    ax.text(centres[2][0], -2.05, "both weight sets feed the interpolation: alpha in [0, 1] dials "
            "PSNR against texture", ha="center", va="center", fontsize=8, color="tab:red")
    ax.set_xlim(-1.4, centres[-1][0] + 1.4)
    ax.set_ylim(-2.3, 1.0)
    ax.set_title("ESRGAN's pipeline: pre-train for PSNR, fine-tune as a GAN, interpolate the weights")
    fig.tight_layout()
    return fig


def relativistic_probabilities(real_logits, fake_logits) -> tuple[float, float]:
    """Mean D_Ra(x_r, x_f) and mean D_Ra(x_f, x_r), D_Ra(a, b) = sigmoid(C(a) - E[C(b)]) (ESRGAN Eq. 1)."""
    real, fake = np.asarray(real_logits, float), np.asarray(fake_logits, float)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return float(sigmoid(real - fake.mean()).mean()), float(sigmoid(fake - real.mean()).mean())


def draw_relativistic_average(real_logits, fake_logits_by_stage: dict, axes=None):
    """D's logits on real and fake samples, and the relativistic probabilities they give.

    Left: histograms of C(x_r) and of C(x_f) at each stage, with the means that
    D_Ra subtracts. Right: mean D_Ra(x_r, x_f) and D_Ra(x_f, x_r) per stage;
    both should move to 0.5 as the fakes become indistinguishable
    (ESRGAN Sec. 3.2, Eq. 1; Jolicoeur-Martineau 2018).

    Args:
        real_logits: 1-D array of C(x_r).
        fake_logits_by_stage: stage name -> 1-D array of C(x_f), in training order.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    left, right = axes
    fig = left.figure
    real = np.asarray(real_logits, float)
    every = np.concatenate([real] + [np.asarray(f, float) for f in fake_logits_by_stage.values()])
    bins = np.linspace(every.min(), every.max(), 40)
    left.hist(real, bins=bins, alpha=0.5, color="black", label="real C(x_r)")
    left.axvline(real.mean(), color="black", ls="--")
    colours = plt.cm.viridis(np.linspace(0.1, 0.8, len(fake_logits_by_stage)))
    probs = []
    for (stage, fake), colour in zip(fake_logits_by_stage.items(), colours):
        fake = np.asarray(fake, float)
        left.hist(fake, bins=bins, alpha=0.45, color=colour, label=f"fake C(x_f), {stage}")
        left.axvline(fake.mean(), color=colour, ls="--")
        probs.append(relativistic_probabilities(real, fake))
    left.set_xlabel("discriminator logit C(x)")
    left.set_ylabel("number of samples")
    left.set_title("D's logits; dashed: the means E[C] that D_Ra subtracts")
    left.legend(fontsize=7)
    stages = list(fake_logits_by_stage)
    right.plot(stages, [p[0] for p in probs], "o-", color="black", label="mean D_Ra(x_r, x_f)")
    right.plot(stages, [p[1] for p in probs], "s-", color="tab:green", label="mean D_Ra(x_f, x_r)")
    right.axhline(0.5, color="grey", ls=":")
    right.set_ylim(0, 1)
    right.set_xlabel("training stage")
    right.set_ylabel("relativistic probability")
    right.set_title("both move to 0.5 as fakes improve")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig
