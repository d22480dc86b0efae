"""One exception type for bad user input: the CLIs print it as one line and exit 2."""


class UserError(Exception):
    """Bad input the user can fix. The message names the file/field and what to do."""
