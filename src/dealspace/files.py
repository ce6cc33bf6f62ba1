"""Files the user names: checked before they are read, written atomically, never over an input.

One rule for every command that writes a file:

* the output must be a plain file name in a folder that exists and can be
  written to (not empty, not a folder, not a device such as ``/dev/full``);
* an existing file is replaced only with ``overwrite`` (``--overwrite``), and
  an input file (or a file inside an input folder) never, not even then (a new
  file beside them is fine);
* the file is written to a temporary file next to it and renamed into place,
  so a failed write (disk full, killed process) never leaves a truncated file.

Sources are checked before they are opened: a name too long for the file
system, a symbolic-link loop, a named pipe (which would block forever), a
device such as ``/dev/null`` or a folder without read permission each get one
message instead of a traceback, a hang, or "no such file".
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from dealspace.errors import DealspaceError, shorten

#: Longest file name (one part of a path) most file systems accept, in bytes.
NAME_MAX = 255

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _stat_problem(err: OSError) -> tuple[str, str]:
    """(what, fix) for an ``os.stat`` failure on a path the user gave."""
    if err.errno == errno.ENAMETOOLONG:
        return (
            f"the name is too long (a part of a path has at most {NAME_MAX} bytes)",
            "use a shorter name",
        )
    if err.errno == errno.ELOOP:
        return "the path is a loop of symbolic links", "point the link at a real file"
    if err.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder", "check the path"
    if err.errno == errno.EACCES:
        return "permission denied", "check the file's permissions"
    if err.errno == errno.ENOENT:
        return "no such file or folder", "check the path"
    return f"cannot use the path ({err.strerror})", "check the path"


def check_source(path: str | Path, where: str = "", *, missing_ok: bool = False) -> bool:
    """Check that ``path`` can be read as a file or a folder, without opening it.

    Returns whether it exists (``False`` only with ``missing_ok``: the caller
    may then treat the text as a name, such as a built-in scenario).

    Raises
    ------
    DealspaceError
        For a name too long, a symbolic-link loop, a named pipe, a device
        (``/dev/null``), a socket, a missing file (unless ``missing_ok``) or
        one that cannot be read.
    """
    shown = shorten(str(path))
    try:
        st = os.stat(path)
    except OSError as err:
        if err.errno == errno.ENOENT and missing_ok:
            if not os.path.islink(path):
                return False
            raise DealspaceError.single(
                where, f"'{shown}' is a broken symbolic link", "point the link at a real file"
            ) from None
        if err.errno in (errno.ENOENT, errno.ENOTDIR) and missing_ok:
            return False
        what, fix = _stat_problem(err)
        raise DealspaceError.single(where, f"'{shown}': {what}", fix) from None
    except ValueError:  # an embedded NUL character
        raise DealspaceError.single(
            where, f"'{shown}' is not a valid path (it holds a NUL character)", "check the path"
        ) from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise DealspaceError.single(
            where,
            f"'{shown}' is {_kind(st.st_mode)}, not a file dealspace can read",
            "give a regular file or a folder",
        )
    mode = os.R_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0)
    if not os.access(path, mode):
        raise DealspaceError.single(
            where, f"'{shown}' cannot be read (permission denied)", "check its permissions"
        )
    return True


def read_bytes(path: str | Path, limit: int, where: str = "") -> bytes:
    """At most ``limit + 1`` bytes of a checked source file (a read error is a DealspaceError)."""
    check_source(path, where)
    try:
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as err:
        raise DealspaceError.single(
            where, f"cannot read '{shorten(str(path))}' ({err.strerror})", "check the file"
        ) from None


def _is_input(target: Path, source: Path) -> bool:
    """Whether writing ``target`` would replace ``source`` (the same file, links
    included) or a file inside the folder ``source`` (a new file beside them is fine)."""
    try:
        if not (source.exists() and target.exists()):
            return False
        if os.path.samefile(target, source):
            return True
        src = source.resolve()
        return src.is_dir() and src in target.resolve().parents
    except (OSError, ValueError, RuntimeError):
        return False


def check_output(
    path: str | Path,
    where: str = "--output",
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Iterable[str] | None = None,
    folder: bool = False,
) -> Path:
    """The output path, checked by the one rule (module docstring); nothing is written.

    ``where`` names the option in messages; ``inputs`` are the files and
    folders the command reads (never written over, nor into); ``suffixes``
    the accepted extensions; ``folder`` for an output that is a folder.

    Raises
    ------
    DealspaceError
        With one message saying what is wrong with the path and what to do.
    """
    text = str(path)
    if not text.strip() or text == ".":  # a CLI turns an empty path into '.'
        raise DealspaceError.single(
            where, "the path is empty (or '.', the current folder)", "give a file name"
        )
    out = Path(text)
    shown = shorten(text)

    def refuse(what: str, fix: str) -> DealspaceError:
        return DealspaceError.single(where, f"'{shown}' {what}", fix)

    if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in out.parts):
        raise refuse(
            f"has a name too long (a part of a path has at most {NAME_MAX} bytes)",
            "use a shorter name",
        )
    try:
        st: os.stat_result | None = os.stat(out)
    except FileNotFoundError:
        st = None
    except ValueError:
        raise refuse("is not a valid path (it holds a NUL character)", "check the path") from None
    except OSError as err:
        if err.errno == errno.ELOOP and os.path.islink(out):
            raise refuse("is a loop of symbolic links", "choose another path") from None
        what, fix = _stat_problem(err)
        raise DealspaceError.single(where, f"'{shown}': {what}", fix) from None
    for source in inputs:
        if source is not None and str(source) and _is_input(out, Path(source)):
            raise refuse(
                "is an input of this command" + ("" if folder else " (or a file in one)"),
                "write to another path (--overwrite never replaces an input)",
            )
    if st is not None:
        if stat.S_ISDIR(st.st_mode) and not folder:
            raise refuse("is a folder", "give a file name (inside it, if you like)")
        if not folder and not stat.S_ISREG(st.st_mode):
            raise refuse(f"is {_kind(st.st_mode)}, not a file to write", "give a regular file name")
        if folder and not stat.S_ISDIR(st.st_mode):
            raise refuse("is a file, not a folder", "give a folder name (no extension)")
        if not overwrite and not folder:
            raise refuse("exists", "choose another path or pass --overwrite")
    if suffixes is not None:
        allowed = tuple(suffixes)
        if out.suffix.lower() not in allowed:
            names = (
                f"{', '.join(allowed[:-1])} or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
            )
            raise refuse("has the wrong extension", f"use a {names} file name")
    parent = out.parent
    try:
        pst = os.stat(parent)
    except FileNotFoundError:
        raise refuse(
            f"cannot be written: the folder '{shorten(str(parent))}' does not exist",
            "create it first",
        ) from None
    except OSError as err:
        what, fix = _stat_problem(err)
        raise refuse(f"cannot be written: its folder: {what}", fix) from None
    if not stat.S_ISDIR(pst.st_mode):
        raise refuse(
            f"cannot be written: '{shorten(str(parent))}' is not a folder", "check the path"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise refuse(
            f"cannot be written: the folder '{shorten(str(parent))}' is read-only",
            "choose a folder you can write to",
        )
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _commit(tmp: Path, out: Path, overwrite: bool) -> None:
    """Move the finished temporary file into place (never over a file that appeared meanwhile)."""
    if overwrite:
        os.replace(tmp, out)
        return
    try:
        os.link(tmp, out)  # atomic: fails if ``out`` exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if out.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(out)) from None
        os.replace(tmp, out)
        return
    tmp.unlink()


@contextmanager
def atomic_output(
    path: str | Path,
    where: str = "--output",
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Iterable[str] | None = None,
) -> Iterator[Path]:
    """Check ``path`` (:func:`check_output`), yield a temporary file next to it
    (same extension) for the caller to write, then rename it into place.

    If the caller raises, or the write fails, the temporary file is removed
    and ``path`` is left as it was; an ``OSError`` becomes a DealspaceError.
    """
    out = check_output(path, where, overwrite=overwrite, inputs=inputs, suffixes=suffixes)
    shown = shorten(str(out))
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{out.stem[:40]}.", suffix=out.suffix, dir=out.parent or "."
        )
    except OSError as err:
        raise DealspaceError.single(
            where, f"cannot write '{shown}' ({err.strerror})", "choose a folder you can write to"
        ) from None
    os.close(fd)
    tmp = Path(name)
    try:
        old = os.stat(out).st_mode & 0o777 if out.exists() else 0o666 & ~_umask()
        os.chmod(tmp, old)
        yield tmp
        _commit(tmp, out, overwrite)
    except FileExistsError:
        raise DealspaceError.single(
            where, f"'{shown}' appeared while it was being written", "choose another path"
        ) from None
    except OSError as err:
        raise DealspaceError.single(
            where,
            f"cannot write '{shown}' ({err.strerror or err})",
            "free some space or choose a writable path; nothing was changed",
        ) from None
    finally:
        with suppress(OSError):
            tmp.unlink()


def write_text(
    path: str | Path,
    text: str,
    where: str = "--output",
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Iterable[str] | None = None,
) -> Path:
    """Write ``text`` (UTF-8) atomically by the one rule; returns the path written."""
    with atomic_output(path, where, overwrite=overwrite, inputs=inputs, suffixes=suffixes) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


__all__ = ["NAME_MAX", "atomic_output", "check_output", "check_source", "read_bytes", "write_text"]
