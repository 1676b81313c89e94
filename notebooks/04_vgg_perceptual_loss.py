# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
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
# 3. Measure ESRGAN's two arguments for features *before* the activation: sparsity and
#    brightness.
# 4. Fine-tune a generator under pixel MSE, VGG22 and VGG54 and compare distortion and
#    fine detail on held-out photos.
# 5. See why the perceptual loss needs no 224x224 input, and what resizing whole photos to it
#    destroys.
#
# Prerequisites: notebooks 01-03. Runtime: under a minute on a CPU.
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
# for random weights: every number below is then computed with an untrained network and
# only illustrates the mechanics. Under `cpu` and `gpu`, `vgg_weights_for` downloads the
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
# plausible answers, and averaging textures whose details disagree gives a smooth image.
#
# We build plausible answers by hand from a real photo: the bicubic upscaling of the LR
# crop plus the high-frequency detail of *different* real crops of the same texture
# (detail = crop minus its own bicubic round trip, so it hardly changes the LR image).

# %%
from srlib.data import imresize, load_photo
from srlib.metrics import psnr

photo = load_photo("astronaut").astype(np.float64) / 255
hr = photo[8:72, 328:392]  # a 64 x 64 crop from the photo's top right
lr = imresize(hr, 1 / 4)
base = imresize(lr, 4)


def detail(crop):
    return crop - imresize(imresize(crop, 1 / 4), 4)  # high frequencies only


offsets = [(8 + dy, 328 + dx) for dy in (0, 16, 32) for dx in (0, 16, 32)]
plausible = [np.clip(base + detail(photo[y:y + 64, x:x + 64]), 0, 1) for y, x in offsets]
mean_answer = np.mean(plausible, axis=0)


def hf_energy(img):
    return float(np.mean(detail(img) ** 2) * 1e4)


lr_error = np.mean([np.abs(imresize(p, 1 / 4) - lr).mean() for p in plausible]) * 255
print(f"{len(plausible)} plausible HR answers; downscaled, they differ from the LR crop by "
      f"{lr_error:.1f} levels on average")
print(f"high-frequency energy: one answer {np.mean([hf_energy(p) for p in plausible]):.2f}, "
      f"their mean {hf_energy(mean_answer):.2f}")
print(f"mean PSNR to the answers: of the mean answer {np.mean([psnr(mean_answer, p) for p in plausible]):.2f} dB, "
      f"of one answer {np.mean([psnr(plausible[0], p) for p in plausible[1:]]):.2f} dB")

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
for ax, (title, img) in zip(axes, [("one plausible answer", plausible[0]), ("another one", plausible[4]),
                                   ("mean of all (MSE optimum)", mean_answer), ("bicubic", base)]):
    ax.imshow(np.clip(img, 0, 1))
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# The mean answer has the highest PSNR to the set of plausible answers, and the least
# detail. That is the MSE trade-off: PSNR rewards the average, our eyes do not. SRGAN's
# answer is to compare images in a *feature space* where textures that look alike are close.
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
img = torch.from_numpy(photo[:256, 128:384]).permute(2, 0, 1)[None].float().to(device)  # (1, 3, 256, 256)
with torch.no_grad():
    feats = vgg(img)
for name, f in feats.items():
    print(f"{name:<8} {tuple(f.shape)}")

# %%
fig, axes = plt.subplots(1, 5, figsize=(15, 3.4))
axes[0].imshow(photo[:256, 128:384])
axes[0].set_title("input")
for ax, name in zip(axes[1:], ("relu1_2", "relu2_2", "relu3_4", "relu4_4")):
    f = feats[name][0]
    channel = int(f.flatten(1).std(1).argmax())  # the most varied channel
    ax.imshow(f[channel].cpu(), cmap="viridis")
    ax.set_title(f"{name}, channel {channel}\n{f.shape[-1]}x{f.shape[-2]} pixels")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Deeper layers see larger regions at lower resolution: `relu2_2` (VGG22) still follows
# edges; with ImageNet weights the deepest layers such as `relu5_4` (VGG54) respond to whole
# textures and object parts (Zeiler and Fergus 2014, arXiv:1311.2901, Fig. 2). The random
# weights of the `ci` profile show only the first half of that: resolution falls with depth.
#
# ## 3. Before or after the activation?
#
# ESRGAN (Sec. 3.3) takes features before the ReLU, for two reasons: (1) activated deep
# features are **sparse** (many are zero after the ReLU; measured below), so they carry little
# supervision;
# (2) activated features give **inconsistent brightness** compared with the HR image.
# Both are measurable:

# %%
pre, post = feats["conv5_4"], feats["relu5_4"]
print(f"conv5_4 (before ReLU): {100 * (pre == 0).float().mean():5.1f}% zeros")
print(f"relu5_4 (after ReLU):  {100 * (post == 0).float().mean():5.1f}% zeros")

# %% [markdown]
# For brightness: how much does each loss notice that an image got brighter, compared with
# how much it notices a blur? A loss that barely sees brightness cannot stop it drifting.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    losses = {name: PerceptualLoss({name: 1.0}, criterion="l1", weights=VGG_WEIGHTS).to(device)
              for name in ("conv5_4", "relu5_4")}
brighter = (img + 0.06).clamp(0, 1)
blurred = F.avg_pool2d(img, 5, stride=1, padding=2, count_include_pad=False)
for name, loss_fn in losses.items():
    with torch.no_grad():
        b, s = loss_fn(brighter, img).item(), loss_fn(blurred, img).item()
    print(f"{name}: loss(brightness +6%) / loss(5x5 blur) = {b / s:.3f}")

# %% [markdown]
# The ratio is the loss's sensitivity to a brightness change relative to a structural
# change; compare the two rows (with ImageNet weights the pre-activation loss is the more
# brightness-aware, which is ESRGAN's argument; with random weights, the `ci` profile,
# the numbers only show the computation).
#
# ## 4. Training a generator: pixel MSE versus VGG22 versus VGG54
#
# A loss shows what it asks for when it trains a *generator*, which never sees the HR image
# at test time. SRGAN (Ledig et al. 2017, Sec. 3.4 and Table 1) compares exactly these
# content losses. We start three copies of the course's shipped PSNR-oriented generator
# (`load_generator("psnr")`: a 134k-parameter `ResidualESPCN`, trained with L1; notebook 05
# section 6 and `srlib pretrained`) and fine-tune each for the same steps on the same
# patches in the same order with one loss: pixel MSE, VGG22 (`relu2_2`, MSE) or VGG54
# (`relu5_4`, MSE, features / 12.75). Then we score them on the held-out photos: PSNR-Y for
# distortion and the gradient energy relative to HR for fine detail (1 = as much as the
# photo; notebook 05 explains it).

# %%
from tqdm.auto import tqdm

from srlib.data import make_train_loader, sample_dataset
from srlib.metrics import relative_gradient_energy
from srlib.models import load_generator

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
print(f"{steps} steps of batch 4 (48-pixel HR patches), Adam 2e-4, VGG weights {VGG_WEIGHTS}; "
      f"{len(val_set)} held-out photos")
print(f"{'':<24}{'PSNR-Y':>9}{'gradient energy / HR':>22}")
for name, (value, energy) in scores.items():
    print(f"{name:<24}{value:6.2f} dB{energy:22.2f}")

# %%
img_lr, img_hr = val_set[0]
crop = (slice(0, 64), slice(184, 248))  # fur of the cat's head: fine texture
fig, axes = plt.subplots(1, len(tuned) + 1, figsize=(3.2 * (len(tuned) + 1), 3.8))
with torch.no_grad():
    panels = [(n, net(img_lr[None].to(device)).clamp(0, 1)[0].cpu()) for n, net in tuned.items()]
for ax, (title, img) in zip(axes, panels + [("HR", img_hr)]):
    ax.imshow(img.permute(1, 2, 0).numpy()[crop], interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
fig.suptitle(f"{val_set.names[0]}, 64 x 64 HR crop (held out)")
plt.tight_layout()
plt.show()

# %%
start_psnr, start_energy = scores["start (shipped psnr)"]
for name in objectives:
    value, energy = scores[name]
    print(f"{name:<22} PSNR-Y {value - start_psnr:+.2f} dB, gradient energy {energy - start_energy:+.2f} "
          "against the start")
print("highest PSNR-Y: " + max(objectives, key=lambda n: scores[n][0])
      + "; most fine detail: " + max(objectives, key=lambda n: scores[n][1]))
bicubic_psnr = np.mean([psnr(imresize(lr[None].double(), 4).clamp(0, 1).float(), hr[None]).item()
                        for lr, hr in (val_set[i] for i in range(len(val_set)))])
below = [n for n in objectives if scores[n][0] < bicubic_psnr]
if below:
    print(f"below MATLAB bicubic ({bicubic_psnr:.2f} dB) in PSNR-Y: {', '.join(below)}. A loss on features "
          "alone asks for the right features, not the right pixels, so PSNR may fall under the baseline "
          "while fine detail rises; SRGAN adds it to a GAN, ESRGAN also keeps a pixel term (notebook 05)")

# %% [markdown]
# Pixel MSE keeps the generator close to the PSNR optimum it started from: its output stays
# the mean of plausible answers (section 1). The perceptual losses ask only the *features* to
# match, so they may move pixels wherever that helps the features: the printed changes show
# how far and in which direction on this run. With ImageNet weights (`SRLIB_PROFILE=cpu`
# online, or Colab) VGG54 is the loss of SRGAN, whose authors found it gives the most
# realistic textures (Ledig et al. 2017, Sec. 3.4); with the random weights of the `ci`
# profile, the deep layers respond to little more than local colour and contrast, so read the
# VGG rows as the mechanics only. In SRGAN/ESRGAN the perceptual loss is combined with a pixel
# loss and an adversarial loss (notebook 05).

# %% [markdown]
# ## 5. A source error: whole photos resized to 224x224
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
from srlib.data import imresize, load_photo, mod_crop
from srlib.metrics import psnr

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
# square. The fix is
# the one SR papers use (SRGAN Sec. 3.2: 96x96 crops; ESRGAN Sec. 4.1: 128x128): random HR
# *crops* of the full-resolution photos (notebook 01), with the perceptual loss on the crops as
# they are.

# %% [markdown]
# ## Predict, then run
# 1. What shape do `conv5_4` features of a 100x100 patch have? Predict from the four stride-2
#    poolings before conv5_4, then run section 2's `vgg` on it.
# 2. Section 3 measured sparsity after the ReLU with the weights of this run. Predict whether
#    ImageNet weights make `relu5_4` sparser or denser, then run with `SRLIB_PROFILE=cpu`.
# 3. Predict whether the 224x224 resize of section 5 costs more or less on the 512x512
#    `astronaut` photo than on `coffee`, then change the photo.
#
# ## References
# - J. Johnson, A. Alahi and L. Fei-Fei, *Perceptual Losses for Real-Time Style Transfer and
#   Super-Resolution*, ECCV 2016, [arXiv:1603.08155](https://arxiv.org/abs/1603.08155).
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition* (VGG), ICLR 2015, [arXiv:1409.1556](https://arxiv.org/abs/1409.1556).
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.2.1 (VGG loss), 3.2 (96x96 crops).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 3.3 (features before activation), 4.1.
# - Y. Blau and T. Michaeli, *The Perception-Distortion Tradeoff*, CVPR 2018,
#   [arXiv:1711.06077](https://arxiv.org/abs/1711.06077).

# %% [markdown]
# ## What to remember
# - MSE's optimum is the mean of plausible answers: high PSNR, blurry.
# - The perceptual loss compares VGG19 features; layers are named `convX_Y` (before ReLU)
#   and `reluX_Y` (after). SRGAN: `relu5_4` + MSE (x 1/12.75); ESRGAN: `conv5_4` + L1.
# - Activated deep features are sparse; ESRGAN takes them before the activation.
# - VGG is frozen (eval mode, no gradients into it) and inputs are ImageNet-normalised.
# - Offline, random VGG weights must be chosen explicitly and only illustrate.
#
# **Exercise:** `exercises/ex04_perceptual_loss.ipynb` (layer selection, normalisation, frozen VGG).
