"""Losses: VGG perceptual (notebook 04) and adversarial: BCE, WGAN-GP, RaGAN (notebook 05)."""

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
