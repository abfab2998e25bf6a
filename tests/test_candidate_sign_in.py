"""The hosted sign-in options through the app's API: a trusted proxy's user header, and Gradio's login page."""

from __future__ import annotations

import pytest

from interviewer.sessions.identity import new_key, user_profile

from .candidate_app import candidate_app

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]
START = ("", "x", False, "junior", "ml-foundations", 2, "", 0, True, False)  # key (unused), name, ...


def _client(url: str, **kwargs):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 120}, **kwargs)


def test_behind_a_sign_in_proxy_the_header_is_the_identity(tmp_path):
    from gradio_client.exceptions import AppError

    with candidate_app(tmp_path, candidate_sign_in="header") as (url, svc):
        ann = _client(url, headers={"X-Forwarded-User": "ann@example.org", "X-Forwarded-For": "10.5.0.1"})
        assert "Signed in as **ann@example.org**" in ann.predict("", api_name="/profile_key")[2]
        ann.predict(*START, api_name="/start")
        [row] = svc.storage.sessions_of(user_profile("ann@example.org"))
        ben = _client(url, headers={"X-Forwarded-User": "ben@example.org", "X-Forwarded-For": "10.5.0.2"})
        assert row["id"] not in str(ben.predict("", api_name="/paused_sessions"))
        with pytest.raises(AppError, match="No interview of yours"):
            ben.predict("", row["id"], api_name="/resume")
        anonymous = _client(url)
        with pytest.raises(AppError, match="Sign in first"):
            anonymous.predict(*START, api_name="/start")
        with pytest.raises(AppError, match="Sign in first"):
            anonymous.predict(new_key(), api_name="/history")  # a key is no way in under sign-in


def test_with_gradio_login_the_signed_in_user_is_the_identity(tmp_path):
    with candidate_app(tmp_path, candidate_sign_in="gradio") as (url, svc):
        svc.storage.add_user("cara", "cara-password", role="candidate")
        with pytest.raises(ValueError):
            _client(url, auth=("cara", "wrong-password"))  # the whole app is behind the login page
        cara = _client(url, auth=("cara", "cara-password"))
        cara.predict(*START, api_name="/start")
        assert len(svc.storage.sessions_of(user_profile("cara"))) == 1
        out = cara.predict("corpus/questions/mlops.yaml", api_name="/recruiter_open")
        assert "Refused" in str(out[1])  # a candidate account is not a recruiter
        assert "Wrong name or password" in str(
            cara.predict("cara", "cara-password", api_name="/recruiter_login")
        )
