"""Using trained generators: evaluation, tiled upscaling, ESRGAN network and image interpolation (notebook 08)."""

from srlib.infer.evaluate import (ALL_SETS, bicubic_upscale, evaluate_generator, evaluate_sets, evaluation_set,
                                  load_sets, parse_sets, sets_table, write_evaluation, write_sets)
from srlib.infer.interpolate import (ImageInterpolation, interpolate_files, interpolate_images,
                                     interpolate_state_dicts)
from srlib.infer.upscale import upscale_array, upscale_file

__all__ = ["ALL_SETS", "bicubic_upscale", "evaluate_generator", "evaluate_sets", "evaluation_set", "load_sets",
           "parse_sets", "sets_table", "write_evaluation", "write_sets", "interpolate_state_dicts",
           "interpolate_files", "interpolate_images", "ImageInterpolation", "upscale_array", "upscale_file"]
