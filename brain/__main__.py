"""`python -m brain`: the command line (the only non-pure module of this package)."""

import sys

from cli import main

sys.exit(main())
