"""The ``srlib`` command line.

``srlib --help`` lists the subcommands. Each subcommand is a small function
below; the heavy work lives in the library modules it calls.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from srlib import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line prints one line and the usage (exit 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"srlib: error: {message}\n{self.format_usage()}")


def cmd_course(args: argparse.Namespace) -> int:
    """List the course's notebooks and check that each one opens."""
    import nbformat

    from srlib.course import LESSONS, get_profile, repo_root

    # --root, else the current folder, else the checkout srlib was installed from (-e)
    candidates = [Path(args.root)] if args.root else [Path.cwd(), repo_root()]
    root = next((c.resolve() for c in candidates if (c / "notebooks").is_dir()), None)
    if root is None:
        print(f"srlib: error: no notebooks/ folder under {', '.join(map(str, candidates))}; run "
              "this from the course checkout or pass --root PATH_TO_CHECKOUT", file=sys.stderr)
        return 1
    profile = get_profile(args.profile)
    print(f"GAN super-resolution course at {root}  (profile: {profile.name})\n")
    problems = 0
    for lesson in LESSONS:
        path = root / "notebooks" / f"{lesson.stem}.ipynb"
        if not path.exists():
            status = "planned"
        else:
            try:
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
                status = f"ok ({len(nb.cells)} cells)"
            except Exception as exc:  # a broken notebook is reported, not fatal
                status = f"BROKEN: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
                problems += 1
        print(f"  {lesson.number}  {lesson.title:<40} {status}")
    print("\nOpen the course with:  jupyter lab notebooks/00_welcome.ipynb")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="srlib", description="GAN super-resolution course (SRGAN to ESRGAN).")
    parser.add_argument("--version", action="version", version=f"srlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("course", help="list the notebooks and check that they open")
    p.add_argument("--root", default=None,
                   help="course checkout (default: the current folder, else the installed checkout)")
    p.add_argument("--profile", default=None, help="ci, cpu or gpu (default: by hardware)")
    p.set_defaults(func=cmd_course)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"srlib: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
