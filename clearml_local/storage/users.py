"""Users, their key pairs and their login sessions.

As in ClearML Server's auth database (apiserver/database/model/auth.py): a user has a name, a
role and any number of credentials, each an access key with a label and when it was last used;
a token names a session (payload/token.py session_id), which revocation ends. Secrets and
passwords arrive here already hashed (credentials.py owns how); no method returns them but
key_pair and password_of, which the login check reads.
"""
import time

from .. import errors
from .database import Database

USER_FIELDS = ("id", "name", "company", "role", "created")
KEY_FIELDS = ("access_key", "label", "created", "last_used", "last_used_from")


def _user(row):
    return {key: row[key] for key in USER_FIELDS} if row else None


class Users(Database):
    """Reads and writes of users, credentials and sessions; each write is one transaction."""

    def create_user(self, user_id, name, company, role, password, created):
        """Add a user; ExpectedUniqueData when the name or id is taken."""
        with self.transaction():
            taken = self.db.execute("SELECT name FROM users WHERE name = ? OR id = ?",
                                    (name, user_id)).fetchone()
            if taken:
                raise errors.ExpectedUniqueData(f"user {taken['name']!r} already exists",
                                                name=name)
            self.db.execute("INSERT INTO users (id, name, company, role, password, created)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (user_id, name, company, role, password, created))
        return self.get_user(user_id)

    def get_user(self, user_id):
        """The user (USER_FIELDS); InvalidUserId when there is none."""
        row = self.db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise errors.InvalidUserId(f"invalid user id: {user_id!r}", id=user_id)
        return _user(row)

    def user_named(self, name):
        """The user of that name, or None."""
        return _user(self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone())

    def password_of(self, name):
        """(user, password hash) of the user of that name; (None, None) when there is none."""
        row = self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return (_user(row), row["password"]) if row else (None, None)

    def list_users(self, ids=None):
        """Every user (or those of ids), oldest first, with how many key pairs each has."""
        rows = self.db.execute(
            "SELECT users.*, (SELECT count(*) FROM credentials AS c WHERE c.user = users.id)"
            " AS key_pairs FROM users ORDER BY created, name").fetchall()
        return [dict(_user(row), key_pairs=row["key_pairs"]) for row in rows
                if ids is None or row["id"] in ids]

    def user_names(self, ids):
        """{id: name} of the users among ids that exist."""
        ids = sorted(set(ids) - {None})
        marks = ", ".join("?" for _ in ids)
        return dict(self.db.execute(f"SELECT id, name FROM users WHERE id IN ({marks})", ids)
                    .fetchall()) if ids else {}

    def delete_user(self, user_id):
        """Remove a user with their credentials and sessions: their tokens stop at once."""
        with self.transaction():
            self.get_user(user_id)
            self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))

    def add_key(self, user_id, access_key, secret, label, created):
        with self.transaction():
            self.get_user(user_id)
            self.db.execute("INSERT INTO credentials (access_key, secret, user, label, created)"
                            " VALUES (?, ?, ?, ?, ?)", (access_key, secret, user_id, label,
                                                        created))

    def set_server_key(self, user_id, old_key, access_key, secret, label, created):
        """Make access_key (with secret) the user's server key pair: the one before it (old_key,
        or any of theirs with that label) goes, and whoever held access_key loses it."""
        with self.transaction():
            self.db.execute("DELETE FROM credentials WHERE user = ? AND (access_key = ? OR"
                            " label = ?) AND access_key != ?", (user_id, old_key, label,
                                                                access_key))
            row = self.db.execute("SELECT user, secret FROM credentials WHERE access_key = ?",
                                  (access_key,)).fetchone()
            if row and (row["user"], row["secret"]) == (user_id, secret):
                return
            self.db.execute("DELETE FROM credentials WHERE access_key = ?", (access_key,))
            self.add_key(user_id, access_key, secret, label, created)

    def keys_of(self, user_id):
        """The user's credentials (KEY_FIELDS, never the secret), oldest first."""
        rows = self.db.execute("SELECT * FROM credentials WHERE user = ? ORDER BY created,"
                               " rowid", (user_id,))
        return [{key: row[key] for key in KEY_FIELDS} for row in rows]

    def key_pair(self, access_key):
        """(user, secret hash) behind an access key; (None, None) for an unknown key."""
        row = self.db.execute("SELECT users.*, credentials.secret FROM credentials JOIN users"
                              " ON users.id = credentials.user WHERE access_key = ?",
                              (access_key,)).fetchone()
        return (_user(row), row["secret"]) if row else (None, None)

    def label_key(self, user_id, access_key, label):
        """Set the label of one of the user's keys; how many were changed (0 or 1)."""
        with self.transaction():
            return self.db.execute("UPDATE credentials SET label = ? WHERE user = ? AND"
                                   " access_key = ?", (label, user_id, access_key)).rowcount

    def revoke_key(self, user_id, access_key):
        """Delete one of the user's keys and end its sessions; how many (0 or 1)."""
        with self.transaction():
            return self.db.execute("DELETE FROM credentials WHERE user = ? AND access_key = ?",
                                   (user_id, access_key)).rowcount

    def key_used(self, access_key, when, where):
        with self.transaction():
            self.db.execute("UPDATE credentials SET last_used = ?, last_used_from = ?"
                            " WHERE access_key = ?", (when, where, access_key))

    def open_session(self, session_id, user_id, access_key, created, expires):
        """Record a login (its token names session_id); sessions past their expiry go."""
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE expires < ?", (int(time.time()),))
            self.db.execute("INSERT INTO sessions (id, user, access_key, created, expires)"
                            " VALUES (?, ?, ?, ?, ?)", (session_id, user_id, access_key,
                                                        created, expires))

    def session_user(self, session_id):
        """The user of a live session, or None when it ended (logout, revoked key, removed
        user) or expired."""
        return _user(self.db.execute(
            "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user"
            " WHERE sessions.id = ? AND sessions.expires >= ?",
            (session_id, int(time.time()))).fetchone())

    def end_session(self, session_id):
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
