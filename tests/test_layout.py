"""srlib's import graph: two halves, no circles, no arrow running back up, files of one sitting.

The rooms and floors are declared once, in ``srlib_layout.FLOORS`` (CONTRIBUTING.md draws
the same map). The graph is drawn from the source with ``ast``.
"""

import subprocess
import sys

from srlib_layout import COURSE, FLOORS, LIBRARY_FLOORS, SRLIB, arrows, floor, modules, room

MAX_LINES = 300


def test_every_module_has_a_room_on_a_floor():
    for name in modules():
        floor(room(name))  # raises for a room FLOORS does not place
    assert len({r for rooms in FLOORS for r in rooms}) == sum(len(rooms) for rooms in FLOORS)


def test_the_library_half_never_imports_the_course():
    wrong = [f"{a} -> {b}" for a, targets in arrows().items() for b in targets
             if floor(room(a)) < LIBRARY_FLOORS and room(b) == COURSE]
    assert not wrong, f"the library half imports the course's machinery: {wrong}"


def test_no_arrow_runs_back_up_or_sideways():
    wrong = []
    for a, targets in arrows().items():
        for b in targets:
            if room(a) != room(b) and floor(room(b)) >= floor(room(a)):
                wrong.append(f"{a} (floor {floor(room(a))}) -> {b} (floor {floor(room(b))})")
    assert not wrong, f"imports that point to the same floor or above: {wrong}"


def test_no_circles_between_modules():
    graph, state, cycles = arrows(), {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def test_every_file_reads_in_one_sitting():
    long = []
    for path in modules().values():
        relative = path.relative_to(SRLIB).as_posix()
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            long.append(f"srlib/{relative}: {lines} lines")
    assert not long, f"over {MAX_LINES} lines (split by concept): {long}"


def test_the_layout_test_sees_a_circle_and_an_arrow_up(monkeypatch):
    """The checks above can fail: a planted circle and an upward arrow are found."""
    import srlib_layout

    planted = {"srlib.models.a": {"srlib.models.b"}, "srlib.models.b": {"srlib.models.a", "srlib.train.c"}}
    monkeypatch.setattr(srlib_layout, "arrows", lambda: planted)
    monkeypatch.setattr(sys.modules[__name__], "arrows", lambda: planted)
    for check in (test_no_circles_between_modules, test_no_arrow_runs_back_up_or_sideways):
        try:
            check()
        except AssertionError:
            continue
        raise AssertionError(f"{check.__name__} missed what was planted")


def _library_in(loaded: list[str]) -> list[str]:
    """The library modules (floors 0-5, ``srlib`` itself aside) among ``loaded`` module names."""
    return [m for m in loaded if m in modules() and floor(room(m)) < LIBRARY_FLOORS and m != "srlib"]


def test_importing_the_course_loads_no_library_code():
    """A notebook's set-up (``from srlib.course import setup``) loads no library code: ``srlib grade`` copies
    srlib.course and what it loads into the student's process, where the library (the exercises' answers)
    must stay out. (``srlib.checks`` is another matter: it loads the judges, which import the library they
    compare with, so the grader holds them before any student code runs; the student's process gets a stub.)"""
    code = "import sys, srlib.course\nprint(' '.join(m for m in sys.modules if m.startswith('srlib')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "srlib.course" in loaded and not _library_in(loaded), loaded


def test_the_student_process_loads_no_library_code(tmp_path):
    """What ``srlib grade`` puts in a student's process (the student side: srlib.course, the probes, the worker,
    the stub srlib.checks), all imported as the worker does, loads no library module and no judge."""
    from srlib.course.grading import student_library
    from srlib.course.grading.sandbox import python_paths

    lib = student_library.build(tmp_path / "lib")
    names = [m.__name__ for m in student_library.STUDENT_SIDE] + ["srlib.checks"]
    code = (f"import importlib, sys\nfor name in {names!r}:\n    importlib.import_module(name)\n"
            "print(' '.join(m for m in sys.modules if m.startswith('srlib')))")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", student_library.boot(str(lib), python_paths(), code)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]  # a student-side module importing the library fails here
    loaded = done.stdout.split()
    assert set(names) <= set(loaded), set(names) - set(loaded)
    assert not _library_in(loaded), _library_in(loaded)
    judges = [m for m in loaded if m.startswith("srlib.course.exercises.") and ".probes" not in m
              and m not in names]
    assert not judges and "srlib.course.checks" not in loaded, judges
