"""``python -m dealspace``: the same command line as the ``dealspace`` script."""

from dealspace.cli import main

if __name__ == "__main__":
    main()
