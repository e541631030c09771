"""The `ember` command: `ember run`, `ember launch`, `ember demo`, `ember info` (also `python -m ember ...`)."""
import argparse
import sys

from . import demo, info, launch, run

COMMANDS = {
    "run": (run, "run a script written for PyTorch on ember, unchanged"),
    "launch": (launch, "run a script on N processes that train together (ember.distributed), as torchrun"),
    "demo": (demo, "train seed 001's LeNet on MNIST and write pictures of what it learned"),
    "info": (info, "print versions, BLAS, threads, devices and extras, for a bug report"),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `ember` command, one subparser per command."""
    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch's API on NumPy and CuPy.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `ember` command with `argv` (default: `sys.argv[1:]`); the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help()
        return 2
    module, _ = COMMANDS[args.command]
    return module.main(args)
