"""Who may use a recruiter handler: every recruiter tab checks the signed-in role itself (hiding a button stops
no direct API call)."""

from __future__ import annotations

from typing import Any

DENIED = "Refused: sign in as a recruiter first."


def role(auth: dict[str, Any] | None) -> str:
    """The role of the signed-in user in this browser session ('' when nobody signed in)."""
    return (auth or {}).get("role", "")
