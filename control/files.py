"""Reading the files a coordinator hands to `tandem` from disk; domain/ parses their bytes.

A programme file, the participants file it names and a matching problem file are all written by
hand or copied from someone else, so reading one is refused rather than attempted when it could
hang (a pipe), fill the memory (a video, a database dump) or reach outside the programme's folder.
Every refusal is a `Problem` like the parsing ones: FILE:LINE: field: message.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from control.yaml_tree import yaml_tree
from domain.matching import MatchingProblem
from domain.matching_file import parse_matching_problem
from domain.programme import ProgrammeSpec
from domain.programme_file import (
    ListFolder,
    NamedFile,
    Problem,
    ProgrammeFileError,
    ReadNamed,
    Unreadable,
    parse_programme,
)

# No real programme file or roster comes near this; refusing early keeps a mistaken path (a video,
# a database dump) from being read into memory.
MAX_FILE_BYTES = 5_000_000

# A pipe opened without O_NONBLOCK waits for a writer forever; a regular file ignores the flag.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def load_programme(path: Path) -> ProgrammeSpec:
    """A programme file and the participants file it names, read and validated.

    Raises `ProgrammeFileError` listing every problem; never raises anything else.
    """
    path = Path(path)
    root = yaml_tree(str(path), _bytes_or_problem(path))
    return parse_programme(str(path), root, named_file_reader(path), folder_lister(path))


def load_matching_problem(path: Path) -> MatchingProblem:
    """A matching problem file, read and checked; raises `ProgrammeFileError` with every problem."""
    path = Path(path)
    root = yaml_tree(str(path), _bytes_or_problem(path), merge_keys=True)
    return parse_matching_problem(str(path), root)


def read_file(path: Path) -> bytes | Unreadable:
    """The bytes of a regular file of at most MAX_FILE_BYTES, or why not (without the path)."""
    try:
        return _read_bytes(path)
    except _Refused as exc:
        return Unreadable(str(exc))


# A programme's own guides are a few dozen files; a folder of thousands is a mistaken path.
MAX_FOLDER_FILES = 1_000


def folder_lister(naming_file: Path) -> ListFolder:
    """Lists the Markdown files under a folder that `naming_file` names, never outside its own
    folder, each as `named_file_reader` reads it (relative to `naming_file`)."""
    return functools.partial(list_named_folder, naming_file)


def list_named_folder(naming_file: Path, written: str) -> list[str] | Unreadable:
    shown = naming_file.parent / written
    try:
        home = naming_file.parent.resolve()
        folder = shown.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        return Unreadable(f"{shown}: cannot be read ({type(exc).__name__})")
    if not folder.is_relative_to(home):
        return Unreadable(
            f"{written!r} is outside the folder of {naming_file.name}: keep the folder there "
            "(or below it) and name it relative to it"
        )
    if not folder.is_dir():
        return Unreadable(f"{shown}: no such folder")
    found = sorted(p for p in folder.rglob("*.md") if p.is_file())
    if len(found) > MAX_FOLDER_FILES:
        return Unreadable(f"{shown}: more than {MAX_FOLDER_FILES} files: is it the right folder?")
    # Named as the programme file would name them; a link out of the folder is refused on read.
    prefix = written.rstrip("/")
    return [f"{prefix}/{p.relative_to(folder).as_posix()}" for p in found]


def named_file_reader(naming_file: Path) -> ReadNamed:
    """Reads the files that `naming_file` names, relative to it and never outside its folder."""
    return functools.partial(read_named_file, naming_file)


def read_named_file(naming_file: Path, written: str) -> NamedFile | Unreadable:
    """The file that `naming_file` names as `written`, relative to it, or why it is not read.

    The file must be in `naming_file`'s folder or below it once every symbolic link is resolved:
    a programme file copied from someone else must not make `tandem` read, and report on, any
    other file of the machine. The reason starts with the path unless the file is outside (then
    nothing is opened, and the path is `written`).
    """
    try:
        return _read_named(naming_file, written)
    except _Refused as exc:
        return Unreadable(str(exc))


def _read_named(naming_file: Path, written: str) -> NamedFile:
    shown = naming_file.parent / written
    try:
        folder = naming_file.parent.resolve()
        target = shown.resolve()
    except RuntimeError as exc:  # how Python before 3.13 reports a loop (later: OSError ELOOP)
        raise _Refused(f"{shown}: cannot be read: a loop of symbolic links") from exc
    except (OSError, ValueError) as exc:
        raise _Refused(f"{shown}: {_cannot_read(exc)}") from exc
    if not target.is_relative_to(folder):
        raise _Refused(
            f"{written!r} is outside the folder of {naming_file.name}: keep the file in that "
            "folder (or below it) and name it relative to it"
        )
    try:
        # The links are resolved already: one appearing now is a swap, not the coordinator's.
        return NamedFile(str(shown), _read_bytes(target, follow_links=False))
    except _Refused as exc:
        raise _Refused(f"{shown}: {exc}") from exc


def _bytes_or_problem(path: Path) -> bytes:
    try:
        data = read_file(path)
    except Exception as exc:
        # A bug here must still reach the coordinator as a line, not as a traceback; the chained
        # exception keeps the traceback for whoever debugs it.
        problem = Problem(str(path), 0, "file", f"unexpected error while reading: {exc!r}")
        raise ProgrammeFileError([problem]) from exc
    if isinstance(data, Unreadable):
        raise ProgrammeFileError([Problem(str(path), 0, "file", data.reason)])
    return data


class _Refused(Exception):
    """Why a file cannot be opened; the caller decides which file and line the problem is about."""


def _read_bytes(path: Path, *, follow_links: bool = True) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES.

    What is opened is what is checked (fstat on the open file), so nothing can be swapped in
    between; a file that grows while it is read is still cut off at the limit.
    """
    flags = _OPEN_FLAGS if follow_links else _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise _Refused("file not found") from exc
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL character in it
        raise _Refused(_cannot_read(exc)) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _Refused("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("is not a regular file (a pipe or a device?)")
        if info.st_size > MAX_FILE_BYTES:
            raise _Refused(_too_large(info.st_size))
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise _Refused(_too_large(None))
        return data
    except OSError as exc:
        raise _Refused(_cannot_read(exc)) from exc
    finally:
        os.close(fd)


def _cannot_read(exc: Exception) -> str:
    return f"cannot be read: {getattr(exc, 'strerror', None) or exc}"


def _too_large(size: int | None) -> str:
    actual = f"{size:,} bytes" if size is not None else "it keeps growing"
    return f"is too large ({actual}): the limit is {MAX_FILE_BYTES:,} bytes"
