"""Run the kit's command line: ``python -m helpers COMMAND ...``."""

import sys

from helpers.cli import main

# The guard keeps spawned worker processes, which import this module as
# __mp_main__, from running the command line again.
if __name__ == "__main__":
    sys.exit(main())
