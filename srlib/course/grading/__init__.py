"""The instructors' grader (``srlib grade``): student code confined in bubblewrap, verdicts in the grader's process."""

from srlib.course.exercises import EXERCISES, Task, exercise_of
from srlib.course.grading.confinement import ConfinementUnavailable
from srlib.course.grading.grader import grade
from srlib.course.grading.limits import Limits
from srlib.course.grading.submissions import MAX_NOTEBOOK_MB, find_submissions, read_notebook

__all__ = ["EXERCISES", "MAX_NOTEBOOK_MB", "ConfinementUnavailable", "Limits", "Task", "exercise_of",
           "find_submissions", "grade", "read_notebook"]
