"""Independent SigV4 test vectors for bedrock-auth, computed with botocore.

Run once by hand (needs `pip install botocore`, no network):

    python3 crates/bedrock-auth/tests/vectors/gen_vectors.py

and paste the printed values into the Rust tests (src/sign.rs, src/api_key.rs).
The Rust tests never run Python; this script only documents how the expected
values were derived.
"""

import base64
import datetime
from unittest import mock

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/+=="
FIXED = datetime.datetime(2024, 1, 2, 3, 4, 5)  # 2024-01-02T03:04:05Z, epoch 1704164645


def fixed_clock():
    class FakeDT(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return FIXED

        @classmethod
        def now(cls, tz=None):
            return FIXED.replace(tzinfo=tz) if tz else FIXED

    return mock.patch("botocore.auth.datetime.datetime", FakeDT)


def header_vector(name, token):
    creds = Credentials(AKID, SECRET, token)
    req = AWSRequest(
        method="POST",
        url="https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        data=b'{"messages":[]}',
        headers={"Content-Type": "application/json"},
    )
    with fixed_clock():
        SigV4Auth(creds, name, "us-east-1").add_auth(req)
    print(f"[{name}, token={token is not None}] Authorization: {req.headers['Authorization']}")
    print(f"  X-Amz-Date: {req.headers['X-Amz-Date']}")


def api_key_vector(token, expires, region):
    creds = Credentials(AKID, SECRET, token)
    req = AWSRequest(
        method="POST",
        url="https://bedrock.amazonaws.com/",
        headers={"host": "bedrock.amazonaws.com"},
        params={"Action": "CallWithBearerToken"},
    )
    with fixed_clock():
        SigV4QueryAuth(creds, "bedrock", region, expires=expires).add_auth(req)
    url = req.url
    print(f"[api key token={token is not None} expires={expires} region={region}] url: {url}")
    body = url.replace("https://", "") + "&Version=1"
    print("  token: bedrock-api-key-" + base64.b64encode(body.encode()).decode())


header_vector("bedrock", None)
header_vector("bedrock", TOKEN)
header_vector("bedrock-mantle", TOKEN)
api_key_vector(None, 43200, "us-west-2")
api_key_vector(TOKEN, 900, "us-east-1")
