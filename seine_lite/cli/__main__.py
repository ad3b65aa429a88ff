"""`python -m seine_lite.cli ...` is `seine-lite ...`."""
import sys

from seine_lite.cli import main

sys.exit(main())
