"""The instructors' grader (``srlib grade``): student code in limited processes, verdicts in the grader's."""

from srlib.exercises import EXERCISES, Task, exercise_of
from srlib.grading.grader import find_submissions, grade, read_notebook
from srlib.grading.limits import Limits

__all__ = ["EXERCISES", "Limits", "Task", "exercise_of", "find_submissions", "grade", "read_notebook"]
