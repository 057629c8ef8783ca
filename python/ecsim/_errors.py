"""The exceptions ecsim raises, as the CLI's error kinds."""


class InputError(ValueError):
    """Bad input, as `ecsim validate` words it (the CLI's exit code 2).

    ``file`` names the scenario (or data) file, ``path`` the field
    (``services[0].desired_count``; empty for the whole file) and
    ``message`` what is wrong and what would be valid.
    """

    def __init__(self, file, path, message):
        self.file = file
        self.path = path
        self.message = message
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {message}")


class EcsimError(RuntimeError):
    """A many-run command that ended without a full result (a wall-clock
    limit reached)."""

    def __init__(self, message, _path="", _unused=""):
        self.message = message
        super().__init__(message)


class Note(UserWarning):
    """What a scenario assumes that a user may not expect (the CLI's
    ``note:`` lines on stderr)."""
