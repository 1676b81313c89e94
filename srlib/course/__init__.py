"""The course's machinery, apart from the super-resolution library it teaches.

``srlib``'s other packages (``data``, ``models``, ``losses``, ``metrics``,
``train``, ``infer``, ``pretrained``) are the library a student reads to learn
SR; they never import this package. Here lives what runs the course:

- ``profiles``   run profiles (``ci`` / ``cpu`` / ``gpu``) and the device
- ``notebook``   a notebook's ``setup`` and ``show``
- ``lessons``    the course map, the repository, Colab badges
- ``colab``      Google Drive and DIV2K sub-images across Colab sessions (notebook 07)
- ``diagrams``   the architecture diagrams the notebooks draw
- ``exercises``  the exercises' tasks, points, probes and judges
- ``checks``     the in-notebook ``check("rrdb", RRDB)`` (also ``srlib.checks``)
- ``grading``    ``srlib grade``: student code in confined processes, verdicts outside them

Notebooks import from here what they always did (``from srlib.course import
setup, show``). Importing this package loads no library code: the grader
loads it into a student's process before that process is confined.
"""

from srlib.course.lessons import (BRANCH, LESSONS, REPO, REPO_URL, Lesson, colab_badge, colab_install_command,
                                  colab_url, repo_root)
from srlib.course.notebook import final_line_progress_bars, seed_everything, setup, show
from srlib.course.profiles import PROFILE_ENV, PROFILES, Profile, get_device, get_profile

__all__ = ["BRANCH", "LESSONS", "REPO", "REPO_URL", "Lesson", "colab_badge", "colab_install_command", "colab_url",
           "repo_root", "final_line_progress_bars", "seed_everything", "setup", "show", "PROFILE_ENV", "PROFILES",
           "Profile", "get_device", "get_profile"]
