"""Tests of the credential patterns in ``helpers.secrets``.

Each case checks both sides: a real credential after a field name is masked,
and a plain word after the same field name in prose is left as it is.
"""

from __future__ import annotations

import pytest

from helpers.secrets import mask_text, token_placeholder

FAKE_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJmYWtlIn0.ZmFrZXNpZ25hdHVyZQ"
FAKE_OPAQUE = "00DFAKE000000000001!fake.token.for.tests"


@pytest.mark.parametrize(
    "text",
    [
        "the token endpoint rejected the assertion: invalid_client_id (client identifier invalid).",
        "assertion: invalid_grant",
        "client_secret: missing-from-profile",
        "access_token: unavailable",
        "refresh_token: not_issued",
    ],
)
def test_prose_word_after_key_kept(text):
    assert mask_text(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"grant_type=urn&assertion={FAKE_JWT}", FAKE_JWT),
        ('{"access_token": "abcdefghijklmnop"}', "abcdefghijklmnop"),
        ("{'access_token': 'abcdefghijklmnop'}", "abcdefghijklmnop"),
        ("client_secret=abcdefghijkl", "abcdefghijkl"),
        ("client_id=x&client_secret=FAKE1234SECRET5678", "FAKE1234SECRET5678"),
        ("client_secret: FAKE1234SECRET5678", "FAKE1234SECRET5678"),
        ("refresh_token: 5AepFAKE.refresh.token", "5AepFAKE.refresh.token"),
        ('"assertion": "invalid_grant_but_quoted"', "invalid_grant_but_quoted"),
        (f"access_token={FAKE_OPAQUE}", FAKE_OPAQUE),
    ],
)
def test_credential_after_key_masked(text, secret):
    masked = mask_text(text)
    assert secret not in masked
    assert "<token:" in masked


def test_form_value_masked_even_if_word():
    # A form body never carries prose, so key=word is masked too.
    masked = mask_text("client_secret=lowercaseonlysecret")
    assert masked == "client_secret=" + token_placeholder("lowercaseonlysecret")


def test_password_field_masked():
    masked = mask_text('{"password": "hunter22"}')
    assert "hunter22" not in masked
