"""Command line: ``python -m sklot demo [--output DIR]`` and ``python -m sklot versions``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sklot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit every estimator on embedded data, print scores, write plots")
    demo.add_argument("--output", default="sklot-demo", help="folder for the plots (default: ./sklot-demo)")
    demo.add_argument("--only", nargs="*", default=None, help="run only these families")
    sub.add_parser("versions", help="print the versions of sklot and its dependencies")
    args = parser.parse_args(argv)
    if args.command == "versions":
        from ._show_versions import show_versions

        show_versions()
        return 0
    from ._demo import run_demo

    return run_demo(args.output, only=args.only)


if __name__ == "__main__":
    sys.exit(main())
