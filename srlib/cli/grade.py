"""``srlib grade``: the instructor's one command, students' notebooks in, one CSV out (``srlib.course.grading``).

The grading itself (reader, sandbox, judges, report) lives in
``srlib.course.grading``; this module only turns the command line into a call of
``grade`` and checks the options before anything is read.
"""

from __future__ import annotations

import argparse


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade students' exercise notebooks into a CSV (and markdown feedback)."""
    from srlib.course.grading import EXERCISES, Limits, grade

    if args.exercise and args.exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {args.exercise!r}; choose from {', '.join(EXERCISES)}")
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, got {args.timeout:g}")
    if args.max_notebook_mb <= 0:
        raise ValueError(f"--max-notebook-mb must be positive, got {args.max_notebook_mb:g}")
    if args.max_code_mb <= 0:
        raise ValueError(f"--max-code-mb must be positive, got {args.max_code_mb:g}")
    limits = Limits(memory_mb=args.memory, cpu_seconds=args.cpu_seconds or int(args.timeout) + 30,
                    allow_processes=args.allow_processes)
    rows = grade(args.submissions, args.out, args.feedback, args.timeout, args.exercise, limits=limits,
                 unconfined=args.unconfined, accept=args.accept, accept_file=args.accept_file,
                 max_notebook_mb=args.max_notebook_mb, max_code_mb=args.max_code_mb)
    print(f"graded {len(rows)} submission(s); wrote {args.out}" + (f" and {args.feedback}/" if args.feedback else ""))
    return 0


def add_grade_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``srlib grade`` and its options."""
    p = sub.add_parser("grade", help="grade exercise notebooks (files or one folder per student)")
    p.add_argument("submissions", nargs="+", help="notebooks, or folders of them (submissions/student01/...)")
    p.add_argument("--out", default="grades.csv", help="CSV with one row per student and exercise")
    p.add_argument("--feedback", default=None, help="folder for one markdown feedback file per student")
    p.add_argument("--timeout", type=float, default=120, help="seconds per notebook and task (default 120)")
    p.add_argument("--exercise", default=None, help="only accept this exercise (e.g. ex02_rrdb)")
    p.add_argument("--memory", type=int, default=4096,
                   help="MB each task's process may allocate beyond PyTorch itself (default 4096)")
    p.add_argument("--cpu-seconds", type=int, default=None,
                   help="CPU seconds per task's process (default: --timeout + 30)")
    p.add_argument("--allow-processes", action="store_true",
                   help="let student code start processes (refused by default: no fork bombs)")
    p.add_argument("--unconfined", action="store_true",
                   help="grade without the bubblewrap sandbox where it cannot run (the CSV and console say so)")
    p.add_argument("--accept", action="append", default=[], metavar="STUDENT:TASK",
                   help="run and score a task flagged for review, after reading it (repeatable)")
    p.add_argument("--accept-file", default=None, help="a file of accepted STUDENT:TASK lines")
    p.add_argument("--max-notebook-mb", type=float, default=20,
                   help="larger notebooks are not read (default 20)")
    p.add_argument("--max-code-mb", type=float, default=1,
                   help="notebooks with more code in their cells are not read (default 1)")
    p.set_defaults(func=cmd_grade)
