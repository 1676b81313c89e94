"""The grid of a sweep (srlib/sweep/grid.py): fields by name, typed values, points, and bad input."""

import pytest

from srlib.cli import main
from srlib.sweep import Grid, GridError, parse_grid, point_recipe, sweepable_fields
from srlib.sweep.grid import check_points
from srlib.train import get_recipe


def test_fields_include_the_generators_and_the_discriminators():
    fields = sweepable_fields()
    assert {"generator.num_block", "disc_blocks", "disc_feat", "learning_rate_g", "hr_patch"} <= set(fields)
    assert not {"name", "seed", "generator", "betas", "perceptual_layers"} & set(fields)


def test_axes_are_typed_by_their_field_and_multiply_with_seeds():
    grid = parse_grid(["generator.num_block=8,16,32", "learning_rate_g+learning_rate_d=1e-6,1e-4"], seeds=3)
    assert grid.axes == {"generator.num_block": (8, 16, 32), "learning_rate_g+learning_rate_d": (1e-6, 1e-4)}
    points = grid.points()
    assert len(points) == 3 * 2 * 3 and len({p.key for p in points}) == len(points)
    assert points[0].key == "generator.num_block=8_learning_rate_g+learning_rate_d=1e-06_seed=0"
    recipe = point_recipe(get_recipe("srgan"), points[-1])
    assert (recipe.generator.num_block, recipe.learning_rate_g, recipe.learning_rate_d, recipe.seed) == (32, 1e-4, 1e-4, 2)
    assert recipe.generator.architecture == "srresnet" and recipe.name == "srgan"
    assert parse_grid(["adversarial=none,bce"], 1).axes == {"adversarial": (None, "bce")}
    assert Grid({"pixel_weight": [1, 0.5]}, 1).axes == {"pixel_weight": (1.0, 0.5)}  # ints are floats there


@pytest.mark.parametrize("specs, message", [
    (["generator.blocks=8,16"], "unknown recipe field 'generator.blocks'"),
    (["disc_convs=4,8"], "unknown recipe field 'disc_convs'"),
    (["hr_patch=64.5"], "hr_patch='64.5' in --grid 'hr_patch=64.5': expected int"),
    (["learning_rate_g=fast"], "expected float"),
    (["seed=1,2"], "use --seeds N for seeds"),
    ([], "the grid is empty"),
    (["hr_patch="], "axis 'hr_patch' has no values"),
    (["hr_patch"], "is not FIELD=V1,V2"),
])
def test_bad_grids_name_the_problem_and_the_valid_fields(specs, message):
    with pytest.raises(GridError, match="valid fields: adversarial, .*generator.num_block") as info:
        parse_grid(specs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_combination_the_recipe_refuses_fails_before_training():
    grid = parse_grid(["disc_blocks=8,16"], seeds=1)
    with pytest.raises(GridError, match="grid point disc_blocks=16: .*must be divisible by 256"):
        check_points(get_recipe("srgan"), grid)  # 96 px patches cannot pass 8 stride-2 convs


@pytest.mark.parametrize("grid", [["generator.blocks=8,16"], ["hr_patch=64.5"]])
def test_the_command_line_says_it_in_one_line_and_exits_2(tmp_path, capsys, grid):
    args = ["sweep", "--recipe", "demo", "--out", str(tmp_path / "s"), "--max-iters", "1"]
    assert main(args + [arg for g in grid for arg in ("--grid", g)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("srlib: error:") and "valid fields:" in err[0]
    assert not (tmp_path / "s").exists(), "nothing is written for a bad grid"
    assert main(args) == 2 and "the grid is empty" in capsys.readouterr().err
