"""The __main__ of a process that multiprocessing spawns under `ember run`: installs the import hook, then
runs the parent's script as __mp_main__ (NOTE [ Spawned children of ember run ] in run.py)."""
import os
import runpy

from .run import SCRIPT_ENV, install_aliases

install_aliases()
globals().update(runpy.run_path(os.environ[SCRIPT_ENV], run_name="__mp_main__"))
