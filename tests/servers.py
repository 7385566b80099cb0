"""Real servers for tests, on 127.0.0.1: OpenSSH's sshd (SFTP), moto's standalone S3 server, and a
TCP fault proxy. The pytest fixtures that use these live in tests/server_fixtures.py.

- :func:`start_sshd` runs Debian's ``/usr/sbin/sshd -D -e -f CONFIG`` on a free port with a throwaway
  host key and user key (``Subsystem sftp internal-sftp``); :class:`SFTPServer` says how to reach it.
- :func:`start_moto` runs ``moto_server`` (from the virtualenv's bin) and creates a bucket with boto3;
  with ``auth=True`` the server checks signatures and the returned credentials are a real IAM key
  (the default server accepts any credentials, "testing"/"testing" by convention).
- :class:`FaultProxy` forwards a local port to a target and can cut connections after N bytes in
  either direction, reset every open connection, or refuse new ones.
- :func:`part_missing` fails the test when ``CI=true`` and skips it otherwise.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def part_missing(reason: str):
    """A real part a test needs (a server, a tool, a filesystem feature, root) is missing: fail in CI
    (``CI=true``: every test must run there), skip elsewhere."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI=true: every test must run)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 15.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before listening")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answered on {host}:{port} within {timeout:.0f} s") from None
            time.sleep(0.05)


def _die_with_parent() -> None:
    """Run in the child before exec: on Linux, get SIGTERM when the test process dies, so a killed
    pytest run leaves no server behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- OpenSSH ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SFTPServer:
    host: str
    port: int
    user: str
    key_file: str          # the user's private key (no passphrase)
    known_hosts: str       # a known_hosts file listing this server's host key for [host]:port
    host_key: str          # the server's public host key, "ssh-ed25519 AAAA..." (for pinning)
    root: str              # a directory on this machine that tests may use as destination roots
    other_host_key: str    # a different public key: pinning it must be refused

    def params(self, path: str, **extra) -> dict:
        """Destination params for a root ``path`` (absolute, usually under ``root``)."""
        return {"host": self.host, "port": self.port, "user": self.user, "key_file": self.key_file,
                "known_hosts": self.known_hosts, "path": path, **extra}


def _keygen(path: Path, comment: str) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kind, b64 = path.with_suffix(".pub").read_text().split()[:2]
    return f"{kind} {b64}"


def start_sshd(base: Path) -> tuple[SFTPServer, subprocess.Popen]:
    """Start a private sshd under ``base``; raise RuntimeError (with the reason) if it cannot."""
    if not os.path.exists(SSHD):
        raise RuntimeError(f"{SSHD} is missing (install Debian's openssh-server)")
    if shutil.which("ssh-keygen") is None:
        raise RuntimeError("ssh-keygen is missing (install openssh-client)")
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o700)
    host_key = _keygen(base / "host_ed25519", "unitvault-test-host")
    other = _keygen(base / "other_ed25519", "unitvault-test-other")
    _keygen(base / "user_ed25519", "unitvault-test-user")
    (base / "authorized_keys").write_text((base / "user_ed25519.pub").read_text())
    os.chmod(base / "authorized_keys", 0o600)
    root = base / "root"
    root.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    port = free_port()
    config = base / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {base / 'host_ed25519'}",
        f"PidFile {base / 'sshd.pid'}",
        f"AuthorizedKeysFile {base / 'authorized_keys'}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "StrictModes no",
        "UsePAM no",
        "MaxStartups 200",
        "MaxSessions 64",
        "LogLevel ERROR",
        "Subsystem sftp internal-sftp",
        "",
    ]))
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"sshd rejected its test config: {check.stderr.strip()}")
    log = open(base / "sshd.log", "wb")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    log.close()
    try:
        wait_for_port("127.0.0.1", port, proc=proc)
    except RuntimeError as exc:
        stop_process(proc)
        raise RuntimeError(f"sshd did not start: {exc}: {(base / 'sshd.log').read_text()[-500:]}") from None
    known = base / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {host_key}\n")
    server = SFTPServer("127.0.0.1", port, getpass.getuser(), str(base / "user_ed25519"), str(known),
                       host_key, str(root), other)
    return server, proc


# --- moto (S3) ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def params(self, prefix: str = "", **extra) -> dict:
        return {"endpoint": self.endpoint, "bucket": self.bucket, "prefix": prefix, "region": self.region,
                "access_key_id": self.access_key_id, **extra}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key)


def moto_server_path() -> str:
    candidate = Path(sys.executable).parent / "moto_server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("moto_server")
    if not found:
        raise RuntimeError("moto_server is missing (pip install 'moto[server]')")
    return found


def start_moto(*, bucket: str = "unitvault-test", auth: bool = False) -> tuple[S3Server, subprocess.Popen]:
    """Start moto_server on a free port and create ``bucket``.

    ``auth=False``: any credentials are accepted ("testing"/"testing"). ``auth=True``: moto checks
    signatures; the first few requests create an IAM user with an access key and S3 rights, and the
    server returned carries that key.
    """
    import json

    import boto3

    port = free_port()
    env = dict(os.environ)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(var, None)
    if auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
    proc = subprocess.Popen([moto_server_path(), "-p", str(port), "-H", "127.0.0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent)
    try:
        wait_for_port("127.0.0.1", port, proc=proc, timeout=30)
        endpoint = f"http://127.0.0.1:{port}"
        key_id, secret = "testing", "testing"
        if auth:
            iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                               aws_access_key_id=key_id, aws_secret_access_key=secret)
            iam.create_user(UserName="unitvault")
            key = iam.create_access_key(UserName="unitvault")["AccessKey"]
            iam.put_user_policy(UserName="unitvault", PolicyName="s3", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
            key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]
        server = S3Server(endpoint, bucket, key_id, secret)
        server.client().create_bucket(Bucket=bucket)
    except Exception as exc:
        stop_process(proc)
        raise RuntimeError(f"moto_server did not start: {exc}") from None
    return server, proc


# --- the fault proxy ----------------------------------------------------------------------------
class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of ``target_host:target_port`` that injects faults.

    Usage::

        with FaultProxy("127.0.0.1", server_port) as proxy:   # or proxy.start() / proxy.stop()
            connect to ("127.0.0.1", proxy.port)
            proxy.cut_after(up=100_000)        # reset the connection once 100 kB more went client -> server
            proxy.cut_after(down=50_000, times=2)   # ... server -> client, twice
            proxy.refuse()                     # reset every new connection at once (proxy.refuse(False) undoes)
            proxy.cut_all()                    # reset every open connection now
            proxy.clear()                      # no more faults

    Bytes are counted across all connections from the moment a fault is armed; when the count reaches
    N the connection carrying byte N is reset (RST) right after forwarding exactly N bytes. With
    ``times > 1`` counting starts again after each cut. ``stop()`` closes the listener, so new
    connections are refused by the OS (a destination that stays down). Counters: ``connections``,
    ``cuts``, ``bytes_up``, ``bytes_down``.
    """

    def __init__(self, target_host: str, target_port: int, *, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.host = listen_host
        self.port = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._conns: set[_Pair] = set()
        self._faults: dict[str, list[int]] = {}  # direction -> [limit, counted, times]
        self._refusing = False
        self.connections = 0
        self.cuts = 0
        self.bytes_up = 0
        self.bytes_down = 0

    # --- control ------------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def cut_after(self, *, up: int | None = None, down: int | None = None, times: int = 1) -> None:
        if (up is None) == (down is None):
            raise ValueError("give exactly one of up= or down=")
        direction, limit = ("up", up) if up is not None else ("down", down)
        with self._lock:
            self._faults[direction] = [int(limit), 0, int(times)]

    def refuse(self, on: bool = True) -> None:
        with self._lock:
            self._refusing = on

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._refusing = False

    def cut_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
        for pair in conns:
            pair.reset()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.cut_all()

    def __enter__(self) -> FaultProxy:
        return self.start() if self._listener is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- machinery ------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refusing = self._refusing
                self.connections += 1
            if refusing:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            client.settimeout(None)
            pair = _Pair(self, client, upstream)
            with self._lock:
                self._conns.add(pair)
            pair.start()

    def _budget(self, direction: str, n: int) -> tuple[int, bool]:
        """How many of ``n`` bytes may pass, and whether to cut right after them."""
        with self._lock:
            if direction == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n
            fault = self._faults.get(direction)
            if fault is None:
                return n, False
            limit, counted, times = fault
            if counted + n < limit:
                fault[1] = counted + n
                return n, False
            allowed = limit - counted
            times -= 1
            if times > 0:
                self._faults[direction] = [limit, 0, times]
            else:
                del self._faults[direction]
            self.cuts += 1
            return allowed, True

    def _forget(self, pair: _Pair) -> None:
        with self._lock:
            self._conns.discard(pair)


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class _Pair:
    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket):
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self._done = threading.Lock()
        self._closed = False
        self._finished = 0

    def start(self) -> None:
        for src, dst, direction in ((self.client, self.upstream, "up"), (self.upstream, self.client, "down")):
            threading.Thread(target=self._pump, args=(src, dst, direction), daemon=True,
                             name=f"fault-proxy-{direction}").start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    self._half_closed()
                    return
                allowed, cut = self.proxy._budget(direction, len(data))
                if allowed:
                    dst.sendall(data[:allowed])
                if cut:
                    self.reset()
                    return
        except OSError:
            self.reset()

    def _half_closed(self) -> None:
        with self._done:
            self._finished += 1
            if self._finished < 2 or self._closed:
                return
            self._closed = True
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.close()
        self.proxy._forget(self)

    def reset(self) -> None:
        with self._done:
            if self._closed:
                return
            self._closed = True
        _reset(self.client)
        _reset(self.upstream)
        self.proxy._forget(self)


# --- PostgreSQL ---------------------------------------------------------------------------------
def postgres_bindir() -> Path:
    """Where Debian's PostgreSQL server programs live (the newest version installed)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL's initdb is missing (install Debian's postgresql)")


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    data_dir: str

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (trust authentication on 127.0.0.1: no password anywhere)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def admin(self):
        """An autocommit psycopg connection to the ``postgres`` database (create and drop databases)."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True)

    def create_database(self, prefix: str = "t", template: str | None = None) -> str:
        """A new database; ``template``: a copy of that one (which nobody may be connected to)."""
        import uuid as _uuid

        name = f"{prefix}_{_uuid.uuid4().hex[:16]}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PostgresProcess:
    """The running ``postgres``; ``stop()`` shuts it down fast and removes the cluster."""

    def __init__(self, proc: subprocess.Popen, base: Path):
        self.proc = proc
        self.base = base

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: clients are disconnected
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def start_postgres(*, durable: bool = False) -> tuple[PostgresServer, PostgresProcess]:
    """A throwaway cluster (initdb, then ``postgres`` as a child of this process) on a free 127.0.0.1
    port with trust authentication for local TCP connections only and no Unix socket. As root the
    cluster belongs to the ``postgres`` user (initdb refuses root). ``durable=False`` turns fsync off
    (tests); benchmarks keep PostgreSQL's defaults. Raises RuntimeError with the reason."""
    import pwd
    import tempfile

    bindir = postgres_bindir()
    run_as: dict = {}
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no 'postgres' user to own the cluster") from None
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    base = Path(tempfile.mkdtemp(prefix="unitvault-pg-"))
    try:
        data = base / "data"
        if run_as:
            os.chown(base, run_as["user"], run_as["group"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        init = subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "--encoding=UTF8", "--no-instructions", "--no-sync"],
                              capture_output=True, text=True, env=env, cwd=base, **run_as)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
        # Only 127.0.0.1 may connect at all (hba: trust for host 127.0.0.1/32, nothing else).
        (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
        port = free_port()
        settings = {"listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": "",
                    "max_connections": "200", "shared_buffers": "128MB", "log_min_messages": "warning"}
        if not durable:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        args = [str(bindir / "postgres"), "-D", str(data)]
        for k, v in settings.items():
            args += ["-c", f"{k}={v}"]
        log = open(base / "postgres.log", "wb")
        proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, cwd=base,
                                preexec_fn=_die_with_parent, **run_as)
        log.close()
        handle = PostgresProcess(proc, base)
        server = PostgresServer("127.0.0.1", port, "postgres", str(data))
        try:
            wait_for_port("127.0.0.1", port, proc=proc, timeout=30)
            deadline = time.monotonic() + 30
            while True:  # the port opens a moment before the server accepts sessions
                try:
                    server.admin().close()
                    break
                except Exception:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.1)
        except Exception as exc:
            tail = (base / "postgres.log").read_text(errors="replace")[-500:]
            handle.stop()
            raise RuntimeError(f"postgres did not start: {exc}: {tail}") from None
        return server, handle
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise

# --- SMTP (aiosmtpd) -----------------------------------------------------------------------------------------
@dataclass
class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, in a thread of this process. ``messages`` holds what
    it received: ``(envelope sender, recipients, email.message.Message)``. ``security``: none, starttls
    (STARTTLS required before AUTH) or tls (TLS from the first byte); ``ca_file`` trusts its certificate;
    ``logins`` the (user, password) pairs it accepted."""

    host: str
    port: int
    security: str
    ca_file: str | None
    username: str | None
    password: str | None
    messages: list
    logins: list
    controller: object = None

    def to(self, address: str) -> list:
        return [m for _, rcpt, m in self.messages if address in rcpt]

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (cert file, key file)."""
    import datetime as _dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = _dt.datetime.now(_dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def start_smtp(folder: Path, *, security: str = "none", username: str | None = None,
               password: str | None = None) -> SMTPServer:
    import email
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    messages: list = []
    logins: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                             email.message_from_bytes(envelope.original_content or envelope.content)))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode()) if auth_data else (None, None)
        ok = username is not None and login == (username, password)
        if ok:
            logins.append(login)
        return AuthResult(success=ok, handled=False)

    cert_file = None
    kwargs: dict = {}
    if security in ("starttls", "tls"):
        cert_file, key_file = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        kwargs["ssl_context" if security == "tls" else "tls_context"] = context
        if security == "starttls":
            kwargs["require_starttls"] = True
    if username is not None:
        # implicit TLS: aiosmtpd counts only STARTTLS as TLS for AUTH, but the whole connection is TLS here
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=security == "starttls")
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, server_hostname="127.0.0.1",
                            ready_timeout=15, **kwargs)
    controller.start()
    return SMTPServer("127.0.0.1", port, security, str(cert_file) if cert_file else None, username, password,
                      messages, logins, controller)
