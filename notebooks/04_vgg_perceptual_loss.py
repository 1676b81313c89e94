# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["course-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/04_vgg_perceptual_loss.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 04 · The VGG perceptual loss
#
# **Goals**
# 1. See why a pixel loss (MSE) produces blur: the MSE-optimal output is the *mean* of all
#    plausible high-resolution images.
# 2. Look inside VGG19 and name its layers the way the papers do (`relu2_2` = "VGG22",
#    `relu5_4` = "VGG54", `conv5_4` = ESRGAN's choice).
# 3. Feed VGG19 the way it was trained (ImageNet normalisation), and test ESRGAN's two
#    arguments for features *before* the activation, sparsity and brightness, knowing what a
#    random, untrained VGG can and cannot say about them.
# 4. Fine-tune a generator under pixel MSE, VGG22 and VGG54 and compare distortion and
#    fine detail on held-out photos.
# 5. See why the perceptual loss needs no 224x224 input, and what resizing whole photos to it
#    destroys.
#
# Prerequisites: notebooks 01-03. Runtime: about 3 minutes of one CPU thread under `ci` (the
# stored run; most of it the VGG54 fine-tuning of section 4); longer under `cpu`, which trains
# 600 steps per loss instead of 40.
#
# Papers: Johnson, Alahi and Fei-Fei 2016, [arXiv:1603.08155](https://arxiv.org/abs/1603.08155);
# SRGAN [arXiv:1609.04802](https://arxiv.org/abs/1609.04802) (Sec. 2.2.1);
# ESRGAN [arXiv:1809.00219](https://arxiv.org/abs/1809.00219) (Sec. 3.3).

# %%
import numpy as np
import torch
import torch.nn.functional as F

from srlib.course import setup, show

profile, device = setup(seed=0)

# %% [markdown]
# ### Which VGG19 weights?
# The perceptual loss needs VGG19 trained on ImageNet; torchvision downloads the weights once
# (on Colab) and caches them. The `ci` profile runs offline, so there we ask **explicitly**
# for random weights: every number below that comes out of VGG is then computed with an
# untrained network, only illustrates the mechanics, and says so where it is used; it says
# nothing about trained VGG features. (Sections 1 and 5 use no VGG.) Under `cpu` and `gpu`,
# the same cells compute the real numbers: `vgg_weights_for` downloads the
# ImageNet weights once; offline it prints why and falls back to random weights, never
# silently. Asked for directly, `weights="imagenet"` without a download raises an error that
# says what to do.

# %%
from srlib.losses import vgg_weights_for

VGG_WEIGHTS = vgg_weights_for(profile.name)  # "random" under ci; offline elsewhere too, with a note
print(f"VGG19 weights used in this run: {VGG_WEIGHTS}")
if VGG_WEIGHTS == "random":
    print("NOTE: random VGG19 weights - the perceptual-loss numbers below are illustrative only.")

# %% [markdown]
# ## 1. Why MSE blurs
#
# Many HR images downscale to the same LR image. A network trained with
# $\mathcal{L}_{MSE} = \mathbb{E}\,\|G(I^{LR}) - I^{HR}\|^2$ is pulled towards the
# conditional mean $\mathbb{E}[I^{HR} \mid I^{LR}]$, the pixel-wise average of all the
# plausible answers. Where the answers agree (a straight edge) the average is sharp; where
# they disagree it is smooth. They disagree most on *stochastic* textures such as fur or
# grass, whose every strand could lie elsewhere.
#
# We build plausible answers by hand on fur, the forehead of the held-out photo `chelsea`:
# the bicubic upscaling of one LR crop plus the high-frequency detail of *different* crops of
# the same fur (detail = crop minus its own bicubic round trip, so adding it hardly changes
# the LR image). The first answer is the HR crop itself.

# %%
from srlib.data import imresize, load_photo
from srlib.metrics import gradient_energy, psnr

chelsea = load_photo("chelsea").astype(np.float64) / 255  # (300, 451, 3) in [0, 1]
side, top, left, step = 48, 0, 200, 14  # 48 x 48 HR crops of the cat's forehead, 14 pixels apart
hr = chelsea[top:top + side, left:left + side]  # (48, 48, 3)
lr = imresize(hr, 1 / 4)  # (12, 12, 3)
base = imresize(lr, 4)  # bicubic, (48, 48, 3)


def detail(crop):
    return crop - imresize(imresize(crop, 1 / 4), 4)  # high frequencies only


offsets = [(top + dy, left + dx) for dy in range(0, 4 * step, step) for dx in range(0, 4 * step, step)]
plausible = [np.clip(base + detail(chelsea[y:y + side, x:x + side]), 0, 1) for y, x in offsets]  # [0] is hr
mean_answer = np.mean(plausible, axis=0)  # the MSE optimum over these answers
lr_error = np.mean([np.abs(imresize(p, 1 / 4) - lr).mean() for p in plausible[1:]]) * 255
print(f"{len(plausible)} plausible HR answers of {side} x {side}; downscaled x4, the {len(plausible) - 1} built "
      f"from other crops differ from the LR crop by {lr_error:.1f} levels (of 255) on average, while the LR "
      f"crop's own pixels vary by {lr.std() * 255:.1f} levels (standard deviation)")

# %% [markdown]
# How much fine detail does an image hold? A simple count is the **gradient energy**: the mean
# squared difference between neighbouring pixels of the luma (Y) channel, on 8-bit values,
# without the 4-pixel border that PSNR also leaves out (notebook 01). Divided by the HR
# image's, 1 means as much detail as the photo. It is a *detail count*, not a perceptual
# metric: it rewards any high frequency, noise or a stamped grid as much as fur (the last
# panel of the figure below checks that).

# %%
show(gradient_energy)

# %%
energy_hr = gradient_energy(hr)
noisy = np.clip(base + np.random.default_rng(0).normal(0, 20 / 255, base.shape), 0, 1)  # noise of 20 levels
one = np.mean([gradient_energy(p) for p in plausible]) / energy_hr  # one answer, averaged over the 16
bicubic_energy = gradient_energy(base) / energy_hr
print("gradient energy relative to the HR crop:")
print(f"  {'one answer (mean over the 16)':<30}{one:5.2f}")
for n in (4, 16):
    measured = gradient_energy(np.mean(plausible[:n], axis=0)) / energy_hr
    print(f"  {f'mean of {n} answers':<30}{measured:5.2f}   (bicubic + 1/{n} of what one answer adds: "
          f"{bicubic_energy + (one - bicubic_energy) / n:.2f})")
print(f"  {'bicubic':<30}{bicubic_energy:5.2f}")
print(f"  {'bicubic + noise':<30}{gradient_energy(noisy) / energy_hr:5.2f}")
candidates = {"the mean answer": mean_answer, "bicubic": base, "the HR crop itself": plausible[0]}
print(f"mean PSNR-Y to the {len(plausible)} answers:")
for name, img in candidates.items():
    print(f"  {name:<30}{np.mean([psnr(img, p) for p in plausible if p is not img]):5.2f} dB")

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 6, figsize=(16, 3.4), layout="constrained", width_ratios=[1.4, 1, 1, 1, 1, 1])
margin = 40  # photo shown around the crops
axes[0].imshow(chelsea[:top + 3 * step + side + margin, left - margin:left + 3 * step + side + margin])
for y, x in offsets[::-1]:  # where the 16 crops come from; the HR crop last, in red
    axes[0].add_patch(plt.Rectangle((x - left + margin - 0.5, y - top - 0.5), side, side, fill=False, lw=0.8,
                                    color="red" if (y, x) == offsets[0] else "white"))
axes[0].set_title("16 crops of forehead fur\n(HR crop in red)", fontsize=10)
panels = [("HR crop (an answer)", plausible[0]), ("another answer", plausible[5]),
          ("mean of 16 (MSE optimum)", mean_answer), ("bicubic", base), ("bicubic + noise", noisy)]
for ax, (title, img) in zip(axes[1:], panels):
    ax.imshow(img, interpolation="nearest")
    ax.set_title(f"{title}\ngradient energy {gradient_energy(img) / energy_hr:.2f}", fontsize=10)
for ax in axes:
    ax.axis("off")
fig.suptitle("chelsea (held out): plausible x4 answers for one LR crop; gradient energy relative to the HR crop")
plt.show()

# %% [markdown]
# The LR crop fixes the dark bands of the fur but not where each strand lies, so the answers
# disagree on every strand and their mean keeps little more than the bands: in the figure the
# mean is nearly as blurred as bicubic. Averaging cancels what the answers do not share: of
# the gradient energy one answer adds above bicubic, the mean of $n$ answers keeps about
# $1/n$ (the printed predictions match the measurements), as for $n$ independent textures.
# Yet the mean answer has the highest PSNR to the set of answers of the three candidates
# printed, above bicubic and far above the HR crop itself, whose strands sit in the wrong
# places for every other answer. That is the MSE trade-off: PSNR rewards the average, our eyes
# do not.
#
# The last panel is a warning about counting detail: noise scores more gradient energy than
# the fur and looks nothing like it.
#
# SRGAN's answer is to compare images in a *feature space* where textures that look alike are
# close.
#
# ## 2. VGG19 features and their names
#
# The perceptual loss compares VGG19 activations of the SR and HR images:
#
# $$\mathcal{L}_{percep} = \sum_l w_l\ \big\| \phi_l(I^{SR}) - \phi_l(I^{HR}) \big\|,$$
#
# where $\phi_l$ is layer $l$ (SRGAN: MSE on `relu5_4`, features rescaled by 1/12.75; ESRGAN:
# L1 on `conv5_4`, before the ReLU). `srlib` names the layers and maps them to torchvision's
# indices, and returns several layers from one forward pass of a frozen network:

# %%
from srlib.losses import VGG19_LAYERS, PerceptualLoss, VGGFeatureExtractor

print({name: VGG19_LAYERS[name] for name in ("conv1_1", "relu2_2", "conv5_4", "relu5_4", "pool5")})
show(VGGFeatureExtractor.forward)

# %%
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the random-weights warning was printed above, once
    vgg = VGGFeatureExtractor(("relu1_2", "relu2_2", "relu3_4", "relu4_4", "conv5_4", "relu5_4"),
                              weights=VGG_WEIGHTS).to(device)
astronaut = load_photo("astronaut").astype(np.float64) / 255  # (512, 512, 3), a training photo
img = torch.from_numpy(astronaut[:256, 128:384]).permute(2, 0, 1)[None].float().to(device)  # (1, 3, 256, 256)
with torch.no_grad():
    feats = vgg(img)
for name, f in feats.items():
    print(f"{name:<8} {tuple(f.shape)}")

# %% [markdown]
# **Predict, then run.** What shape do `conv5_4` features of a 100x100 patch have? Four
# stride-2 max-poolings come before conv5_4 (256 became 16 above); each rounds down. Predict,
# then run `vgg(torch.rand(1, 3, 100, 100))["conv5_4"].shape`.

# %%
fig, axes = plt.subplots(1, 5, figsize=(15, 3.6), layout="constrained")
axes[0].imshow(astronaut[:256, 128:384])
axes[0].set_title(f"input\n(VGG19 weights: {VGG_WEIGHTS})")
for ax, name in zip(axes[1:], ("relu1_2", "relu2_2", "relu3_4", "relu4_4")):
    f = feats[name][0]
    channel = int(f.flatten(1).std(1).argmax())  # the most varied channel
    ax.imshow(f[channel].cpu(), cmap="viridis")
    ax.set_title(f"{name}, channel {channel}\n{f.shape[-1]}x{f.shape[-2]} pixels")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# Deeper layers see larger regions at lower resolution (the printed shapes: 256 pixels across
# at `relu1_2`, 16 at `conv5_4`). With ImageNet weights the deepest layers, such as `relu5_4`
# (VGG54), respond to whole textures and object parts (Zeiler and Fergus 2014,
# arXiv:1311.2901, Fig. 2) while `relu2_2` (VGG22) still follows edges. In the stored run the
# weights are random (the first panel's title says which): its maps show only the falling
# resolution, not what a trained layer responds to.
#
# ### ImageNet normalisation
#
# The first two lines of `forward` normalise the input. torchvision's VGG19 was trained on
# ImageNet photos given as $(x - \mu) / \sigma$ per colour channel, with
# $\mu = (0.485, 0.456, 0.406)$ and $\sigma = (0.229, 0.224, 0.225)$: the mean and standard
# deviation of ImageNet's pixels in [0, 1]. Its weights expect inputs in those units, so
# `VGGFeatureExtractor` takes images in [0, 1] and normalises them itself (normalising
# before calling it would do it twice). [Exercise 04](../exercises/ex04_perceptual_loss.ipynb)
# asks you to write the same two lines in your own loss. What does the network see if the step
# is forgotten? It reads a raw value $x$ as if it were already $(x' - \mu)/\sigma$, that is, as
# the image $x' = \sigma x + \mu$:

# %%
mean, std = vgg.mean.cpu(), vgg.std.cpu()  # the extractor's buffers, (1, 3, 1, 1)
print("mu:", [round(v, 3) for v in mean.flatten().tolist()], " sigma:", [round(v, 3) for v in std.flatten().tolist()])
seen_raw = img.cpu() * std + mean  # what VGG19 sees when given [0, 1] values without the normalisation
for label, x in (("the photo", img.cpu()), ("seen without normalisation", seen_raw)):
    low, high = x.amin(dim=(0, 2, 3)), x.amax(dim=(0, 2, 3))
    print(f"{label:<27} channel ranges " + ", ".join(f"[{a:.2f}, {b:.2f}]" for a, b in zip(low, high)))
vgg.normalize = False
with torch.no_grad():
    raw_feats = vgg(img)
vgg.normalize = True
blurred = F.avg_pool2d(img, 5, stride=1, padding=2, count_include_pad=False)
with torch.no_grad():
    blur_feats = vgg(blurred)


def change(a, b):
    return float((a - b).abs().mean() / b.abs().mean())  # mean absolute change relative to b's size


print(f"conv5_4 features, VGG19 with {VGG_WEIGHTS} weights: skipping the normalisation changes them by "
      f"{100 * change(raw_feats['conv5_4'], feats['conv5_4']):.0f}%, a 5x5 blur of the photo by "
      f"{100 * change(blur_feats['conv5_4'], feats['conv5_4']):.0f}%")

fig, axes = plt.subplots(1, 2, figsize=(7, 3.8), layout="constrained")
for ax, (title, x) in zip(axes, (("the photo\n(what VGG19 reads after normalisation)", img.cpu()),
                                 ("what VGG19 reads\nwhen the normalisation is skipped", seen_raw))):
    ax.imshow(x[0].permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_title(title, fontsize=10)
    ax.axis("off")
plt.show()

# %% [markdown]
# Forgotten, the normalisation turns black into the grey $\mu$ and squeezes the photo into
# about a quarter of its contrast ($\sigma \approx 0.23$, the printed ranges): a washed-out
# picture unlike anything the network was trained on. How much that moves the features is a
# property of the weights: the printed percentage is for this run's weights (random in the
# stored run, where it shows only that the features move; ImageNet weights give the real
# figure).
#
# ## 3. Before or after the activation?
#
# ESRGAN (Sec. 3.3) takes features before the ReLU, for two reasons, both about the *trained*
# VGG19: (1) its activated deep features are **sparse**: on the test image "baboon", only
# 11.17% of the `relu5_4` (VGG19-54) activations are non-zero, so a loss on them compares
# mostly zeros and gives weak supervision; (2) activated features give **inconsistent
# brightness** compared with the HR image.
#
# **Predict, then run.** What share of `relu5_4` is non-zero in a VGG19 with *random* weights?
# Its conv5_4 outputs are sums of many inputs times random weights drawn symmetric around zero.
# As a baseline with no image structure at all, we also feed uniform noise.

# %%
noise = torch.rand(img.shape, generator=torch.Generator().manual_seed(1)).to(device)  # (1, 3, 256, 256)
with torch.no_grad():
    noise_feats = vgg(noise)
print(f"VGG19 with {VGG_WEIGHTS} weights:")
for label, f in (("the photo", feats), ("uniform noise", noise_feats)):
    pre, post = f["conv5_4"], f["relu5_4"]
    print(f"  {label:<14} conv5_4 below zero: {100 * (pre < 0).float().mean():4.1f}%;  "
          f"relu5_4 non-zero: {100 * (post > 0).float().mean():4.1f}%")

# %% [markdown]
# In the stored run the weights are random, and the photo and the noise give the same answer,
# about half: a random layer's outputs are spread symmetrically around zero whatever the
# input, and a ReLU zeroes the negative half. That is what a ReLU does, not an observation
# about image features, and it is far from ESRGAN's 11.17% for the trained network; a random
# VGG cannot test ESRGAN's first argument. With ImageNet weights (`SRLIB_PROFILE=cpu` online,
# the `gpu` profile, Colab) the same cell measures the trained network on this photo, beside
# the noise baseline.
#
# For brightness: how much does each loss notice that an image got brighter, compared with
# how much it notices a blur? A loss that barely sees brightness cannot stop it drifting.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    losses = {name: PerceptualLoss({name: 1.0}, criterion="l1", weights=VGG_WEIGHTS).to(device)
              for name in ("conv5_4", "relu5_4")}
brighter = (img + 0.06).clamp(0, 1)
for name, loss_fn in losses.items():
    with torch.no_grad():
        b, s = loss_fn(brighter, img).item(), loss_fn(blurred, img).item()
    print(f"{name}, VGG19 with {VGG_WEIGHTS} weights: loss(brightness +6%) / loss(5x5 blur) = {b / s:.3f}")

# %% [markdown]
# The ratio is the loss's sensitivity to a brightness change relative to a structural
# change. ESRGAN's second argument predicts a higher ratio before the ReLU (`conv5_4`) than
# after it (`relu5_4`) *for the trained network*. The stored run's rows come from random
# weights: they show the computation, and say nothing about that prediction; ImageNet
# weights test it.
#
# ## 4. Training a generator: pixel MSE versus VGG22 versus VGG54
#
# A loss shows what it asks for when it trains a *generator*, which never sees the HR image
# at test time. SRGAN (Ledig et al. 2017, Sec. 3.4 and Table 1) compares exactly these
# content losses. We start three copies of the course's shipped PSNR-oriented generator
# (`load_generator("psnr")`, trained with L1; notebook 05 section 6 and `srlib pretrained`)
# and fine-tune each for the same steps on the same patches in the same order with one loss:
# pixel MSE, VGG22 (`relu2_2`, MSE) or VGG54 (`relu5_4`, MSE, features / 12.75). Then we score
# them on the held-out photos: PSNR-Y for distortion, and the gradient energy relative to HR
# (section 1) for fine detail. The VGG losses use this run's VGG19 weights (random in the
# stored run).

# %%
from tqdm.auto import tqdm

from srlib.data import make_train_loader, sample_dataset
from srlib.metrics import relative_gradient_energy
from srlib.models import count_parameters, load_generator

train_set = sample_dataset("train", scale=4, hr_patch=48, repeat=10_000)
val_set = sample_dataset("val", scale=4)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    objectives = {
        "pixel MSE": F.mse_loss,
        "VGG22 (relu2_2, MSE)": PerceptualLoss({"relu2_2": 1.0}, criterion="mse", weights=VGG_WEIGHTS).to(device),
        "VGG54 (relu5_4, MSE)": PerceptualLoss.srgan(weights=VGG_WEIGHTS).to(device),
    }
steps = profile.train_iters
tuned = {"start (shipped psnr)": load_generator("psnr", device).eval()}
print(f"shipped psnr: a {type(tuned['start (shipped psnr)']).__name__} of "
      f"{count_parameters(tuned['start (shipped psnr)']):,d} parameters")
for name, objective in objectives.items():
    torch.manual_seed(0)
    net = load_generator("psnr", device).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-4)
    batches = iter(make_train_loader(train_set, batch_size=4, num_workers=0, seed=0))
    for _ in tqdm(range(steps), desc=name):
        img_lr, img_hr = next(batches)
        loss = objective(net(img_lr.to(device)), img_hr.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    tuned[name] = net.eval()

# %%
scores = {}
with torch.no_grad():
    for name, net in tuned.items():
        outs = [(net(val_set[i][0][None].to(device)).clamp(0, 1).cpu(), val_set[i][1][None]) for i in range(len(val_set))]
        scores[name] = (np.mean([psnr(sr, hr).item() for sr, hr in outs]),
                        np.mean([relative_gradient_energy(sr, hr) for sr, hr in outs]))
bicubic_psnr = np.mean([psnr(imresize(lr[None].double(), 4).clamp(0, 1).float(), hr[None]).item()
                        for lr, hr in (val_set[i] for i in range(len(val_set)))])
print(f"{steps} steps of batch 4 (48-pixel HR patches), Adam 2e-4, VGG19 weights: {VGG_WEIGHTS}; "
      f"{len(val_set)} held-out photos")
# PSNR after training to one decimal: the second moves with the CPU's kernels and threads
print(f"{'':<24}{'PSNR-Y':>9}{'gradient energy / HR':>22}")
print(f"{'MATLAB bicubic':<24}{bicubic_psnr:6.1f} dB")
for name, (value, energy) in scores.items():
    print(f"{name:<24}{value:6.1f} dB{energy:22.2f}")

# %%
img_lr, img_hr = val_set[0]
crop = (slice(0, 64), slice(184, 248))  # fur of the cat's head: fine texture
fig, axes = plt.subplots(1, len(tuned) + 1, figsize=(3.2 * (len(tuned) + 1), 3.9), layout="constrained")
with torch.no_grad():
    panels = [(n, net(img_lr[None].to(device)).clamp(0, 1)[0].cpu()) for n, net in tuned.items()]
for ax, (title, img_sr) in zip(axes, panels + [("HR", img_hr)]):
    ax.imshow(img_sr.permute(1, 2, 0).numpy()[crop], interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
fig.suptitle(f"{val_set.names[0]}, 64 x 64 HR crop (held out); VGG losses with {VGG_WEIGHTS} VGG19 weights")
plt.show()

# %%
start_psnr, start_energy = scores["start (shipped psnr)"]
for name in objectives:
    value, energy = scores[name]
    print(f"{name:<22} PSNR-Y {value - start_psnr:+.1f} dB, gradient energy {energy - start_energy:+.2f} "
          "against the start")
print("highest PSNR-Y: " + max(objectives, key=lambda n: scores[n][0])
      + "; most gradient energy: " + max(objectives, key=lambda n: scores[n][1]))
level = [n for n in objectives if abs(scores[n][0] - bicubic_psnr) < 0.1]
below = [n for n in objectives if scores[n][0] <= bicubic_psnr - 0.1]
print(f"level with MATLAB bicubic (within 0.1 dB) in PSNR-Y: {', '.join(level) or 'none'}; "
      f"more than 0.1 dB below it: {', '.join(below) or 'none'}")

# %% [markdown]
# In the stored run (random VGG19 weights) pixel MSE hardly moves the generator from the PSNR
# optimum it started from (the printed change: a tenth of a dB at most, no gain in gradient
# energy): its output stays the mean of plausible answers of section 1. The VGG losses ask
# only the *features* to match, so they may move pixels wherever that helps the features:
# VGG22 a little, VGG54 the most, losing about a dB of PSNR-Y, down to bicubic's level, for
# the largest gain in gradient energy. What that gain is cannot be read from the number, a
# detail count; the crops show it: VGG54's fur has harder, more contrasted blotches than the start's, and no
# strands like the HR crop's. These rows measure what matching *random* features does to a
# generator. With ImageNet weights (`SRLIB_PROFILE=cpu` online, or Colab) VGG54 is SRGAN's
# loss, whose authors found it gives the most realistic textures (Ledig et al. 2017,
# Sec. 3.4): a claim this stored run cannot check, and the same cells test it with those
# weights. A loss on features alone asks for the right features, not the right pixels, which
# is why SRGAN and ESRGAN combine the perceptual loss with an adversarial loss, ESRGAN also
# with a pixel loss (notebook 05).
#
# ## 5. A source error: whole photos resized to 224x224
#
# The course was commissioned from five write-ups, numbered 000 to 004 and called the *source
# documents* (notebook 02, section 6): they are not part of this repository, and the errors in
# them are taught as pitfalls. Document 001 is a Keras SRGAN report.
#
# **Bug 1 (document 001): a 224x224 whole-image resize.** Document 001 resizes every 2K DIV2K
# photo to 224x224 with bicubic interpolation, calls that the HR image, and makes a 56x56 LR
# image from it, so that HR images fit VGG19's ImageNet input size. Two things are wrong.
# First, VGG19's convolutional features need no particular size: the perceptual loss takes
# feature maps of whatever patch it is given (SRGAN used 96x96 patches, ESRGAN 128x128):

# %%
with torch.no_grad():  # `vgg` is section 2's frozen feature extractor
    for side in (96, 128, 224):
        shape = tuple(vgg(torch.rand(1, 3, side, side, device=device))["conv5_4"].shape)
        print(f"{side}x{side} patch -> conv5_4 features {shape}")

# %% [markdown]
# Second, the resize throws away the detail super-resolution is meant to learn. Counted for a
# DIV2K photo of 2040x1356, and measured on a held-out photo of 600x400 (scaled back to its
# size, how far is the source's "HR" from the photo?):

# %%
from srlib.data import mod_crop

width, height = 2040, 1356  # a DIV2K training photo
print(f"DIV2K photo {width}x{height}: {width * height:,d} pixels; its x4 LR {width // 4}x{height // 4}: "
      f"{(width // 4) * (height // 4):,d}; the source's 'HR' 224x224: {224 * 224:,d} "
      f"(squeezed {width / 224:.1f}x across, {height / 224:.1f}x down)")
photo = mod_crop(load_photo("coffee"), 4)  # (400, 600, 3) uint8, a held-out photo
source_hr = imresize(photo, size=(224, 224))  # the source document: the whole photo -> 224x224
back = imresize(source_hr, size=photo.shape[:2])  # the source's "HR", scaled back to the photo
print(f"coffee {photo.shape[1]}x{photo.shape[0]} (aspect {photo.shape[1] / photo.shape[0]:.2f}) -> "
      f"224x224 (aspect 1.00): scaled back, PSNR-Y {psnr(back, photo):.2f} dB against the photo")

# %% [markdown]
# For a DIV2K photo the source's "HR" target holds fewer pixels than the x4 *LR input* of a
# correct pipeline: its model learns to super-resolve thumbnails and never sees the photo's
# detail, so no loss, perceptual or not, can teach it to draw that detail. Even on the small
# held-out photo, squeezed only 2.7x and 1.8x, the target scaled back differs from the photo
# by the PSNR printed above before any network is involved, and every shape is stretched to a
# square. The fix is the one SR papers use (SRGAN Sec. 3.2: 96x96 crops; ESRGAN Sec. 4.1:
# 128x128): random HR *crops* of the full-resolution photos (notebook 01), with the perceptual
# loss on the crops as they are.

# %% [markdown]
# ## Predict, then run
# 1. Section 3 measured, with this run's weights, how many `relu5_4` activations are non-zero.
#    Predict the share with ImageNet weights on the same photo (ESRGAN's 11.17% is for
#    "baboon"), then run with `SRLIB_PROFILE=cpu` online.
# 2. Predict whether the 224x224 resize of section 5 costs more or less on the 512x512
#    `astronaut` photo than on `coffee`, then change the photo.
# 3. Section 1 averaged 16 answers. Predict the mean's gradient energy for the 16 answers built
#    on a smooth region instead (the wall at the top right of `astronaut`), then try it.
#
# ## References
# - J. Johnson, A. Alahi and L. Fei-Fei, *Perceptual Losses for Real-Time Style Transfer and
#   Super-Resolution*, ECCV 2016, [arXiv:1603.08155](https://arxiv.org/abs/1603.08155).
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition* (VGG), ICLR 2015, [arXiv:1409.1556](https://arxiv.org/abs/1409.1556).
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.2.1 (VGG loss), 3.2 (96x96 crops).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 3.3 (features before activation), 4.1.
# - M. D. Zeiler and R. Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014,
#   [arXiv:1311.2901](https://arxiv.org/abs/1311.2901).
# - Y. Blau and T. Michaeli, *The Perception-Distortion Tradeoff*, CVPR 2018,
#   [arXiv:1711.06077](https://arxiv.org/abs/1711.06077).

# %% [markdown]
# ## What to remember
# - MSE's optimum is the mean of plausible answers: on a stochastic texture such as fur the
#   answers disagree on every strand, so the mean is blurred, and it still has the highest PSNR.
# - Gradient energy counts detail; it is not a perceptual metric (noise scores higher than fur).
# - The perceptual loss compares VGG19 features; layers are named `convX_Y` (before ReLU)
#   and `reluX_Y` (after). SRGAN: `relu5_4` + MSE (x 1/12.75); ESRGAN: `conv5_4` + L1.
# - VGG is frozen (eval mode, no gradients into it) and fed ImageNet-normalised inputs, the
#   units its weights were trained in; `srlib`'s extractor normalises [0, 1] images itself.
# - ESRGAN's sparsity and brightness arguments are about the *trained* VGG19: a random VGG
#   zeroes about half of any input at a ReLU, so its numbers only show the computation.
#   Offline, random weights must be chosen explicitly and say so wherever they are used.
#
# **Exercise:** [exercise 04](../exercises/ex04_perceptual_loss.ipynb) (layer selection,
# normalisation, frozen VGG).
