"""In-run pytest plugins, loaded in each swept venv (``-p pytest_benchmem.inrun.X``).

A light home on purpose: these modules import only the standard library and pytest (and
pytest-benchmark lazily), never the sweep pipeline, so a suite run pays nothing for them
beyond their own few lines. ``tests/sweep/test_inrun_imports.py`` pins what they import.
"""
