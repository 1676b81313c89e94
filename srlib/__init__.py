"""srlib: the tested building blocks of the GAN super-resolution course, and the course around them.

The notebooks under ``notebooks/`` teach; this package holds the code they
import, in two halves. The super-resolution library, one concept per module:

- ``srlib.data``       MATLAB bicubic, datasets, crops, DIV2K and test sets
- ``srlib.metrics``    PSNR / SSIM under the literature's protocol
- ``srlib.models``     SRResNet, RRDBNet, upsamplers, discriminators, weight files
- ``srlib.losses``     VGG19 perceptual loss; BCE, WGAN-GP and RaGAN losses
- ``srlib.infer``      evaluation, tiled upscaling, network interpolation
- ``srlib.train``      recipes, the trainer (the one training loop), checkpoints, runs
- ``srlib.sweep``      grids of runs times seeds in an Optuna study, tables over seeds (``srlib sweep``)
- ``srlib.pretrained`` the course's own small shipped models (``srlib pretrained``) and study
- ``srlib.demo``, ``srlib.download``, ``srlib.files``: the main job, downloads, atomic writes

and the course's machinery, which the library never imports:

- ``srlib.course``     run profiles, ``setup`` / ``show``, the course map, Colab, diagrams,
  the exercises and their judges, ``check()`` (also ``srlib.checks``) and the grader

``srlib.cli`` (the ``srlib`` command) sits on top of both. CONTRIBUTING.md draws the map.
"""

__version__ = "0.1.0"
