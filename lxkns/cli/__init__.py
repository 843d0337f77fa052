"""Command line tools over a discovery: lsuns, lspidns, pidtree, nscaps, dumpns, lsallns.

Each tool is a module with a ``main(argv)`` returning the exit status (the
console scripts call them). They discover the host, or read a JSON dump of
a discovery with ``-i FILE`` (``-`` for standard input), so one can look at
another host's namespaces; the tree tools print JSON instead of text with
``--json``. Exit status: 0 done, 1 an unknown PID or namespace, 2 bad
arguments, 3 a dump that cannot be read, 4 no discovery possible.
"""

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_NO_DISCOVERY = 4


class Failure(Exception):
    """A failure a tool reports with a message and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
