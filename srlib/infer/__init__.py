"""Using trained generators: evaluation, tiled upscaling, ESRGAN network interpolation (notebook 08)."""

from srlib.infer.evaluate import bicubic_upscale, evaluate_generator, evaluation_set, write_evaluation
from srlib.infer.interpolate import interpolate_files, interpolate_state_dicts
from srlib.infer.upscale import upscale_array, upscale_file

__all__ = ["bicubic_upscale", "write_evaluation", "evaluate_generator", "evaluation_set", "interpolate_state_dicts",
           "interpolate_files", "upscale_array", "upscale_file"]
