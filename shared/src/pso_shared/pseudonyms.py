"""Keyed pseudonyms: stable per input, meaningless without the PSO's key."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, kind: str, *parts: str) -> str:
    """``<kind>_`` plus 20 hex digits of HMAC-SHA256 over the parts (length-prefixed, so no two
    different part lists collide)."""
    message = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in (kind, *parts))
    return f"{kind}_{hmac.new(key, message, hashlib.sha256).hexdigest()[:20]}"
