"""Timestamps as qualcode stores them: a neutral module any layer may import."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """UTC time as ISO 8601 to the second: how every stored time is written."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
