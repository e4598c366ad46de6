"""What the command-line tests share: the one-line error check and a pass/fail tally."""


def one_line(stderr):
    """A user-facing error: exactly one non-empty line, starting 'partplan: error: '."""
    lines = [l for l in stderr.strip().splitlines() if l]
    return len(lines) == 1 and lines[0].startswith("partplan: error: ")


class Tally:
    """check(name, ok, why) prints `ok NAME` or `FAIL NAME: why` and remembers failures."""

    def __init__(self):
        self.failures = []

    def check(self, name, ok, why=""):
        print(f"ok   {name}" if ok else f"FAIL {name}: {why}")
        if not ok:
            self.failures.append(name)

    def exit_code(self):
        print(f"{len(self.failures)} failed")
        return 1 if self.failures else 0
