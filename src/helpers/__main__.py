"""Run the kit's command line: ``python -m helpers COMMAND ...``."""

import sys

from helpers.cli import main

sys.exit(main())
