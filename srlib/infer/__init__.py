"""Using trained generators: evaluation, tiled upscaling, ESRGAN network interpolation (notebook 08)."""

from srlib.infer.evaluate import (ALL_SETS, bicubic_upscale, evaluate_generator, evaluate_sets, evaluation_set,
                                  load_sets, parse_sets, sets_table, write_evaluation, write_sets)
from srlib.infer.interpolate import interpolate_files, interpolate_state_dicts
from srlib.infer.upscale import upscale_array, upscale_file

__all__ = ["ALL_SETS", "bicubic_upscale", "evaluate_generator", "evaluate_sets", "evaluation_set", "load_sets",
           "parse_sets", "sets_table", "write_evaluation", "write_sets", "interpolate_state_dicts",
           "interpolate_files", "upscale_array", "upscale_file"]
