"""The __main__ of a process that multiprocessing spawns under `ember run`: installs the import hook, then
runs the parent's script in this module's own namespace as __mp_main__, so that the classes and functions it
defines live here (NOTE [ Spawned children of ember run ] in run.py)."""
import os

from .run import SCRIPT_ENV, install_aliases

install_aliases()
__file__ = os.environ[SCRIPT_ENV]
with open(__file__, "rb") as _source:
    exec(compile(_source.read(), __file__, "exec"))  # the user's script, as `ember run` runs it
