"""Progress of a pull on stderr: files, MB, MB/s and time left. On a terminal one line is rewritten in
place (about 10 times a second); otherwise a line is written every 10 s so logs stay short."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, files_total: int, bytes_total: int, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.files_total = files_total
        self.bytes_total = bytes_total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.files_done = 0
        self.bytes_done = 0
        self.bytes_downloaded = 0
        self._t0 = time.monotonic()
        self._last = 0.0 if self.tty else self._t0  # logs: the first line after 10 s, not at once
        self._lock = threading.Lock()

    def _line(self) -> str:
        s = time.monotonic() - self._t0
        rate = self.bytes_downloaded / 1e6 / s if s > 0 else 0.0
        left = self.bytes_total - self.bytes_done
        eta = f", {left / 1e6 / rate:.0f} s left" if rate > 0 and left > 0 else ""
        return f"  {self.files_done}/{self.files_total} files, {self.bytes_done / 1e6:.1f}/{self.bytes_total / 1e6:.1f} MB, {rate:.1f} MB/s{eta}"

    def _render(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < (0.1 if self.tty else 10.0):
            return
        self._last = now
        self.stream.write(f"\r{self._line()}\x1b[K" if self.tty else f"{self._line()}\n")
        self.stream.flush()

    def add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_done += n
            self.bytes_downloaded += n
            self._render()

    def file_done(self, counted_bytes: int = 0) -> None:
        """A file finished; ``counted_bytes`` are its bytes not already reported through add_bytes."""
        with self._lock:
            self.files_done += 1
            self.bytes_done += counted_bytes
            self._render()

    def note(self, text: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.stream.write(f"{chr(13) + chr(27) + '[K' if self.tty else ''}{text}\n")
            self.stream.flush()

    def finish(self) -> None:
        with self._lock:
            self._render(force=True)
            if self.enabled and self.tty:
                self.stream.write("\n")
                self.stream.flush()
