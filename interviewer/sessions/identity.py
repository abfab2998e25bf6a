"""Who a candidate is, and which sessions are theirs: the rules every candidate action goes through.

Without configuration a candidate is a random secret profile key, made on their first visit and kept in their
browser; the typed name is only a display name. The database stores a hash of the key as the profile id, never the
key. With `candidate_sign_in` set to `gradio` or `header`, the signed-in user name (hashed the same way) is the
profile instead. Every action names the caller and the session, and the session must be the caller's: the UI hides
nothing that this module does not also refuse. No Gradio here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from interviewer.config import kept_secret

KEY_PREFIX = "ik"
_BODY_HEX = 32  # 128 random bits
_CHECK_HEX = 4  # a typo in a pasted key is caught, not taken for another (empty) profile
_LEGACY_NAME = re.compile(r"[^\w .@-]")
ANONYMOUS = "anonymous"


class AccessError(RuntimeError):
    """The caller may not do this (no valid key, not their session, ...); the message says what to do."""


NO_KEY = (
    "This page has no valid profile key: reload the page to get one, or paste your key under 'Use a key from "
    "another device'. (API clients: call /profile_key once and pass the key it returns to every call.)"
)
NOT_YOURS = (
    "No interview of yours has that id. Start a new one, or resume one listed under 'Paused interviews'."
)


def _check(body: str) -> str:
    return hashlib.sha256(f"{KEY_PREFIX}:{body}".encode()).hexdigest()[:_CHECK_HEX]


def new_key() -> str:
    """A new random profile key, formatted for reading and copying (ik-xxxx-xxxx-...)."""
    return format_key(secrets.token_hex(_BODY_HEX // 2))


def format_key(body: str) -> str:
    whole = body + _check(body)
    return KEY_PREFIX + "-" + "-".join(whole[i : i + 4] for i in range(0, len(whole), 4))


def parse_key(raw: Any) -> str | None:
    """The key's random part when `raw` is a well-formed key (spaces, dashes and case do not matter), else None."""
    if not isinstance(raw, str):
        return None
    text = re.sub(r"[\s-]", "", raw).lower()
    text = text.removeprefix(KEY_PREFIX)
    if not re.fullmatch(f"[0-9a-f]{{{_BODY_HEX + _CHECK_HEX}}}", text):
        return None
    body, check = text[:_BODY_HEX], text[_BODY_HEX:]
    return body if secrets.compare_digest(_check(body), check) else None


def key_profile(body: str) -> str:
    """The profile id of a key: a hash, so the database (and a leak of it) never holds the key itself."""
    return "k:" + hashlib.sha256(f"profile-key:{body}".encode()).hexdigest()[:40]


def profile_of_key(key: str) -> str:
    """The profile id a formatted key stands for (ValueError when it is not a valid key)."""
    body = parse_key(key)
    if body is None:
        raise ValueError("not a profile key")
    return key_profile(body)


def user_profile(user: str) -> str:
    """The profile id of a signed-in user name (the ':' keeps every new id apart from old typed names)."""
    return "u:" + hashlib.sha256(f"user:{user}".encode()).hexdigest()[:40]


def legacy_name(raw: str) -> str:
    """A typed name as versions before profile keys turned it into a profile id."""
    return _LEGACY_NAME.sub("", (raw or "").strip())[:60] or ANONYMOUS


def scrub(text: Any) -> str:
    """Text that can be stored and sent as UTF-8: surrogate pairs joined, lone surrogates replaced by U+FFFD."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    try:
        text.encode("utf-8")
        return text
    except (
        UnicodeEncodeError
    ):  # only surrogates cannot be encoded; a pair sent as two escapes is one character
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def scrub_all(value: Any) -> Any:
    """`scrub` applied to every string inside lists and dicts (a chat history sent back by the page)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_all(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub_all(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class RequestInfo:
    """What identity needs from an HTTP request: Gradio's signed-in user, the headers, the peer address."""

    username: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    peer: str = ""


@dataclass(frozen=True)
class Caller:
    """A candidate making a request: their profile id, their IP address, and how they were identified."""

    profile: str
    ip: str
    signed_in_as: str = ""


def identify_ip(settings: Any, request: RequestInfo) -> str:
    """The client's IP address: the peer's, or behind a trusted proxy the last X-Forwarded-For entry (the one our
    own proxy appended; earlier entries are whatever the client sent)."""
    ip = request.peer or "unknown"
    if settings.trust_forwarded_for:
        forwarded = next((v for k, v in request.headers.items() if k.lower() == "x-forwarded-for"), "")
        ip = forwarded.split(",")[-1].strip() or ip
    return ip


def identify(settings: Any, key: Any, request: RequestInfo) -> Caller:
    """The caller of a request under the configured sign-in; AccessError when there is no valid identity."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    ip = identify_ip(settings, request)
    mode = settings.candidate_sign_in
    if mode == "key":
        body = parse_key(key)
        if body is None:
            raise AccessError(NO_KEY)
        return Caller(key_profile(body), ip)
    user = request.username if mode == "gradio" else headers.get(settings.sign_in_header.lower())
    user = scrub(user).strip()
    if not user:
        where = (
            "the login page" if mode == "gradio" else f"the sign-in proxy (header {settings.sign_in_header})"
        )
        raise AccessError(f"Sign in first: this server identifies candidates through {where}.")
    return Caller(user_profile(user), ip, signed_in_as=user)


def browser_secret(settings: Any) -> str:
    """The secret BrowserState encrypts the stored profile key with: the setting, else one kept in the data folder.
    The page receives it to decrypt, so it hides nothing; it must outlive restarts, or every browser would lose its
    key."""
    return str(settings.browser_secret) or kept_secret(settings.data_dir, "browser-secret")
