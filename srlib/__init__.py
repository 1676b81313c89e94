"""srlib: the tested building blocks of the GAN super-resolution course.

The notebooks under ``notebooks/`` teach; this package holds the code they
import, one concept per module:

- ``srlib.course``   run profiles (ci / cpu / gpu), device, ``show``
- ``srlib.data``     MATLAB bicubic, datasets, crops, DIV2K and test sets
- ``srlib.metrics``  PSNR / SSIM under the literature's protocol
- ``srlib.models``   SRResNet, RRDBNet, upsamplers, discriminators, weight loading
- ``srlib.losses``   VGG19 perceptual loss; BCE, WGAN-GP and RaGAN losses
- ``srlib.pretrained`` the course's own small shipped models (``srlib pretrained``)
- ``srlib.exercises`` the exercises' tasks, points, probes and judges
- ``srlib.checks``   the in-notebook ``check("rrdb", RRDB)``
- ``srlib.grading``  ``srlib grade``: student code in limited processes, verdicts outside them
"""

__version__ = "0.1.0"
