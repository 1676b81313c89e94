import os

# Unit tests and nbval kernels run under the tiny, CPU-only profile.
os.environ.setdefault("SRLIB_PROFILE", "ci")
