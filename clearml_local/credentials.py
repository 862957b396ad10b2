"""Credentials and tokens: users' key pairs and passwords, the JWTs they log in for, sessions.

How secrets are kept: a secret key only as its SHA-256 (secrets are 50 random characters, so a
hash as fast as that is as safe as a slow one), a password with scrypt and a salt of its own.
ClearML Server keeps secrets as they are (apiserver/database/model/auth.py Credentials.secret);
here a stolen database gives away none. The server's own key pair is also kept whole in
credentials.json (0600), since the clearml.conf it writes at every start holds it.
"""
import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import time

import jwt

from . import errors
from .datafolder import CREDENTIALS
from .settings import write_private
from .storage.rows import now

API_VERSION = "2.23"
SERVER_VERSION = "2.0.0"
TOKEN_LIFETIME = 30 * 24 * 3600
COMPANY = {"id": "local", "name": "local"}
FIRST_USER = "admin"  # The user of the key pair generated at first start (or given).
SERVER_KEY_LABEL = "server key pair (clearml.conf of the data folder)"
# A user name is what one logs in with, as a fixed user's username in ClearML Server, and the
# user part of an HTTP Basic header: no ':' and no spaces.
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def _random(length, alphabet=string.ascii_uppercase + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_key_pair():
    """A new (access key, secret key), as ClearML Server draws them: 30 capitals and digits,
    and a URL-safe secret of 50 random bytes that starts with a letter or digit
    (apiserver/service_repo/auth/utils.py get_client_id, get_secret_key)."""
    secret = secrets.token_urlsafe(50)
    while secret[0] in "-_":
        secret = secrets.token_urlsafe(50)
    return _random(30), secret


def hash_secret(secret):
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password):
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password, stored):
    kind, salt, digest = ((stored or "").split("$") + ["", ""])[:3]
    if kind != "scrypt":  # No password (a user of key pairs only).
        return False
    given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT)
    return hmac.compare_digest(given.hex(), digest)


def user_id_for(name):
    """A user's id, as ClearML Server derives a fixed user's (fixed_user.py: md5 of
    'company:username'): a user removed and added again owns their old tasks again."""
    return hashlib.md5(f"{COMPANY['id']}:{name}".encode()).hexdigest()


class Credentials:
    """Who may call: users' key pairs and passwords in the database, and the tokens and
    sessions of their logins. Every method reads the database: call them off the event loop.

    The server's own key pair and token signing key live in <data_dir>/credentials.json:
    generated at first start unless given; given keys replace the stored ones, and a new key
    pair gets a new signing key, so every token signed before stops working. That pair is the
    first user's (FIRST_USER), whose id stays the one stored.
    """

    def __init__(self, data_dir, storage, access_key=None, secret_key=None):
        path = data_dir / CREDENTIALS
        stored = self._read(path)
        self.storage = storage
        self.access_key = access_key or stored.get("access_key") or _random(24)
        self.secret_key = secret_key or stored.get("secret_key") or _random(
            48, string.ascii_letters + string.digits)
        same_pair = (self.access_key, self.secret_key) == (stored.get("access_key"),
                                                          stored.get("secret_key"))
        self.signing_key = (same_pair and stored.get("signing_key")) or secrets.token_hex(32)
        self.generated = not access_key
        # Without credentials.json (deleted for new keys), the first user stays who they were.
        self.first_user_id = (stored.get("user_id") or (storage.user_named(FIRST_USER) or {})
                              .get("id") or secrets.token_hex(16))
        fresh = {"access_key": self.access_key, "secret_key": self.secret_key,
                 "signing_key": self.signing_key, "user_id": self.first_user_id}
        if fresh != stored:
            write_private(path, json.dumps(fresh, indent=2))
        self._keep_first_user(stored.get("access_key"))
        self._verified = {}  # token -> (session id, exp): decoding a JWT costs more than a call.

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

    def _keep_first_user(self, old_key):
        users = self.storage
        if not users.list_users([self.first_user_id]):
            users.create_user(self.first_user_id, FIRST_USER, COMPANY["id"], "admin", None,
                              now())
        users.set_server_key(self.first_user_id, old_key, self.access_key,
                              hash_secret(self.secret_key), SERVER_KEY_LABEL, now())

    @staticmethod
    def identity_of(user):
        """Who a call is from, as a token's identity names them (service_repo/auth/identity.py)."""
        return {"company": user["company"], "company_name": COMPANY["name"],
                "user": user["id"], "user_name": user["name"], "role": user["role"]}

    # Users and key pairs (the `users` command and auth.*_credentials).

    def add_user(self, name, password, role="user"):
        """A new user with a password and a first key pair: (user, the key pair's dict).

        Raises ValidationError for a name one cannot log in with or an empty password,
        ExpectedUniqueData when the name is taken.
        """
        if not isinstance(name, str) or not USER_NAME.fullmatch(name):
            raise errors.ValidationError(
                f"invalid user name {name!r}: letters, digits and . _ @ - (up to 64), "
                "starting with a letter or digit", field="name")
        if not password:
            raise errors.ValidationError("the password must not be empty", field="password")
        hashed = hash_password(password)  # Before the transaction: it takes a while.

        def add():
            user = self.storage.create_user(user_id_for(name), name, COMPANY["id"], role,
                                            hashed, now())
            return user, self.create_key(user["id"], "first key pair")
        return self.storage.run("users add", add)

    def remove_user(self, name):
        """Remove the user of that name, their key pairs and sessions; InvalidUser when there
        is none, ValidationError for the first user, whose key pair is the server's own."""
        user = self.storage.user_named(name)
        if user is None:
            raise errors.InvalidUser(f"no user named {name!r}", name=name)
        if user["id"] == self.first_user_id:
            raise errors.ValidationError(
                f"{name} holds the server's own key pair; give the server new keys with "
                "--access-key and --secret-key instead")
        self.storage.delete_user(user["id"])
        return user

    def create_key(self, user_id, label=None):
        """A new key pair of the user: its only answer holding the secret."""
        access_key, secret_key = new_key_pair()
        self.storage.add_key(user_id, access_key, hash_secret(secret_key), label, now())
        return {"access_key": access_key, "secret_key": secret_key, "label": label}

    def revoke_key(self, user_id, access_key):
        """Delete one of the user's key pairs and end its sessions; how many (0 or 1).

        Raises FieldsValueError for the server's own pair: the clearml.conf it writes holds it,
        and the next start would bring it back. New keys for the server replace it instead.
        """
        if access_key == self.access_key:
            raise errors.FieldsValueError(
                "this is the server's own key pair (clearml.conf of its data folder): start "
                "the server with new --access-key and --secret-key to replace it",
                field="access_key")
        return self.storage.revoke_key(user_id, access_key)

    # Logging in and checking calls.

    def login(self, authorization, expiration_sec=None, client=""):
        """A token for a Basic authorization header; raises Unauthorized on bad credentials."""
        user, access_key = self._check_pair(*self._basic(authorization), client)
        issued = int(time.time())
        lifetime = TOKEN_LIFETIME
        if expiration_sec is not None:
            lifetime = max(60, min(expiration_sec, TOKEN_LIFETIME))
        session = secrets.token_hex(16)
        self.storage.run("auth login", self.storage.open_session, session, user["id"],
                         access_key, now(), issued + lifetime)
        claims = {"identity": self.identity_of(user), "session_id": session,
                  "api_version": API_VERSION, "server_version": SERVER_VERSION,
                  "server_build": "local", "feature_set": "basic", "env": "local",
                  "iat": issued, "exp": issued + lifetime}
        return jwt.encode(claims, self.signing_key, algorithm="HS256")

    def _check_pair(self, key, secret, client):
        """(user, access key) for a key pair, (user, None) for a user name and password (as
        ClearML Server takes a fixed user's: auth.py authorize_credentials); a used key pair
        records when and from where, as there."""
        storage = self.storage
        user, stored = storage.run("auth key", storage.key_pair, key)
        # Bytes, since compare_digest refuses str with non-ASCII characters.
        if user and hmac.compare_digest(hash_secret(secret).encode(), stored.encode()):
            storage.run("auth key used", storage.key_used, key, now(), client)
            return user, key
        user, stored = storage.run("auth password", storage.password_of, key)
        if user and password_matches(secret, stored):
            return user, None
        raise errors.InvalidCredentials()

    def authenticate(self, authorization, client=""):
        """The identity behind an Authorization header (Bearer token or Basic key pair)."""
        if not authorization:
            raise errors.Unauthorized()
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            return self.identity_of(self._check_pair(*self._basic(authorization), client)[0])
        if scheme.lower() != "bearer" or not value:
            raise errors.BadCredentials("unauthorized (bad authentication header type)")
        return self.verify(value.strip())

    def verify(self, token):
        """The identity of a token of this server whose session is live; InvalidToken for any
        other token, and at once for one whose key was revoked or user removed."""
        session = self._session_of(token)
        user = self.storage.run("auth check", self.storage.session_user, session)
        if user is None:
            raise errors.InvalidToken("revoked token")
        return dict(self.identity_of(user), session=session)

    def end_session(self, session):
        """End a login: its token stops working (ClearML's auth.logout revokes it)."""
        if session:
            self.storage.run("auth logout", self.storage.end_session, session)

    def _session_of(self, token):
        known = self._verified.get(token)
        if known and known[1] > time.time():
            return known[0]
        try:
            claims = jwt.decode(token, self.signing_key, algorithms=["HS256"],
                                options={"require": ["exp", "identity", "session_id"]})
        except jwt.ExpiredSignatureError:
            raise errors.InvalidToken("token expired") from None
        except jwt.PyJWTError as exc:
            raise errors.InvalidToken(f"invalid token: {exc}") from None
        if len(self._verified) >= 1000:  # Bounded: tokens are few, but anyone can send new ones.
            self._verified.clear()
        self._verified[token] = (str(claims["session_id"]), claims["exp"])
        return str(claims["session_id"])

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
