"""The instructors' grader (``srlib grade``): student code in limited processes, verdicts in the grader's."""

from srlib.course.exercises import EXERCISES, Task, exercise_of
from srlib.course.grading.grader import find_submissions, grade, read_notebook
from srlib.course.grading.limits import Limits

__all__ = ["EXERCISES", "Limits", "Task", "exercise_of", "find_submissions", "grade", "read_notebook"]
