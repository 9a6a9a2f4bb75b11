"""Private Dovecot and Postfix instances on loopback, for tests that need real mail servers.

Every rig lives in its own directory with its own ports, so several test sessions can run on
one machine at once. Postfix delivers only into this rig's Dovecot: every other destination is
refused at RCPT time, and the error transports make sure nothing could leave even if it were not.
"""

from __future__ import annotations

import email.utils
import functools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping
    from types import TracebackType

DOMAIN = "example.test"
DEFAULT_USERS: Mapping[str, str] = {
    name: f"{name}-secret" for name in ("alice", "bob", "manager", "hr", "recruiter", "friend")
}
MAIL_SYSTEM_USER = "followup-rig"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

# Dovecot and Postfix live in sbin, which a non-login shell may leave out of PATH.
_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
_ENV = {**os.environ, "PATH": _PATH}
_REQUIRED_BINARIES = ("dovecot", "doveadm", "postfix", "postmap", "postqueue", "openssl", "script")
# Unix socket paths are limited to 108 bytes; Dovecot's longest socket name under base_dir is
# about 30 characters.
_MAX_ROOT_LENGTH = 70
_MIN_SCRATCH_BYTES = 1 << 30
_USER_NAME = re.compile(r"[a-z0-9][a-z0-9._+-]*")
_SMTP_RESPONSE = re.compile(r"[45]\d\d [45]\.\d{1,3}\.\d{1,3} \S.*")
_MAILDIR_FLAGS = {
    "\\Answered": "R",
    "\\Deleted": "T",
    "\\Draft": "D",
    "\\Flagged": "F",
    "\\Seen": "S",
}
_DATE_HEADER = re.compile(rb"^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_SPECIAL_USE = ("Sent", "Drafts", "Trash", "Archive", "Junk")


class RigError(RuntimeError):
    """A private mail server could not be set up, started or driven."""


class _PortInUseError(RigError):
    pass


def scratch_parent() -> str | None:
    """A parent directory for rig roots: tmpfs when it has room, else None (the default).

    Loading 20,000 messages takes about 0.6 s of file system work on tmpfs and 1 to 5 s on a
    busy ext4 disk. Docker's default /dev/shm holds only 64 MB, hence the size check.
    """
    try:
        shm = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if shm.f_bavail * shm.f_frsize >= _MIN_SCRATCH_BYTES else None


def missing_binaries() -> list[str]:
    """Names of the programs the rig needs that are not installed."""
    return [name for name in _REQUIRED_BINARIES if shutil.which(name, path=_PATH) is None]


class MailRig:
    """A private Dovecot (IMAP, IMAPS, LMTP) and Postfix (SMTP, submission, SMTPS) pair.

    Mailboxes are ``<user>@example.test``. IMAP and SMTP AUTH accept either the local part or
    the full address as the user name.
    """

    host = "127.0.0.1"
    domain = DOMAIN

    def __init__(self, root: Path, users: Mapping[str, str] | None = None) -> None:
        self.root = root.resolve()
        if len(str(self.root)) > _MAX_ROOT_LENGTH:
            raise ValueError(f"{self.root}: path too long for the rig's unix sockets")
        self._users: dict[str, str] = {}
        for name, password in (DEFAULT_USERS if users is None else users).items():
            self._check_user(name, password)
            self._users[name] = password
        self.imap_port = 0
        self.imaps_port = 0
        self.smtp_port = 0
        self.submission_port = 0
        self.smtps_port = 0
        self.ca_file = self.root / "tls" / "cert.pem"
        self._key_file = self.root / "tls" / "key.pem"
        self._dovecot_dir = self.root / "dovecot"
        self._dovecot_conf = self._dovecot_dir / "dovecot.conf"
        self._dovecot_log = self._dovecot_dir / "dovecot.log"
        self._passwd_file = self._dovecot_dir / "users"
        # Postfix's LMTP client and smtpd reach Dovecot's sockets here, as user postfix.
        self._base_dir = self.root / "run"
        self._mail_root = self.root / "mail"
        # postfix check wants everything under the config directory owned by root, and the
        # queue and data directories partly owned by user postfix, so they live side by side.
        self._postfix_dir = self.root / "postfix"
        self._queue_dir = self.root / "postfix-queue"
        self._data_dir = self.root / "postfix-data"
        self._postfix_log = self.root / "postfix.log"
        self._vmailbox_map = self._postfix_dir / "vmailbox"
        self._responses_map = self._postfix_dir / "recipient-responses"
        self._responses: dict[str, str] = {}
        self._map_stamp = 0
        self._instance = f"followup-rig-{secrets.token_hex(4)}"
        self._prepared = False
        self._dovecot_pid: int | None = None
        self._postfix_pid: int | None = None

    # Lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start both servers; the first start picks free ports, later ones reuse them."""
        if not self._prepared:
            self._prepare()
        if self.imap_port:
            self._start_servers()
            return
        # Another process can take a port between picking it and binding it; pick again then.
        for attempt in range(3):
            (
                self.imap_port,
                self.imaps_port,
                self.smtp_port,
                self.submission_port,
                self.smtps_port,
            ) = _free_ports(5)
            try:
                self._start_servers()
            except _PortInUseError:
                if attempt == 2:
                    raise
            else:
                return

    def stop(self) -> None:
        """Stop both servers and wait until their processes are gone. Safe to call twice."""
        try:
            self.stop_postfix()
        finally:
            self.stop_dovecot()

    def start_dovecot(self) -> None:
        if self._dovecot_pid is not None:
            return
        self._dovecot_conf.write_text(self._render_dovecot_conf())
        (self._base_dir / "master.pid").unlink(missing_ok=True)
        output = self._run_daemon(["dovecot", "-c", str(self._dovecot_conf)], "dovecot")
        if output is not None:
            self._fail_start("Dovecot", output + _tail(self.dovecot_log()))
        self._dovecot_pid = _await_pid(self._base_dir / "master.pid")
        ready = (
            self._dovecot_pid is not None
            and _await_banner(self.imap_port, b"* OK")
            and _wait_until((self._base_dir / "lmtp").exists)
        )
        if not ready:
            self.stop_dovecot()
            self._fail_start("Dovecot", _tail(self.dovecot_log()))

    def stop_dovecot(self) -> None:
        pid, self._dovecot_pid = self._dovecot_pid, None
        if pid is not None:
            _terminate(pid)

    def start_postfix(self) -> None:
        if self._postfix_pid is not None:
            return
        _write_postfix_config(self._postfix_dir / "master.cf", self._render_postfix_master_cf())
        # Postfix leaves its pid file behind when it stops; a stale one would name a dead master.
        (self._queue_dir / "pid" / "master.pid").unlink(missing_ok=True)
        output = self._run_daemon(["postfix", "-c", str(self._postfix_dir), "start"], "postfix")
        if output is not None:
            self._fail_start("Postfix", output + self._postfix_diagnostics())
        self._postfix_pid = _await_pid(self._queue_dir / "pid" / "master.pid")
        if self._postfix_pid is None or not _await_banner(self.smtp_port, b"220"):
            self.stop_postfix()
            self._fail_start("Postfix", self._postfix_diagnostics())

    def stop_postfix(self) -> None:
        pid, self._postfix_pid = self._postfix_pid, None
        if pid is not None:
            _terminate(pid)

    def _start_servers(self) -> None:
        # A half-started rig would outlive the test session: `with` never calls __exit__ when
        # __enter__ fails.
        try:
            self.start_dovecot()
            self.start_postfix()
        except BaseException:
            self.stop()
            raise

    # Users and mailboxes

    def address(self, user: str) -> str:
        return f"{user}@{self.domain}"

    def password(self, user: str) -> str:
        return self._users[user]

    def maildir(self, user: str) -> Path:
        return self._mail_root / user / "Maildir"

    def add_user(self, name: str, password: str) -> None:
        """Create a mailbox; works while the servers run."""
        self.add_users({name: password})

    def add_users(self, users: Mapping[str, str]) -> None:
        """Create several mailboxes at once: one user-file reload instead of one each."""
        for name, password in users.items():
            self._check_user(name, password)
            if name in self._users:
                raise ValueError(f"user {name!r} already exists")
        self._users.update(users)
        if self._prepared:
            self._write_users()
        for name in users:
            if self._dovecot_pid is not None and not _wait_until(
                lambda n=name: self._knows_user(n)
            ):
                log = _tail(self.dovecot_log())
                raise RigError(f"Dovecot did not pick up user {name!r}:\n{log}")

    def load_messages(
        self,
        user: str,
        folder: str,
        messages: Iterable[bytes],
        *,
        flags: Collection[str] = (),
    ) -> int:
        """Write messages straight into a folder (created if missing) and return how many.

        Each message's INTERNALDATE is taken from its Date header, as if it had been delivered
        when it was sent; without one it is now. `flags` are IMAP system flags such as "\\Seen".
        """
        if user not in self._users:
            raise KeyError(user)
        unknown = set(flags) - _MAILDIR_FLAGS.keys()
        if unknown:
            raise ValueError(f"unsupported flags: {sorted(unknown)}")
        info = ":2," + "".join(sorted(_MAILDIR_FLAGS[flag] for flag in flags))
        folder_dir = self._folder_dir(user, folder)
        mail = pwd.getpwnam(MAIL_SYSTEM_USER)
        prefix = f"{int(time.time())}.R{secrets.token_hex(4)}Q"
        # Plain strings and os calls: pathlib's overhead doubles the time for 20,000 messages.
        tmp_dir, cur_dir = f"{folder_dir}/tmp/", f"{folder_dir}/cur/"
        count = 0
        for count, raw in enumerate(messages, start=1):
            name = f"{prefix}{count}.rig,S={len(raw)}"
            fd = os.open(tmp_dir + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
                os.fchown(fd, mail.pw_uid, mail.pw_gid)
                stamp = _date_header_timestamp(raw)
                # Maildir keeps INTERNALDATE in the file's mtime.
                os.utime(fd, None if stamp is None else (stamp, stamp))
            finally:
                os.close(fd)
            os.rename(tmp_dir + name, f"{cur_dir}{name}{info}")  # noqa: PTH104
        self.doveadm("force-resync", "-u", user, folder)
        return count

    def doveadm(self, *args: str) -> str:
        """Run doveadm against this rig's Dovecot and return its standard output."""
        result = subprocess.run(
            ["doveadm", "-c", str(self._dovecot_conf), *args],
            capture_output=True,
            text=True,
            env=_ENV,
            check=False,
        )
        if result.returncode != 0:
            raise RigError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    # Postfix behaviour for fault tests

    def set_recipient_response(self, address: str, response: str | None) -> None:
        """Make Postfix answer RCPT TO:<address> with `response`, e.g. "450 4.2.0 try later".

        None restores normal delivery. Takes effect for the next SMTP connection.
        """
        if response is None:
            self._responses.pop(address.lower(), None)
        elif _SMTP_RESPONSE.fullmatch(response):
            self._responses[address.lower()] = response
        else:
            raise ValueError(f"not an SMTP error response: {response!r}")
        if self._prepared:
            self._write_map(self._responses_map, self._responses)

    def clear_recipient_responses(self) -> None:
        self._responses.clear()
        if self._prepared:
            self._write_map(self._responses_map, self._responses)

    def flush_queue(self) -> None:
        """Retry deferred mail now, e.g. right after start_dovecot() in a fault test."""
        subprocess.run(
            ["postqueue", "-c", str(self._postfix_dir), "-f"],
            capture_output=True,
            env=_ENV,
            check=True,
        )

    def postfix_log(self) -> str:
        return _read_text(self._postfix_log)

    def dovecot_log(self) -> str:
        return _read_text(self._dovecot_log)

    # Setup

    def _prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._check_traversable()
        self.root.chmod(0o755)
        _ensure_mail_system_user()
        postfix = pwd.getpwnam("postfix")
        for directory in (self.ca_file.parent, self._dovecot_dir, self._postfix_dir):
            directory.mkdir(exist_ok=True)
        (self._dovecot_dir / "state").mkdir(exist_ok=True)
        self._mail_root.mkdir(exist_ok=True)
        # Postfix insists that the queue directory belongs to root and its data to mail_owner;
        # `postfix start` creates the queue's subdirectories with the right owners itself.
        self._queue_dir.mkdir(exist_ok=True)
        self._data_dir.mkdir(exist_ok=True)
        os.chown(self._data_dir, postfix.pw_uid, postfix.pw_gid)
        self._make_certificate()
        # postmap reads main.cf, which does not depend on the ports.
        _write_postfix_config(self._postfix_dir / "main.cf", self._render_postfix_main_cf())
        self._write_users()
        self._write_map(self._responses_map, self._responses)
        self._prepared = True

    def _check_traversable(self) -> None:
        # The mail system user and Postfix's unprivileged daemons must reach files under root.
        for directory in self.root.parents:
            if not directory.stat().st_mode & stat.S_IXOTH:
                raise RigError(
                    f"{directory} is not searchable by other users, so Dovecot and Postfix "
                    f"cannot reach {self.root}; create the rig under a tempfile.mkdtemp() "
                    "directory rather than pytest's tmp_path"
                )

    def _make_certificate(self) -> None:
        command = [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(self._key_file), "-out", str(self.ca_file),
        ]  # fmt: skip
        subprocess.run(command, capture_output=True, env=_ENV, check=True)

    def _write_users(self) -> None:
        mail = pwd.getpwnam(MAIL_SYSTEM_USER)
        for name in self._users:
            home = self._mail_root / name
            home.mkdir(exist_ok=True)
            os.chown(home, mail.pw_uid, mail.pw_gid)
        # Dovecot re-reads the passwd-file when its size or mtime changes.
        _write_atomically(
            self._passwd_file,
            "".join(
                f"{name}:{{PLAIN}}{password}::::::\n" for name, password in self._users.items()
            ),
        )
        self._write_map(self._vmailbox_map, {self.address(name): "OK" for name in self._users})

    def _write_map(self, path: Path, entries: Mapping[str, str]) -> None:
        _write_atomically(path, "".join(f"{key} {value}\n" for key, value in entries.items()))
        subprocess.run(
            ["postmap", "-c", str(self._postfix_dir), str(path)],
            capture_output=True,
            env=_ENV,
            check=True,
        )
        # An idle smtpd restarts before its next connection when a map's mtime changes. Two
        # writes in the same second would share an mtime, so each write gets a later one.
        self._map_stamp = max(int(time.time()), self._map_stamp + 1)
        for indexed in path.parent.glob(f"{path.name}.*"):
            os.utime(indexed, (self._map_stamp, self._map_stamp))

    def _folder_dir(self, user: str, folder: str) -> Path:
        path = Path(self.doveadm("mailbox", "path", "-u", user, folder).strip())
        # Special-use folders are listed before they exist on disk; creating them is fine then.
        if not (path / "cur").is_dir():
            self.doveadm("mailbox", "create", "-s", "-u", user, folder)
        return path

    def _knows_user(self, name: str) -> bool:
        # Dovecot's auth process re-reads the passwd-file at most once a second.
        try:
            self.doveadm("auth", "test", name, self._users[name])
            self.doveadm("user", name)
        except RigError:
            return False
        return True

    @staticmethod
    def _check_user(name: str, password: str) -> None:
        if not _USER_NAME.fullmatch(name):
            raise ValueError(f"invalid user name {name!r}")
        if not password or any(char in password for char in ":\n\r"):
            raise ValueError(f"invalid password for {name!r}")

    # Server processes

    def _run_daemon(self, command: list[str], label: str) -> str | None:
        """Run a command that daemonizes; return its output if it failed, else None."""
        # A daemon inherits the command's output; a pipe there would never reach end of file.
        output_file = self.root / f"{label}.out"
        with output_file.open("wb") as output:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=_ENV,
                check=False,
            )
        text = _read_text(output_file)
        if result.returncode == 0:
            return None
        return f"{' '.join(command)} exited with {result.returncode}:\n{text}\n"

    def _postfix_diagnostics(self) -> str:
        # postfix prints its reasons only to a terminal.
        check = subprocess.run(
            ["script", "-qec", f"postfix -c {self._postfix_dir} check", "/dev/null"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=_ENV,
            check=False,
        )
        return f"postfix check:\n{check.stdout}\nmaillog:\n{_tail(self.postfix_log())}"

    @staticmethod
    def _fail_start(server: str, details: str) -> None:
        if "Address already in use" in details:
            raise _PortInUseError(f"{server}: a port was taken meanwhile:\n{details}")
        raise RigError(f"{server} did not start:\n{details}")

    def _render_dovecot_conf(self) -> str:
        mail = pwd.getpwnam(MAIL_SYSTEM_USER)
        mailboxes = "".join(
            f"  mailbox {name} {{\n    special_use = \\{name}\n    auto = subscribe\n  }}\n"
            for name in _SPECIAL_USE
        )
        return f"""\
instance_name = {self._instance}
base_dir = {self._base_dir}
state_dir = {self._dovecot_dir / "state"}
listen = {self.host}
protocols = imap lmtp
log_path = {self._dovecot_log}
ssl = yes
ssl_cert = <{self.ca_file}
ssl_key = <{self._key_file}
# The plain loopback port stands in for providers that allow LOGIN without TLS.
disable_plaintext_auth = no
auth_mechanisms = plain login
# LMTP looks users up by full address; this makes "alice" and "alice@example.test" one account.
auth_username_format = %Ln
# Tests check wrong passwords; the default two-second delay would only slow them down.
auth_failure_delay = 0
first_valid_uid = {mail.pw_uid}
last_valid_uid = {mail.pw_uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Ln {self._passwd_file}
}}
userdb {{
  driver = passwd-file
  args = username_format=%Ln {self._passwd_file}
  default_fields = uid={mail.pw_uid} gid={mail.pw_gid} home={self._mail_root}/%Ln
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}}}
protocol imap {{
  # A test session may keep many connections per user open at once (IDLE watchers, syncs).
  mail_max_userip_connections = 100
}}
protocol lmtp {{
  postmaster_address = postmaster@{self.domain}
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
# Failed logins would otherwise cost 2 to 15 s each: anvil penalises the client's IP.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
"""

    def _render_postfix_main_cf(self) -> str:
        refuse = "error:the followup test rig delivers only to example.test"
        return f"""\
compatibility_level = 3.6
queue_directory = {self._queue_dir}
data_directory = {self._data_dir}
mail_owner = postfix
setgid_group = postdrop
syslog_name = {self._instance}
maillog_file = {self._postfix_log}
maillog_file_prefixes = {self.root}
myhostname = mail.{self.domain}
mydomain = {self.domain}
myorigin = $mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
local_transport = {refuse}
default_transport = {refuse}
relay_transport = {refuse}
virtual_mailbox_domains = {self.domain}
virtual_mailbox_maps = $default_database_type:{self._vmailbox_map}
virtual_transport = lmtp:unix:{self._base_dir}/lmtp
# Even authenticated clients may not relay: the rig must never send mail off the machine.
smtpd_relay_restrictions = reject_unauth_destination
relay_domains_reject_code = 550
smtpd_recipient_restrictions = check_recipient_access $default_database_type:{self._responses_map}
smtpd_banner = $myhostname ESMTP followup test rig
smtpd_tls_cert_file = {self.ca_file}
smtpd_tls_key_file = {self._key_file}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self._base_dir}/auth-postfix
smtpd_sasl_auth_enable = no
# Mail deferred while Dovecot is stopped should be retried within seconds, not minutes.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""

    def _render_postfix_master_cf(self) -> str:
        authenticated = (
            "-o smtpd_sasl_auth_enable=yes "
            "-o smtpd_client_restrictions=permit_sasl_authenticated,reject"
        )
        # No smtp or relay client service is defined: even a misrouted message has no way out.
        return f"""\
{self.host}:{self.smtp_port} inet n - n - - smtpd
{self.host}:{self.submission_port} inet n - n - - smtpd
  -o syslog_name={self._instance}/submission -o smtpd_tls_security_level=encrypt {authenticated}
{self.host}:{self.smtps_port} inet n - n - - smtpd
  -o syslog_name={self._instance}/smtps -o smtpd_tls_wrappermode=yes {authenticated}
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def _ensure_mail_system_user() -> None:
    try:
        pwd.getpwnam(MAIL_SYSTEM_USER)
    except KeyError:
        command = [
            "useradd", "--system", "--user-group", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", MAIL_SYSTEM_USER,
        ]  # fmt: skip
        # A concurrent test session may create the user first and make this useradd fail.
        subprocess.run(command, capture_output=True, env=_ENV, check=False)
    try:
        pwd.getpwnam(MAIL_SYSTEM_USER)
    except KeyError:
        raise RigError(f"could not create the system user {MAIL_SYSTEM_USER}") from None


def _free_ports(count: int) -> list[int]:
    # Holding all sockets open at once keeps the kernel from handing out one port twice.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_until(condition: Callable[[], bool], timeout: float = START_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _await_banner(port: int, prefix: bytes) -> bool:
    def greets() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                return conn.recv(512).startswith(prefix)
        except OSError:
            return False

    return _wait_until(greets)


def _await_pid(path: Path) -> int | None:
    """The pid in a daemon's pid file, which appears shortly after the daemon detaches."""
    if not _wait_until(lambda: bool(_read_text(path).strip())):
        return None
    return int(_read_text(path).split()[0])


def _terminate(pid: int) -> None:
    """Stop a daemon's master and all its workers, and wait until they are gone."""
    # Both masters lead their own process group. Signalling the whole group at once is quick,
    # and also ends workers still serving clients, which a master would leave running.
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not _wait_until(lambda: not _session_members(pid), STOP_TIMEOUT):
        os.killpg(pid, signal.SIGKILL)
        _wait_until(lambda: not _session_members(pid), STOP_TIMEOUT)


def _session_members(sid: int) -> list[int]:
    """The live processes in session `sid`: a daemonized master and its workers."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            # An exited worker stays a zombie when nobody reaps orphans (PID 1 in containers).
            if fields is not None and fields[0] != "Z" and int(fields[3]) == sid:
                members.append(int(entry.name))
    return members


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _date_header_timestamp(raw: bytes) -> float | None:
    header_end = min(
        (index for index in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if index >= 0),
        default=len(raw),
    )
    match = _DATE_HEADER.search(raw, 0, header_end)
    return None if match is None else _parse_date(match.group(1))


@functools.lru_cache(maxsize=4096)
def _parse_date(value: bytes) -> float | None:
    parsed = email.utils.parsedate_tz(value.decode("ascii", errors="replace"))
    return None if parsed is None else float(email.utils.mktime_tz(parsed))


def _write_postfix_config(path: Path, text: str) -> None:
    # Postfix pauses, in steps of 0.3 s, while a main.cf looks like it is still being written,
    # that is while its mtime is within the last second.
    path.write_text(text)
    stamp = time.time() - 60
    os.utime(path, (stamp, stamp))


def _write_atomically(path: Path, text: str) -> None:
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text)
    staged.replace(path)


def _tail(log: str, lines: int = 40) -> str:
    return "\n".join(log.splitlines()[-lines:])


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
