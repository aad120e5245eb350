"""The dev stack's own TLS certificate: made once, on the first `taskflow dev --tls`, kept in its home.

Self-signed, for `127.0.0.1`, `::1` and `localhost`: a browser asks once whether to trust
it, curl takes it with `--cacert`. A real deployment mounts its own (compose.yaml).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from pathlib import Path

VALID_FOR: Final = dt.timedelta(days=825)  # the longest a browser accepts for a server certificate


@dataclass(frozen=True, slots=True)
class DevCertificate:
    certificate: Path
    """The certificate alone (PEM): what a client is told to trust."""
    bundle: Path
    """Certificate and key in one PEM, as HAProxy's `crt` takes them."""


def dev_certificate(folder: Path) -> tuple[DevCertificate, bool]:
    """The certificate in `folder`, made now if it is not there yet; whether it was made now."""
    found = DevCertificate(folder / "taskflow.crt", folder / "taskflow.pem")
    if found.certificate.exists() and found.bundle.exists():
        return found, False
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "taskflow dev")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)  # its own issuer
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    found.bundle.write_bytes(certificate_pem + key_pem)
    found.bundle.chmod(0o600)
    found.certificate.write_bytes(certificate_pem)
    return found, True
