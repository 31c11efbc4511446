"""Canonical JSON, byte for byte as ``@slicewise/datasets`` writes it (``canonical.ts``): the form whose sha256
is a dataset version's identity, so ``manifest_sha256(json.loads(b)) == sha256(b)`` for a served manifest and
a manifest whose keys a server reordered still hashes to its version.

Rules (JavaScript's ``JSON.stringify`` on values with sorted keys, a subset of RFC 8785):

- object keys sorted by UTF-16 code units, no whitespace;
- numbers in ECMAScript's shortest round-trip form (``Number.prototype.toString``): ``1`` not ``1.0``,
  ``1e-7``, ``1e+21``, ``100000000000000000000``; ``-0`` is ``0``; NaN and infinities are refused;
- strings escaped as ``JSON.stringify`` does: ``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other control
  characters and lone surrogates as lowercase ``\\u00xx``; everything else is written as UTF-8.
"""

from __future__ import annotations

import hashlib
import math
import re

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\ud800-\udfff]')
# JavaScript numbers are IEEE doubles: integers beyond this print as the double they parse to.
_MAX_SAFE_INT = 2**53


class CanonicalJsonError(ValueError):
    pass


def _escape(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        c = m.group(0)
        return _ESCAPES.get(c) or f"\\u{ord(c):04x}"

    return '"' + _NEEDS_ESCAPE.sub(sub, s) + '"'


def js_number(x: float | int) -> str:
    """``String(x)`` in JavaScript (ECMAScript Number::toString, radix 10)."""
    if isinstance(x, int) and abs(x) < _MAX_SAFE_INT:
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        raise CanonicalJsonError(f"number {x} is not finite; canonical JSON allows finite numbers only")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that round-trip (as ECMAScript requires); re-place the point.
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: the decimal point sits after n digits (value = 0.d1d2...dk * 10^n)
    n = len(whole) + (int(exp) if exp else 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    esign = "+" if e >= 0 else "-"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + esign + str(abs(e))


def _utf16_key(k: str) -> bytes:
    return k.encode("utf-16-be", "surrogatepass")


def _write(v: object, at: str, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, (int, float)):
        try:
            out.append(js_number(v))
        except CanonicalJsonError as e:
            raise CanonicalJsonError(f"{at}: {e}") from None
    elif isinstance(v, str):
        out.append(_escape(v))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _write(x, f"{at}[{i}]", out)
        out.append("]")
    elif isinstance(v, dict):
        for key in v:
            if not isinstance(key, str):
                raise CanonicalJsonError(f"{at}: object key {key!r} is not a string")
        out.append("{")
        for i, key in enumerate(sorted(v, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_escape(key))
            out.append(":")
            _write(v[key], f"{at}.{key}", out)
        out.append("}")
    else:
        raise CanonicalJsonError(f"{at}: {type(v).__name__} cannot be written as canonical JSON (allowed: None, bool, int, float, str, list, dict)")


def canonical_json(value: object) -> str:
    """The canonical JSON text of ``value`` (see the module docstring)."""
    out: list[str] = []
    _write(value, "$", out)
    return "".join(out)


def canonical_bytes(value: object) -> bytes:
    # surrogatepass: a lone surrogate is escaped above, so this only keeps encode() from refusing paired ones
    return canonical_json(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
