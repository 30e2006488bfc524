"""Exceptions of the clustersim package."""


class ScenarioError(ValueError):
    """A scenario (file, text, dict or ``set=`` override) the engine cannot use.

    Attributes name where the problem is, as the command line reports it:

    ``file``
        the scenario file, ``"<string>"`` / ``"<dict>"`` for a scenario given as text or a dict,
        or ``"--set key=value"`` for an override;
    ``line``, ``column``
        1-based position in that file or text (0 when the problem concerns the whole file);
    ``key``
        the setting's dotted path (``"policy.rd_super_deduction"``), or ``""``;
    ``detail``
        the message without the location.
    """

    def __init__(self, message, *, file="", line=0, column=0, key="", detail=""):
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.detail = detail or message

    def __reduce__(self):
        return (_rebuild, (type(self), str(self), self.file, self.line, self.column, self.key,
                           self.detail))


def _rebuild(cls, message, file, line, column, key, detail):
    return cls(message, file=file, line=line, column=column, key=key, detail=detail)


class ResultFileError(ValueError):
    """A file that is not a readable clustersim result (wrong type, version or layout)."""

    def __init__(self, message, *, file=""):
        super().__init__(f"{file}: {message}" if file else message)
        self.file = file
        self.detail = message
