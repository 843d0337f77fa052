"""Diagnostics: what a discovery could not see, and why.

Discovery never fails because one process vanished or one path was denied;
it records that here instead, so that callers can explain partial results.
"""

from __future__ import annotations

import enum

import attrs


class DiagnosticKind(enum.Enum):
    """What kind of problem a diagnostic reports."""

    DENIED = "denied"            #: not allowed to read or open something
    VANISHED = "vanished"        #: a process, thread or fd went away while being read
    UNSUPPORTED = "unsupported"  #: the kernel lacks a feature; a fallback was used or a step skipped
    MALFORMED = "malformed"      #: a file had unexpected contents
    UNAVAILABLE = "unavailable"  #: something could not be read for another reason

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True, repr=False)
class Diagnostic:
    """One kind of problem in one discovery stage, with how often it happened.

    ``examples`` names up to a few of the paths or objects concerned.
    """

    kind: DiagnosticKind
    stage: str
    message: str
    count: int = 1
    errno: int | None = None
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        more = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.stage}: {self.kind}: {self.message}{more}"

    def __repr__(self) -> str:
        text = self.message if len(self.message) <= 100 else self.message[:97] + "..."
        return f"<Diagnostic {self.stage} {self.kind} x{self.count}: {text}>"
