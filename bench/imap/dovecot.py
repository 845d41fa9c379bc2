"""A private Dovecot (Debian's dovecot-imapd) on a free loopback port, the baseline of the
IMAP benchmark: one user, mail in a Maildir written directly, plaintext login, no TLS.

Dovecot's own processes run as the invoking user where it can (as root, as the `dovecot`
user Debian's package creates, which Dovecot requires for its login processes)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from bureau.process import free_port

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 0
mail_location = maildir:{root}/home/%u/Maildir
mail_uid = {uid}
mail_gid = {gid}
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


# Where Debian's dovecot-imapd puts the IMAP process the master starts for each login.
IMAP_PROCESS = Path("/usr/lib/dovecot/imap")


def available() -> str | None:
    """Why Dovecot cannot serve IMAP here, or None if it can: the master alone (as
    dovecot-sieve brings it) exits at start-up without its IMAP process."""
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        return "dovecot is not installed (Debian package dovecot-imapd)"
    if not IMAP_PROCESS.exists():
        return f"Dovecot has no IMAP server ({IMAP_PROCESS}: Debian package dovecot-imapd)"
    return None


class Dovecot:
    def __init__(self, root: Path, user: str, password: str) -> None:
        self.root = root
        self.user = user
        self.port = free_port()
        self._password = password
        self._config = root / "dovecot.conf"
        self._binary = shutil.which("dovecot") or "/usr/sbin/dovecot"

    @property
    def maildir(self) -> Path:
        return self.root / "home" / self.user / "Maildir"

    def add(self, index: int, raw: bytes, *, seen: bool = False) -> None:
        """Put a message in the Inbox the way a delivery agent does (tmp, then cur)."""
        name = f"{1_700_000_000 + index}.M{index}P1.bench,S={len(raw)}:2,{'S' if seen else ''}"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.rename(tmp, self.maildir / "cur" / name)

    def prepare(self) -> None:
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self._password}\n")
        if os.getuid() == 0:  # Dovecot refuses to run its login processes as root
            internal = pwd.getpwnam("dovecot")
            login = "dovenull"
            uid, gid = internal.pw_uid, internal.pw_gid
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, uid, gid)
            os.chmod(self.root, 0o755)
            os.chmod(self.root.parent, 0o755)  # a private temporary directory: let it pass
            names = ("dovecot", login)
        else:
            uid, gid = os.getuid(), os.getgid()
            user = pwd.getpwuid(uid).pw_name
            names = (user, user)
        self._config.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                uid=uid,
                gid=gid,
                internal=names[0],
                login=names[1],
            )
        )

    def __enter__(self) -> Dovecot:
        self.prepare()
        subprocess.run([self._binary, "-c", str(self._config)], check=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"dovecot did not listen; see {self.root}/dovecot.log")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        subprocess.run([self._binary, "-c", str(self._config), "stop"], check=False)
