"""Losses: VGG perceptual and adversarial (BCE, WGAN-GP, RaGAN).

Taught in: notebook 04 (the perceptual loss) and notebook 05 (the adversarial losses).
"""

from srlib.losses.adversarial import (ADVERSARIAL_LOSSES, adversarial_losses, bce_discriminator_loss,
                                      bce_generator_loss, gradient_penalty, ragan_discriminator_loss,
                                      ragan_generator_loss, wgan_critic_loss, wgan_generator_loss)
from srlib.losses.perceptual import (VGG19_LAYERS, PerceptualLoss, VGGFeatureExtractor,
                                     vgg19_layer_indices, vgg19_weights_cached,
                                     vgg_weights_for)

__all__ = [
    "VGG19_LAYERS", "PerceptualLoss", "VGGFeatureExtractor", "vgg19_layer_indices", "vgg19_weights_cached",
    "vgg_weights_for",
    "ADVERSARIAL_LOSSES", "adversarial_losses", "bce_discriminator_loss", "bce_generator_loss",
    "gradient_penalty", "ragan_discriminator_loss", "ragan_generator_loss", "wgan_critic_loss",
    "wgan_generator_loss",
]
