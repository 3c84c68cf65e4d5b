"""Ralph's LRS (PyPI ralph-malph) for the tests, run as `python run_ralph.py <ralph arguments>`.

Ralph 5.1.0's file-system backend writes each POST with the operation type CREATE, which
refuses to write to its one statements file once it exists: the first POST is stored, every
later one fails with HTTP 500 "Statements bulk indexation failed". Storing them by APPEND
instead (the backend supports it) is the one change made here; validation, conflicts and
queries are Ralph's own.
"""

import sys

from ralph.__main__ import cli
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    sys.argv[0] = "ralph"
    sys.exit(cli.cli())
