"""Drives Coffer's PKI engine with hvac 0.11.2 (Debian python3-hvac): one scenario per run.

Usage: VAULT_ADDR=... VAULT_TOKEN=... /usr/bin/python3 hvac_pki.py <scenario>

Each scenario uses hvac's own secrets.pki methods, checks what a user of hvac relies on, and prints
one JSON object (the facts it saw, PEMs included) on stdout for the TypeScript test to hand to
openssl. A broken expectation exits 1 with the reason on stderr. CSR_PEM, when set, is a CSR made
by openssl for sign_certificate.
"""

import os
import sys
import uuid

import hvac
import hvac.exceptions


# The helpers every hvac scenario uses, from hvac_scenarios.py beside this file (Python finds it
# there); importing it must not leave a __pycache__ in the source tree.
sys.dont_write_bytecode = True
from hvac_scenarios import ScenarioFailed, expect, run_scenario  # noqa: E402


def root_client():
    return hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
def pki_lifecycle():
    client = root_client()
    mount = "pki-hvac-%s" % uuid.uuid4().hex[:8]
    client.sys.enable_secrets_engine("pki", path=mount, config={"max_lease_ttl": "87600h"})
    pki = client.secrets.pki

    root = pki.generate_root(type="internal", common_name="hvac Root", extra_params={"key_type": "ec", "ttl": "8760h"}, mount_point=mount)
    expect("private_key" not in root["data"], "an internal root answers no private key: %r" % sorted(root["data"]))
    expect(root["data"]["issuer_id"], "generate_root answers the issuer id: %r" % sorted(root["data"]))

    pki.create_or_update_role(
        "web",
        extra_params={"allowed_domains": "hvac.test", "allow_subdomains": True, "key_type": "ec", "max_ttl": "24h"},
        mount_point=mount,
    )
    role = pki.read_role("web", mount_point=mount)
    expect(role["data"]["allowed_domains"] == ["hvac.test"], "read_role: %r" % role["data"].get("allowed_domains"))

    issued = pki.generate_certificate("web", common_name="www.hvac.test", extra_params={"ttl": "1h", "alt_names": "api.hvac.test"}, mount_point=mount)
    data = issued["data"]
    expect(data["private_key_type"] == "ec", "private_key_type: %r" % data.get("private_key_type"))

    try:
        pki.generate_certificate("web", common_name="www.elsewhere.test", mount_point=mount)
        raise ScenarioFailed("a name outside allowed_domains was issued")
    except hvac.exceptions.InvalidRequest as err:
        refused = err.errors

    signed = pki.sign_certificate("web", csr=os.environ["CSR_PEM"], common_name="csr.hvac.test", extra_params={"ttl": "1h"}, mount_point=mount)
    expect("private_key" not in signed["data"], "sign answers no private key")

    revoked = pki.revoke_certificate(data["serial_number"], mount_point=mount)
    expect(revoked["data"]["revocation_time"] > 0, "revocation_time: %r" % revoked["data"])

    crl = pki.read_crl(mount_point=mount)
    expect(crl.startswith("-----BEGIN X509 CRL-----"), "read_crl answers PEM: %r" % crl[:40])
    certs = pki.list_certificates(mount_point=mount)
    expect(data["serial_number"] in certs["data"]["keys"], "list_certificates has the serial")

    return {
        "root": root["data"]["certificate"],
        "certificate": data["certificate"],
        "private_key": data["private_key"],
        "serial_number": data["serial_number"],
        "signed": signed["data"]["certificate"],
        "refused": refused,
        "crl": crl,
    }


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS, "hvac_pki.py"))
