"""Using trained generators: evaluation, tiled upscaling, ESRGAN network and image interpolation (notebook 08)."""

from srlib.infer.evaluate import bicubic_upscale, evaluate_generator, evaluation_set, write_evaluation
from srlib.infer.interpolate import (ImageInterpolation, interpolate_files, interpolate_images,
                                     interpolate_state_dicts)
from srlib.infer.upscale import upscale_array, upscale_file

__all__ = ["bicubic_upscale", "write_evaluation", "evaluate_generator", "evaluation_set", "interpolate_state_dicts",
           "interpolate_files", "interpolate_images", "ImageInterpolation",
           "upscale_array", "upscale_file"]
