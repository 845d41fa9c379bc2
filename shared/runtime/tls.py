"""TLS for the mail protocols (IMAP, POP3, submission): the configured certificate and key,
or, for the embedded run, a self-signed certificate made once and kept in the data
directory (clients must be told to accept it; operators configure a real one)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.settings import CommonSettings

SELF_SIGNED_DAYS = 825  # the longest validity clients still accept


def server_context(settings: CommonSettings, hostname: str = "localhost") -> ssl.SSLContext:
    """A server-side context (TLS 1.2 or later) with the configured certificate, else the
    self-signed one under `<data_dir>/tls/`, made on first use for `hostname`."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        cert, key = settings.tls_cert, settings.tls_key
    else:
        cert, key = self_signed(settings.data_dir / "tls", hostname)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def self_signed(directory: Path, hostname: str) -> tuple[Path, Path]:
    """`cert.pem` and `key.pem` in `directory`, made if missing (P-256, SANs for
    `hostname`, localhost and the loopback addresses)."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(hostname)]
    if hostname != "localhost":
        names.append(x509.DNSName("localhost"))
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Several services start at once: each writes aside and links into place; the first
    # pair to land wins and the others read it.
    _write_once(key_path, key_pem, 0o600)
    _write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    if not _matches(cert_path, key_path):  # another process's key landed with our cert
        cert_path.unlink(missing_ok=True)
        return self_signed(directory, hostname)
    return cert_path, key_path


def _write_once(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _matches(cert_path: Path, key_path: Path) -> bool:
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_path, key_path)
    except ssl.SSLError:
        return False
    return True
