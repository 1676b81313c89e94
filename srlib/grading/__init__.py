"""The instructors' grader (``srlib grade``): the exercises' checks, run per task in fresh processes."""

from srlib.grading.exercises import EXERCISES, Task, exercise_of
from srlib.grading.grader import find_submissions, grade, identify

__all__ = ["EXERCISES", "Task", "exercise_of", "find_submissions", "grade", "identify"]
