"""Replaces a generated block of a Markdown file: the text between two marker comments."""
import pathlib
import sys


def read_block(path: pathlib.Path, begin: str, end: str) -> str:
    """The text between the markers begin and end of path, without the newlines around it;
    an AssertionError naming the markers if either is missing (for the staleness tests)."""
    text = path.read_text()
    assert begin in text and end in text, f"{path} has no markers {begin!r} ... {end!r}"
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")


def replace_block(path: pathlib.Path, begin: str, end: str, text: str, tool: str) -> None:
    """Writes text between the markers begin and end of path; exits naming tool if either is
    missing."""
    readme = path.read_text()
    if begin not in readme or end not in readme:
        sys.exit(f"{tool}: {path} has no markers {begin!r} ... {end!r}")
    head, rest = readme.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + begin + "\n" + text + "\n" + end + tail)
    print(f"updated {path}", file=sys.stderr)


def publish(text: str, path, begin: str, end: str, tool: str) -> None:
    """Prints a generated block and, when path is given, writes it into that file."""
    print(text)
    if path:
        replace_block(path, begin, end, text, tool)
