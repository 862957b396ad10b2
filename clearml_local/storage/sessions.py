"""Logins ended before their tokens expire: the revoked sessions, kept as ClearML Server keeps
them in Redis (apiserver/service_repo/auth/auth.py revoke_auth_token, is_token_revoked)."""
import time

from .rows import Rows


class Sessions(Rows):
    """Revoked session ids, each until its tokens expire."""

    def revoke_session(self, session_id, user, expires):
        """Record session_id (of user) as revoked until expires (seconds since 1970); the
        sessions whose tokens have expired since are forgotten."""
        with self.transaction():
            self.db.execute("DELETE FROM revoked_sessions WHERE expires < ?", (int(time.time()),))
            self.db.execute("INSERT OR REPLACE INTO revoked_sessions (id, user, expires)"
                            " VALUES (?, ?, ?)", (session_id, user, int(expires)))

    def revoked_sessions(self):
        """The ids of the revoked sessions whose tokens have not expired yet."""
        return {row["id"] for row in self.db.execute(
            "SELECT id FROM revoked_sessions WHERE expires >= ?", (int(time.time()),))}
