"""Credentials and tokens: the access key pair clients log in with and the JWTs they get back."""
import base64
import json
import secrets
import string
import time

import jwt

from . import errors
from .settings import write_private

API_VERSION = "2.23"
SERVER_VERSION = "2.0.0"
TOKEN_LIFETIME = 30 * 24 * 3600
COMPANY = {"id": "local", "name": "local"}


def _random(length, alphabet=string.ascii_uppercase + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Credentials:
    """The server's single key pair and token signing key, kept in <data_dir>/credentials.json.

    Generated at first start unless given; given keys replace the stored ones, and a new key
    pair gets a new signing key, so every token signed for the old pair stops working.
    """

    def __init__(self, data_dir, access_key=None, secret_key=None):
        path = data_dir / "credentials.json"
        stored = self._read(path)
        self.access_key = access_key or stored.get("access_key") or _random(24)
        self.secret_key = secret_key or stored.get("secret_key") or _random(
            48, string.ascii_letters + string.digits)
        same_pair = (self.access_key, self.secret_key) == (stored.get("access_key"),
                                                          stored.get("secret_key"))
        self.signing_key = (same_pair and stored.get("signing_key")) or secrets.token_hex(32)
        self.generated = not access_key
        self.user = {"id": stored.get("user_id") or secrets.token_hex(16), "name": "local user"}
        fresh = {"access_key": self.access_key, "secret_key": self.secret_key,
                 "signing_key": self.signing_key, "user_id": self.user["id"]}
        if fresh != stored:
            write_private(path, json.dumps(fresh, indent=2))
        self._verified = {}  # token -> (identity, exp): decoding a JWT costs more than the call.

    @staticmethod
    def _read(path):
        if not path.exists():
            return {}
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            raise SystemExit(f"{path} is not valid JSON: fix it, or delete it to generate "
                             "new credentials") from None
        if not isinstance(stored, dict):
            raise SystemExit(f"{path} does not hold a JSON object: fix it or delete it")
        return stored

    @property
    def identity(self):
        return {"company": COMPANY["id"], "company_name": COMPANY["name"],
                "user": self.user["id"], "user_name": self.user["name"], "role": "admin"}

    def login(self, authorization, expiration_sec=None):
        """A token for a Basic authorization header; raises Unauthorized on bad credentials."""
        key, secret = self._basic(authorization)
        # Bytes, since compare_digest refuses str with non-ASCII characters.
        if not (secrets.compare_digest(key.encode(), self.access_key.encode())
                and secrets.compare_digest(secret.encode(), self.secret_key.encode())):
            raise errors.InvalidCredentials()
        issued = int(time.time())
        lifetime = TOKEN_LIFETIME
        if expiration_sec is not None:
            lifetime = max(60, min(expiration_sec, TOKEN_LIFETIME))
        claims = {"identity": self.identity, "api_version": API_VERSION,
                  "server_version": SERVER_VERSION, "server_build": "local",
                  "feature_set": "basic", "env": "local", "iat": issued, "exp": issued + lifetime}
        return jwt.encode(claims, self.signing_key, algorithm="HS256")

    def authenticate(self, authorization):
        """The identity behind an Authorization header (Bearer token or Basic key pair)."""
        if not authorization:
            raise errors.Unauthorized()
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            self.login(authorization)
            return self.identity
        if scheme.lower() != "bearer" or not value:
            raise errors.BadCredentials("unauthorized (bad authentication header type)")
        return self.verify(value.strip())

    def verify(self, token):
        """The identity a token of this server carries; InvalidToken for any other token."""
        known = self._verified.get(token)
        if known and known[1] > time.time():
            return dict(known[0])
        try:
            claims = jwt.decode(token, self.signing_key, algorithms=["HS256"],
                                options={"require": ["exp", "identity"]})
        except jwt.ExpiredSignatureError:
            raise errors.InvalidToken("token expired") from None
        except jwt.PyJWTError as exc:
            raise errors.InvalidToken(f"invalid token: {exc}") from None
        identity = claims["identity"]
        if not (isinstance(identity, dict) and identity.get("user") == self.user["id"]):
            raise errors.InvalidToken("invalid token: it names no identity of this server")
        if len(self._verified) >= 1000:  # Bounded: tokens are few, but anyone can send new ones.
            self._verified.clear()
        self._verified[token] = (identity, claims["exp"])
        return dict(identity)

    @staticmethod
    def _basic(authorization):
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            raise errors.Unauthorized()
        try:
            key, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except ValueError:  # Not base64 (binascii.Error), non-ASCII, or not UTF-8 inside.
            raise errors.BadCredentials() from None
        if not sep:
            raise errors.BadCredentials()
        return key, secret
