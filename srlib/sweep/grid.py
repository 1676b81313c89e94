"""A sweep's grid: recipe fields by name, the values each takes, and the runs they make.

An *axis* names one ``Recipe`` field (``hr_patch``, ``learning_rate_g``,
``disc_blocks``), a field of the nested generator (``generator.num_block``),
or several fields joined by ``+`` that take the same value
(``learning_rate_g+learning_rate_d``: source document 004 swept one learning
rate for both networks). Every combination of axis values is a
*configuration*; a configuration trained with one seed is a *point*, one
ordinary training run. ``Grid.points`` lists them configuration by
configuration, seed by seed. Values are read with the type of the field they
set, so ``hr_patch=64.5`` or ``adversarial=7`` fail before anything trains.
Taught in: notebook 09.
"""

from __future__ import annotations

import itertools
import types
import typing
from dataclasses import dataclass, fields, replace

from srlib.models.generator_config import GeneratorConfig
from srlib.train.recipes import Recipe

NOT_SWEPT = ("name", "generator", "seed")  # the recipe's identity, the nested config itself, and --seeds
SCALARS = (int, float, str, bool, type(None))
Value = typing.Union[int, float, str, bool, None]


class GridError(ValueError):
    """A grid that names an unknown field, a value of the wrong type, or nothing at all."""


def _field_types() -> dict[str, tuple]:
    """{field name: the scalar types it accepts} of every sweepable field: the recipe's, then ``generator.*``."""
    recipe_hints = typing.get_type_hints(Recipe)
    generator_hints = typing.get_type_hints(GeneratorConfig)
    hints = {f.name: recipe_hints[f.name] for f in fields(Recipe) if f.name not in NOT_SWEPT}
    hints.update({f"generator.{f.name}": generator_hints[f.name] for f in fields(GeneratorConfig)})
    kinds = {name: _scalar_kinds(hint) for name, hint in hints.items()}
    return {name: k for name, k in kinds.items() if k}


def _scalar_kinds(hint) -> tuple:
    """The scalar types a field accepts; () for tuples, dicts and configs, which a grid cannot set."""
    kinds = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    return kinds if all(k in SCALARS for k in kinds) else ()


def sweepable_fields() -> list[str]:
    """Names a grid axis may use: scalar ``Recipe`` fields and ``generator.*`` (not ``name``, ``seed``).

    Taught in: notebook 09.
    """
    return sorted(_field_types())


def _valid() -> str:
    return "valid fields: " + ", ".join(sweepable_fields())


def coerce(field: str, value: Value, text: str | None = None) -> Value:
    """``value`` (a Python value, or text from ``--grid``) as the type of ``field``; GridError if it is not one.

    Args:
        field: a name from ``sweepable_fields``.
        value: e.g. 16, 1e-4, '1e-4', 'none' (for a field that may be None), 'true'.
        text: the whole ``--grid`` argument, quoted in the message.
    Taught in: notebook 09.
    """
    kinds = _field_types()[field]
    names = " or ".join("None" if k is type(None) else k.__name__ for k in kinds)
    fail = GridError(f"{field}={value!r}{f' in --grid {text!r}' if text else ''}: expected {names}; {_valid()}")
    if isinstance(value, str) and type(None) in kinds and value.strip().lower() == "none":
        return None
    if isinstance(value, str) and str not in kinds:  # text from the command line
        value = _from_text(value.strip(), kinds, fail)
    if value is None and type(None) in kinds:
        return None
    if isinstance(value, bool):
        if bool in kinds:
            return value
        raise fail
    if isinstance(value, int) and int in kinds:
        return value
    if isinstance(value, (int, float)) and float in kinds:
        return float(value)
    if isinstance(value, str) and str in kinds:
        return value
    raise fail


def _from_text(word: str, kinds: tuple, fail: GridError) -> Value:
    """A command-line word read as the first of ``kinds`` it fits (None, bool, int, float)."""
    if type(None) in kinds and word.lower() == "none":
        return None
    if bool in kinds and word.lower() in ("true", "false"):
        return word.lower() == "true"
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(word)
            except ValueError:
                raise fail from None
    raise fail


def check_axis(axis: str, values: typing.Iterable[Value], text: str | None = None) -> tuple[str, tuple]:
    """One axis, checked: every field it names exists and every value fits each field's type.

    Taught in: notebook 09.
    """
    names = axis.split("+")
    types = _field_types()
    for name in names:
        if name not in types:
            hint = " (use --seeds N for seeds)" if name == "seed" else ""
            raise GridError(f"unknown recipe field {name!r}{f' in --grid {text!r}' if text else ''}{hint}; {_valid()}")
    values = tuple(values)
    if not values:
        raise GridError(f"axis {axis!r} has no values{f' in --grid {text!r}' if text else ''}; give FIELD=V1,V2,...; "
                        f"{_valid()}")
    checked = tuple(coerce(names[0], v, text) for v in values)
    for name in names[1:]:
        for v in checked:
            coerce(name, v, text)
    if len(set(checked)) != len(checked):
        raise GridError(f"axis {axis!r} repeats a value: {list(values)}; {_valid()}")
    return axis, checked


@dataclass(frozen=True)
class Point:
    """One run of a sweep: a configuration ({axis: value}) and a seed."""

    config: tuple  # ((axis, value), ...) in the grid's order
    seed: int

    @property
    def key(self) -> str:
        """A readable, unique name, also the run's folder: 'generator.num_block=8_seed=0'.

        Taught in: notebook 09.
        """
        return "_".join([f"{axis}={value}" for axis, value in self.config] + [f"seed={self.seed}"])

    @property
    def label(self) -> str:
        """The configuration without the seed: 'generator.num_block=8'.

        Taught in: notebook 09.
        """
        return ", ".join(f"{axis}={value}" for axis, value in self.config)


@dataclass(frozen=True)
class Grid:
    """Axes ({axis: values}) times ``seeds`` seeds (0 .. seeds - 1): the points of a sweep.

    Args:
        axes: e.g. {'generator.num_block': (8, 16, 32)}; see the module docstring for names.
        seeds: runs per configuration, with ``recipe.seed`` 0, 1, ...; 3 is few (notebook 09).
    """

    axes: dict
    seeds: int = 3

    def __post_init__(self) -> None:
        if not self.axes:
            raise GridError(f"the grid is empty: give at least one axis, e.g. --grid generator.num_block=8,16,32; "
                            f"{_valid()}")
        if not (isinstance(self.seeds, int) and self.seeds >= 1):
            raise GridError(f"--seeds must be a positive integer, got {self.seeds!r}")
        object.__setattr__(self, "axes", dict(check_axis(a, v) for a, v in self.axes.items()))

    def configurations(self) -> list[tuple]:
        """Every combination of axis values, as ((axis, value), ...) tuples, first axis slowest.

        Taught in: notebook 09.
        """
        return [tuple(zip(self.axes, combo)) for combo in itertools.product(*self.axes.values())]

    def points(self) -> list[Point]:
        """Every configuration with every seed.

        Taught in: notebook 09.
        """
        return [Point(config, seed) for config in self.configurations() for seed in range(self.seeds)]

    def to_dict(self) -> dict:
        """Plain types (for the study's record and JSON).

        Taught in: notebook 09.
        """
        return {"axes": {a: list(v) for a, v in self.axes.items()}, "seeds": self.seeds}


def parse_grid(specs: list[str], seeds: int = 3) -> Grid:
    """A grid from ``--grid FIELD=V1,V2,...`` arguments (one per axis) and ``--seeds``.

    Args:
        specs: e.g. ['generator.num_block=8,16,32'] or ['learning_rate_g+learning_rate_d=1e-6,1e-5,1e-4'].
        seeds: runs per configuration.
    Taught in: notebook 09.
    """
    axes = {}
    for text in specs:
        axis, sep, values = text.partition("=")
        axis = axis.strip()
        if not sep or not axis:
            raise GridError(f"--grid {text!r} is not FIELD=V1,V2,...; {_valid()}")
        if axis in axes:
            raise GridError(f"--grid names {axis!r} twice; {_valid()}")
        axes[axis] = check_axis(axis, [v for v in values.split(",") if v.strip()], text)[1]
    return Grid(axes, seeds)


def point_recipe(base: Recipe, point: Point) -> Recipe:
    """``base`` with the point's values and seed; the recipe's own checks run (ValueError, one line).

    Taught in: notebook 09.
    """
    top, nested = {"seed": point.seed}, {}
    for axis, value in point.config:
        for name in axis.split("+"):
            if name.startswith("generator."):
                nested[name.split(".", 1)[1]] = value
            else:
                top[name] = value
    try:
        generator = replace(base.generator, **nested)
        return replace(base, generator=generator, **top)
    except (ValueError, TypeError) as exc:
        raise GridError(f"grid point {point.label}: {exc}") from None


def check_points(base: Recipe, grid: Grid) -> list[Recipe]:
    """Every point's recipe, so that a bad combination fails before the first run trains.

    Taught in: notebook 09.
    """
    return [point_recipe(base, point) for point in grid.points()]
