"""The exercises' probes and judges: correct code passes, each documented mistake is named."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from srlib.checks import check, run_check
from srlib.course.exercises import EXERCISES, find_task, judge, observe
from srlib.course.exercises.observations import MAX_BYTES, pack, unpack


def messages(report):
    return " ".join(report.failed)


def judged(name, obj, seed=0):
    """Judge ``obj`` as if it were a student's own code (the library's origin is scrubbed)."""
    _, task = find_task(name)
    obs = unpack(pack(observe(task, obj, seed)))
    obs["identity"]["modules"], obs["srlib_files"] = [], []
    return judge(task, obs, seed)


# ---------------------------------------------------------------- students' own code
def student_rdb(slope=0.2, act_after_conv5=False, product=False):
    class RDB(nn.Module):
        def __init__(self, num_feat=64, num_grow_ch=32):
            super().__init__()
            c, g = num_feat, num_grow_ch
            self.convs = nn.ModuleList(nn.Conv2d(c + k * g, g if k < 4 else c, 3, padding=1) for k in range(5))

        def forward(self, x):
            feats = [x]
            for k, conv in enumerate(self.convs):
                out = conv(torch.cat(feats, 1))
                if k < 4 or act_after_conv5:
                    out = F.leaky_relu(out, slope)
                feats.append(out)
            return x * 0.2 * out if product else x + 0.2 * out
    return RDB


def student_rrdb(rdb_cls, shared=False, product=False):
    class RRDB(nn.Module):
        def __init__(self, num_feat=64, num_grow_ch=32):
            super().__init__()
            first = rdb_cls(num_feat, num_grow_ch)
            self.blocks = nn.Sequential(first, *([first] * 2 if shared else
                                                 [rdb_cls(num_feat, num_grow_ch) for _ in range(2)]))

        def forward(self, x):
            return x * 0.2 * self.blocks(x) if product else x + 0.2 * self.blocks(x)
    return RRDB


def student_gp(per_element_eps=False, create_graph=True, norm_over_batch=False):
    def gradient_penalty(critic, real, fake, weight=10.0):
        shape = real.shape if per_element_eps else (real.shape[0],) + (1,) * (real.ndim - 1)
        eps = torch.rand(shape, device=real.device, dtype=real.dtype)
        x = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=create_graph)
        norms = g.norm() if norm_over_batch else g.reshape(len(g), -1).norm(dim=1)
        return weight * ((norms - 1) ** 2).mean()
    return gradient_penalty


def ragan_d(real, fake):
    return (-F.logsigmoid(real - fake.mean()).mean() - F.logsigmoid(-(fake - real.mean())).mean())


def ragan_g(real, fake, detach_real=False):
    real = real.detach() if detach_real else real
    return (-F.logsigmoid(-(real - fake.mean())).mean() - F.logsigmoid(fake - real.mean()).mean())


@pytest.mark.parametrize("seed", [0, 2024])
def test_correct_code_written_differently_passes(seed):
    def crop(lr, hr, p, s, rng):
        t, left = rng.integers(0, lr.shape[0] - p, endpoint=True), rng.integers(0, lr.shape[1] - p, endpoint=True)
        return lr[t:t + p, left:left + p], hr[t * s:(t + p) * s, left * s:(left + p) * s]

    def augment(lr, hr, k):  # the bits as specified, but transposing first and flipping with np.flip
        def f(img):
            img = np.swapaxes(img, 0, 1) if k & 4 else img
            img = np.flip(img, axis=1) if k & 1 else img
            return np.flip(img, axis=0) if k & 2 else img
        return f(lr), f(hr)

    def shuffle(x, r):
        b, c, h, w = x.shape
        return x.view(b, c // r // r, r, r, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, -1, h * r, w * r)

    rdb = student_rdb()
    for name, obj in [("paired_crop", crop), ("augment_pair", augment), ("rdb", rdb), ("rrdb", student_rrdb(rdb)),
                      ("pixel_shuffle", shuffle), ("num_upsample_stages", lambda s: s.bit_length() - 1),
                      ("gradient_penalty", student_gp()), ("ragan_discriminator_loss", ragan_d),
                      ("ragan_generator_loss", ragan_g),
                      ("ragan_generator_loss", lambda r, f: ragan_g(r, f, detach_real=True))]:
        report = judged(name, obj, seed)
        assert report.ok, (name, report.failed)


def test_the_library_itself_passes_every_judge():
    from srlib.data import dihedral, paired_random_crop
    from srlib.losses import gradient_penalty, ragan_discriminator_loss, ragan_generator_loss
    from srlib.losses.perceptual import VGG19_LAYERS
    from srlib.models import RRDB, ResidualDenseBlock

    for name, obj in [("paired_crop", paired_random_crop), ("augment_pair", lambda a, b, k: (dihedral(a, k), dihedral(b, k))),
                      ("rdb", ResidualDenseBlock), ("rrdb", RRDB),
                      ("gradient_penalty", gradient_penalty), ("ragan_discriminator_loss", ragan_discriminator_loss),
                      ("ragan_generator_loss", ragan_generator_loss)]:
        assert judged(name, obj).ok, name
    # The course's own table answers VGG19 only: the task asks for any layout of blocks
    report = judged("vgg_layer_index", lambda name, convs_per_block=None: VGG19_LAYERS[name])
    assert not report.ok and "not VGG19's" in messages(report)


def test_library_objects_and_wrappers_score_nothing():
    from srlib.losses import gradient_penalty
    from srlib.models import RRDB, ResidualDenseBlock

    assert "course library's own code" in messages(run_check("rrdb", RRDB))

    class Mine(ResidualDenseBlock):
        pass
    assert "course library's own code" in messages(run_check("rdb", Mine))

    def wrapper(critic, real, fake, weight=10.0):
        return gradient_penalty(critic, real, fake, weight)
    assert "calls the course library's own implementation" in messages(run_check("gradient_penalty", wrapper))
    assert "built-in pixel_shuffle" in messages(run_check("pixel_shuffle", F.pixel_shuffle))
    assert "built-in pixel_shuffle" in messages(run_check("pixel_shuffle", lambda x, r: nn.PixelShuffle(r)(x)))


def test_not_implemented_is_reported_not_raised(capsys):
    def stub(*args):
        raise NotImplementedError()
    assert check("pixel_shuffle", stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_crop_mistakes():
    def misaligned(lr, hr, p, s, rng):
        top, left = int(rng.integers(0, lr.shape[0] - p + 1)), int(rng.integers(0, lr.shape[1] - p + 1))
        return lr[top:top + p, left:left + p], hr[top:top + p * s, left:left + p * s]
    assert "does not start at the LR corner" in messages(run_check("paired_crop", misaligned))

    def short(lr, hr, p, s, rng):
        top, left = int(rng.integers(0, lr.shape[0] - p)), int(rng.integers(0, lr.shape[1] - p))
        return lr[top:top + p, left:left + p], hr[top * s:(top + p) * s, left * s:(left + p) * s]
    assert "one too short" in messages(run_check("paired_crop", short))
    assert "transformed differently" in messages(run_check("augment_pair", lambda a, b, k: (np.rot90(a, k), b)))
    flip_lr_only = lambda a, b, k: (a[:, ::-1] if k & 1 else a, b)  # noqa: E731
    assert "transformed differently" in messages(run_check("augment_pair", flip_lr_only))

    def swapped_bits(lr, hr, k):  # 8 distinct transforms, the same on both, but bit 0 flips up-down
        out = []
        for img in (lr, hr):
            img = img[::-1, :] if k & 1 else img
            img = img[:, ::-1] if k & 2 else img
            out.append(img.transpose(1, 0, 2) if k & 4 else img)
        return out[0], out[1]
    def rolled(lr, hr, k):  # red team, round 4: right for k = 0, 1, 2, 4, rolls for the rest
        single = {0: lambda im: im, 1: lambda im: im[:, ::-1], 2: lambda im: im[::-1, :],
                  4: lambda im: im.transpose(1, 0, 2)}
        if k in single:
            return single[k](lr), single[k](hr)
        n = {3: 1, 5: 2, 6: 3, 7: 4}[k]
        return np.roll(lr, n, axis=0), np.roll(hr, 2 * n, axis=0)
    report = run_check("augment_pair", rolled)
    assert not report.ok and "k=3 should apply its bits' transforms together" in messages(report), messages(report)

    def never_at_zero(lr, hr, p, s, rng):  # the corner drawn from 1, never 0
        top, left = int(rng.integers(1, lr.shape[0] - p + 1)), int(rng.integers(1, lr.shape[1] - p + 1))
        return lr[top:top + p, left:left + p], hr[top * s:(top + p) * s, left * s:(left + p) * s]
    assert "never start at the top/left" in messages(run_check("paired_crop", never_at_zero))
    swapped = run_check("augment_pair", swapped_bits)
    assert "k=1 (bit 0 alone) should flip left-right" in messages(swapped)
    assert "flip up-down" in messages(swapped) and len(swapped.failed) == 1


@pytest.mark.parametrize("mistake,message", [
    ({"slope": 0.01}, "slope is 0.01"),  # nn.LeakyReLU()'s default (source document 004)
    ({"act_after_conv5": True}, "LeakyReLU is applied after conv5"),
    ({"product": True}, "multiplied with the input"),
])
def test_dense_block_mistakes_are_named(mistake, message):
    report = run_check("rdb", student_rdb(**mistake))
    assert not report.ok and message in messages(report)


def test_dense_block_channel_arithmetic_of_the_source_document():
    class Source(nn.Module):  # channels*2 + inc_channels, ...: not dense connections
        def __init__(self, c=64, g=32):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(c, g, 3, padding=1), nn.Conv2d(c * 2 + g, g, 3, padding=1)]
                                       + [nn.Conv2d(c + g, g, 3, padding=1)] * 2 + [nn.Conv2d(c + g, c, 3, padding=1)])

        def forward(self, x):
            return x
    assert "channels should be" in messages(run_check("rdb", Source))


def test_doubled_leaky_relu_and_the_betas_typo_of_the_source_document():
    class Doubled(student_rdb()):  # source document 004: a LeakyReLU applied twice in a row
        def forward(self, x):
            feats = [x]
            for k, conv in enumerate(self.convs):
                out = conv(torch.cat(feats, 1))
                feats.append(F.leaky_relu(F.leaky_relu(out, 0.2), 0.2) if k < 4 else out)
            return x + 0.2 * out
    assert "applied twice in a row" in messages(run_check("rdb", Doubled))

    class Betas(student_rdb()):  # source document 004: `self.betas`, an attribute never set
        def __init__(self, num_feat=64, num_grow_ch=32):
            super().__init__(num_feat, num_grow_ch)
            self.beta = 0.2

        def forward(self, x):
            feats = [x]
            for conv in self.convs:
                feats.append(conv(torch.cat(feats, 1)))
            return x + self.betas * feats[-1]
    report = run_check("rdb", Betas)
    assert not report.ok and "AttributeError" in messages(report) and "betas" in messages(report)


def test_rrdb_mistakes_are_named():
    rdb = student_rdb()
    assert "share weights" in messages(run_check("rrdb", student_rrdb(rdb, shared=True)))
    assert "product" in messages(run_check("rrdb", student_rrdb(rdb, product=True)))


def test_an_rrdb_that_ignores_its_blocks_scores_nothing():
    """Red team, round 4: unused convs of the right count and 1.2 x passed shape, parameters and zero weights."""
    class Fake(nn.Module):
        def __init__(self, num_feat=64, num_grow_ch=32):
            super().__init__()
            c, g = num_feat, num_grow_ch
            sizes = [(c, g), (c + g, g), (c + 2 * g, g), (c + 3 * g, g), (c + 4 * g, c)]
            self.unused = nn.ModuleList(nn.Conv2d(i, o, 3) for _ in range(3) for i, o in sizes)

        def forward(self, x):
            return 1.2 * x
    report = run_check("rrdb", Fake)
    assert not report.ok and "chosen weights" in messages(report), messages(report)

    class Parallel(student_rrdb(student_rdb())):  # the three blocks summed, not chained
        def forward(self, x):
            return x + 0.2 * sum(b(x) - x for b in self.blocks) / 3
    assert "chain" in messages(run_check("rrdb", Parallel))
    assert run_check("rrdb", student_rrdb(student_rdb())).ok


def test_pixel_shuffle_and_stage_mistakes():
    def wrong(x, r):
        b, c, h, w = x.shape
        return x.reshape(b, c // r**2, r, r, h, w).permute(0, 1, 4, 3, 5, 2).reshape(b, c // r**2, h * r, w * r)
    assert "permute order" in messages(run_check("pixel_shuffle", wrong))
    natural = messages(run_check("num_upsample_stages", lambda s: int(math.log(s))))
    assert "natural log" in natural and "log2" not in natural  # names the mistake, leaves the task to do


def test_perceptual_loss_mistakes():
    from srlib.course.exercises.ex04_perceptual_loss import LAYER_NAMES

    index = {name: i + i // 4 for i, name in enumerate(LAYER_NAMES)}  # wrong: ignores the pools' places
    assert not run_check("vgg_layer_index", index.__getitem__).ok

    def make(offset=0, normalize=True, freeze=True, resize=None):
        class Loss(nn.Module):
            def __init__(self, features, layer):
                super().__init__()
                self.f = features[: layer + 1 + offset]
                if freeze:
                    self.f.eval().requires_grad_(False)
                self.register_buffer("m", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
                self.register_buffer("s", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

            def forward(self, a, b):
                if resize:  # source document 001 resizes to 224 x 224 (the same mistake, ~40 s of CPU here)
                    a, b = (F.interpolate(x, size=(resize, resize), mode="bicubic") for x in (a, b))
                prep = (lambda x: (x - self.m) / self.s) if normalize else (lambda x: x)
                return F.l1_loss(self.f(prep(a)), self.f(prep(b)))
        return Loss

    assert run_check("perceptual_loss", make()).ok
    assert "after the ReLU" in messages(run_check("perceptual_loss", make(offset=1)))
    assert "not normalised" in messages(run_check("perceptual_loss", make(normalize=False)))
    assert "require gradients" in messages(run_check("perceptual_loss", make(freeze=False)))
    assert "resizing (to 224 x 224" in messages(run_check("perceptual_loss", make(resize=48)))


@pytest.mark.parametrize("mistake,message", [
    ({"norm_over_batch": True}, "over the batch, not per sample"),
    ({"per_element_eps": True}, "eps differs within a sample"),
    ({"create_graph": False}, "create_graph=True"),
])
def test_gradient_penalty_mistakes_are_named(mistake, message):
    report = run_check("gradient_penalty", student_gp(**mistake))
    assert not report.ok and message in messages(report)
    assert "RuntimeError" not in messages(report)


def test_one_eps_for_the_whole_batch_is_caught():
    def one_eps(critic, real, fake, weight=10.0):
        eps = torch.rand(1).item()
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).reshape(-1).sum(), x, create_graph=True)
        return weight * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert "same eps" in messages(run_check("gradient_penalty", one_eps))


def test_ragan_mistakes_are_named():
    def source_d(real, fake):  # source document 003
        return -F.logsigmoid(real - fake.mean()).mean() - (1 - F.logsigmoid(fake - real.mean())).mean()
    assert "1 - log" in messages(run_check("ragan_discriminator_loss", source_d))

    def naive_d(real, fake):  # log(sigmoid(.)): -inf once a logit difference is large
        s = torch.sigmoid
        return -torch.log(s(real - fake.mean())).mean() - torch.log(1 - s(fake - real.mean())).mean()
    assert "not finite" in messages(run_check("ragan_discriminator_loss", naive_d))

    def source_g(real, fake):  # source document 003, the generator's real term
        return -(1 - F.logsigmoid(real - fake.mean())).mean() - F.logsigmoid(fake - real.mean()).mean()
    source = run_check("ragan_generator_loss", source_g)
    assert len(source.failed) == 2 and all("1 - log D_Ra(x_r, x_f)" in m for m in source.failed)
    assert "both terms depend" not in messages(source)  # the gradients are wrong for the same reason

    assert "only the fake term" in messages(run_check("ragan_generator_loss",
                                                      lambda r, f: -F.logsigmoid(f - r.mean()).mean()))
    as_float = run_check("ragan_generator_loss", lambda r, f: ragan_g(r, f).item())
    assert "no gradient reaches the fake logits" in messages(as_float) and "RuntimeError" not in messages(as_float)


# ---------------------------------------------------------------- exercise 07: the GAN training step
def student_gan_step(detach=True, freeze=True, g_first=True, zero_grad=True, unfreeze=True, d_optimizer_for_g=False):
    """A GAN iteration written differently from the solution, with one mistake switched on at a time."""
    def set_trainable(module, flag):
        for p in module.parameters():
            p.requires_grad = flag

    def discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn):
        if zero_grad:
            opt_d.zero_grad()
        loss = d_loss_fn(discriminator(img_hr), discriminator(img_sr.detach() if detach else img_sr))
        loss.backward()
        opt_d.step()
        return loss.detach()  # a tensor: the check accepts it

    def gan_training_step(generator, discriminator, opt_g, opt_d, img_lr, img_hr, g_loss_fn, d_loss_fn):
        img_sr = generator(img_lr)
        if not g_first:
            loss_d = discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn)
        set_trainable(discriminator, not freeze)
        if zero_grad:
            opt_g.zero_grad()
        with torch.no_grad():
            real_logits = discriminator(img_hr)
        loss_g = g_loss_fn(img_sr, img_hr, real_logits, discriminator(img_sr))
        loss_g.backward()
        (opt_d if d_optimizer_for_g else opt_g).step()
        set_trainable(discriminator, unfreeze)
        if g_first:
            loss_d = discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn)
        return loss_g.detach(), loss_d
    return discriminator_step, gan_training_step


@pytest.mark.parametrize("seed", [0, 7])
def test_gan_step_written_differently_passes(seed):
    d_step, step = student_gan_step()
    assert judged("discriminator_step", d_step, seed).ok and judged("gan_training_step", step, seed).ok


@pytest.mark.parametrize("mistake,task,message", [
    ({"detach": False}, "discriminator_step", "score img_sr.detach() in D's step"),
    ({"detach": False}, "gan_training_step", "score img_sr.detach() in D's step"),
    ({"freeze": False}, "gan_training_step", "requires_grad_(False)"),
    ({"unfreeze": False}, "gan_training_step", "still frozen"),
    ({"g_first": False}, "gan_training_step", "D was updated before G"),
    ({"zero_grad": False}, "discriminator_step", "call opt_d.zero_grad()"),
    ({"zero_grad": False}, "gan_training_step", "call opt_g.zero_grad()"),
    ({"d_optimizer_for_g": True}, "gan_training_step", "expected opt_g.step() then opt_d.step()"),
])
def test_gan_step_mistakes_are_named(mistake, task, message):
    d_step, step = student_gan_step(**mistake)
    report = run_check(task, d_step if task == "discriminator_step" else step)
    assert not report.ok and message in messages(report), report.failed


# ---------------------------------------------------------------- exercise 08: the evaluation protocol
def student_y(offset=16.0, weights=(65.481, 128.553, 24.966), divide=True):
    def rgb_to_y(img):
        r, g, b = img[..., 0], img[..., 1], img[..., 2]
        y = offset + weights[0] * r + weights[1] * g + weights[2] * b
        return y / 255 if divide else y
    return rgb_to_y


def student_psnr(y=True, border="scale", round_8bit=True, clip=True, hr_scaled=True, peak=1.0, uint8=False):
    to_y = student_y()

    def psnr_y(img_sr, img_hr, scale):
        sr = np.clip(img_sr, 0, 1) if clip else img_sr
        if uint8:
            sr = np.round(sr * 255).astype(np.uint8) / 255  # wraps around where sr is outside [0, 1]
        if round_8bit == "truncate":
            sr = (sr * 255).astype(np.uint8) / 255
        elif round_8bit:
            sr = np.floor(sr * 255 + 0.5) / 255  # half up: also 8-bit
        hr = img_hr / 255 if hr_scaled else img_hr.astype(np.float64)
        if y:
            sr, hr = to_y(sr), to_y(hr)
        c = scale if border == "scale" else border
        h, w = hr.shape[:2]
        sr, hr = sr[c:h - c, c:w - c], hr[c:h - c, c:w - c]
        return float(10 * np.log10(peak**2 / ((sr - hr) ** 2).mean()))
    return psnr_y


@pytest.mark.parametrize("seed", [0, 99])
def test_evaluation_protocol_written_differently_passes(seed):
    assert judged("rgb_to_y", student_y(), seed).ok and judged("psnr_y", student_psnr(), seed).ok


@pytest.mark.parametrize("mistake,message", [
    ({"offset": 0.0}, "offset 16/255 is missing"),
    ({"weights": (0.299 * 255, 0.587 * 255, 0.114 * 255), "offset": 0.0}, "full-range weights"),
    ({"divide": False}, "divide by 255"),
])
def test_y_channel_mistakes_are_named(mistake, message):
    report = run_check("rgb_to_y", student_y(**mistake))
    assert not report.ok and message in messages(report), report.failed


@pytest.mark.parametrize("mistake,message", [
    ({"y": False}, "measured on RGB"),
    ({"border": 0}, "no border was removed"),
    ({"border": 4}, "it is `scale` pixels"),
    ({"round_8bit": False}, "not rounded to 8 bits"),
    ({"round_8bit": "truncate"}, "truncated to 8 bits"),
    ({"clip": False}, "without clipping"),
    ({"clip": False, "uint8": True}, "-1 wraps to 255"),
    ({"hr_scaled": False}, "divide it by 255"),
    ({"peak": 255.0}, "the peak is 255"),
])
def test_evaluation_protocol_mistakes_are_named(mistake, message):
    report = run_check("psnr_y", student_psnr(**mistake))
    assert not report.ok and message in messages(report), report.failed


def test_the_library_passes_the_new_judges_but_scores_nothing():
    from srlib.metrics import psnr, rgb_to_y

    def library_psnr(img_sr, img_hr, scale):
        return psnr(img_sr, img_hr, crop_border=scale)
    assert judged("rgb_to_y", rgb_to_y).ok and judged("psnr_y", library_psnr).ok
    assert "course library's own code" in messages(run_check("rgb_to_y", rgb_to_y))
    assert "calls the course library's own implementation" in messages(run_check("psnr_y", library_psnr))


def test_observations_cross_as_plain_data_only():
    record = {"a": [np.arange(3), 1.5, float("inf"), None, "x"], "b": {"c": torch.ones(2, dtype=torch.bfloat16)}}
    back = unpack(pack(record))
    assert back["a"][1:] == [1.5, float("inf"), None, "x"] and np.array_equal(back["a"][0], np.arange(3))
    assert back["b"]["c"].dtype == np.float32
    with pytest.raises(TypeError):
        pack({"module": nn.Linear(1, 1)})
    import io
    buffer = io.BytesIO()
    np.savez(buffer, __json__=np.array("{}"), evil=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="not an observation file"):
        unpack(buffer.getvalue())
    with pytest.raises(ValueError):
        unpack(b"garbage")
    with pytest.raises(ValueError, match="larger than"):
        unpack(b"0" * (MAX_BYTES + 1))


def test_empty_or_missing_observations_never_pass():
    from srlib.course.exercises.core import probes

    for exercise in EXERCISES.values():
        for task in exercise.tasks:
            n = len(probes(task))
            for values in ([[]] * n, [{}] * n, [None] * n, [0] * n):
                obs = {"identity": {"modules": [], "name": "x"}, "values": values, "errors": [""] * n,
                       "srlib_files": [], "builtins": []}
                assert not judge(task, obs, 0).ok, (task.name, values[:1])
            assert not judge(task, {"values": []}, 0).ok


def test_a_compressed_observation_file_is_refused_unread():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__json__.npy", b"\0" * 10_000_000)  # 10 MB of zeros in a few kB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValueError, match="compressed or oversized"):
        unpack(buffer.getvalue())


def test_registry_is_the_one_table():
    from srlib.course import LESSONS

    names = [t.name for e in EXERCISES.values() for t in e.tasks]
    assert len(names) == len(set(names))
    assert {lesson.exercise for lesson in LESSONS} - {None} == set(EXERCISES)
    with pytest.raises(ValueError, match="available: paired_crop"):
        find_task("nope")


def plain(value):
    """Inputs as nested lists of numbers, the seed itself left out: what two seeds can be compared on."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return np.asarray(value).tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: plain(v) for k, v in vars(value).items() if k != "seed"}
    return value


@pytest.mark.parametrize("name", [t.name for e in EXERCISES.values() for t in e.tasks])
def test_every_task_draws_its_inputs_from_the_seed(name):
    """The fixed-inputs trick: a table of answers for the notebook's inputs must not pass under the grader's seed."""
    _, task = find_task(name)
    assert plain(task.inputs(0)) == plain(task.inputs(0))
    drawn = {repr(plain(task.inputs(seed))) for seed in (0, 7, 12345, 987654321)}
    assert len(drawn) >= 3, name  # beyond the seed itself (which seeds the crops' and the nets' generators)


def test_stage_counts_are_asked_beyond_the_notebooks_scales():
    _, task = find_task("num_upsample_stages")
    table = {2: 1, 4: 2, 8: 3}
    assert not judged("num_upsample_stages", table.__getitem__, seed=2024).ok
    assert judged("num_upsample_stages", lambda s: s.bit_length() - 1, seed=2024).ok
    assert task.inputs(2024).scales[:3] == (2, 4, 8) and len(task.inputs(2024).scales) == 5


def test_a_forbidden_built_in_is_caught_in_any_thread():
    """The thread trick: torch's profile hook sees one thread, the replaced kernel sees them all."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    def in_a_thread(x, r):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(F.pixel_shuffle, x, r).result()

    def through_asyncio(x, r):
        return asyncio.run(asyncio.to_thread(torch.ops.aten.pixel_shuffle.default, x, r))

    for fn in (in_a_thread, through_asyncio):
        assert "built-in pixel_shuffle" in messages(run_check("pixel_shuffle", fn))
    assert F.pixel_shuffle(torch.arange(4.0).view(1, 4, 1, 1), 2).flatten().tolist() == [0, 1, 2, 3]  # restored


def test_the_judges_own_reference_code_is_library_code():
    """The judge-reference trick, in a notebook: the judge's reference block counts as the course's code."""
    from srlib.course.exercises.ex02_rrdb import reference_rdb
    from srlib.course.exercises.probes.ex02_rrdb import dense_channels

    class Borrowed(nn.Module):
        def __init__(self, c=64, g=32):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, 1, 1) for i, o in dense_channels(c, g))

        def forward(self, x):
            return reference_rdb(x, [(m.weight, m.bias) for m in self.convs])
    assert "course library's own implementation (srlib.course.exercises.ex02_rrdb)" in messages(run_check("rdb", Borrowed))

