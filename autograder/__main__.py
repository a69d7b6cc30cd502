"""The course's command line: ``python -m autograder --help``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=(
        "Maintain and grade the course. Run from the repository's root."))
    sub = parser.add_subparsers(dest="command", required=True)
    fixtures = sub.add_parser("fixtures", help="rebuild lessonkit/fixtures from solutions and the misconceptions")
    fixtures.add_argument("functions", nargs="*", help="graded functions, e.g. rnn_cell (default: all)")
    release = sub.add_parser("release", help=(
        "clean the masters in source/ (outputs, execution counts, widget state) and "
        "regenerate the student versions in lessons/ with nbgrader"))
    release.add_argument("lessons", nargs="*", help="lesson folders, e.g. 01_rnn (default: all)")
    args = parser.parse_args(argv)

    if args.command == "fixtures":
        from .fixtures import write_all
        for name in write_all(names=args.functions or None):
            print(f"wrote lessonkit/fixtures/{name}.npz")
    elif args.command == "release":
        from .release import release
        for path in release(args.lessons or None):
            print(f"generated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
