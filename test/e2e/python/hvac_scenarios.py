"""Drives Coffer with hvac 0.11.2 (Debian python3-hvac): one scenario per run.

Usage: VAULT_ADDR=... VAULT_TOKEN=... /usr/bin/python3 hvac_scenarios.py <scenario>

Each scenario checks what a user of hvac relies on and prints one JSON object
(the facts it saw) on stdout. A broken expectation exits 1 with the reason on
stderr, so the TypeScript test that runs it can show exactly what went wrong.
Each scenario uses its own paths, so scenarios do not depend on each other.
"""

import json
import os
import sys
import uuid

import hvac
import hvac.exceptions


class ScenarioFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise ScenarioFailed(message)


def expect_raises(exception_class, call, *args, **kwargs):
    """Runs call and returns the hvac exception it raised; fails if it raised another or none."""
    try:
        result = call(*args, **kwargs)
    except exception_class as err:
        return err
    except hvac.exceptions.VaultError as err:
        raise ScenarioFailed(
            "expected %s, got %s: %s (errors=%r)" % (exception_class.__name__, type(err).__name__, err, err.errors)
        )
    raise ScenarioFailed("expected %s, but the call returned %r" % (exception_class.__name__, result))


def root_client():
    return hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"], namespace=os.environ.get("VAULT_NAMESPACE"))


def client_with(token):
    return hvac.Client(url=os.environ["VAULT_ADDR"], token=token, namespace=os.environ.get("VAULT_NAMESPACE"))


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


# --- connection and status ---------------------------------------------------


@scenario
def authenticated():
    client = root_client()
    expect(client.is_authenticated() is True, "root client is_authenticated() should be True")
    bad = client_with("hvs.not-a-real-token")
    expect(bad.is_authenticated() is False, "a garbage token should make is_authenticated() False")
    return {"root": True, "garbage": False}


@scenario
def health():
    status = root_client().sys.read_health_status(method="GET")
    # hvac returns the decoded JSON on 200.
    expect(isinstance(status, dict), "health should decode as JSON, got %r" % (status,))
    expect(status.get("initialized") is True, "initialized should be true: %r" % status)
    expect(status.get("sealed") is False, "sealed should be false: %r" % status)
    expect(status.get("standby") is False, "standby should be false: %r" % status)
    return status


# --- KV version 2 ------------------------------------------------------------


@scenario
def kv2_write_and_read():
    kv = root_client().secrets.kv.v2
    path = unique("app")
    written = kv.create_or_update_secret(path=path, secret={"user": "admin", "password": "pw"})
    expect(written["data"]["version"] == 1, "first write should be version 1: %r" % written)
    read = kv.read_secret_version(path=path)
    expect(read["data"]["data"] == {"user": "admin", "password": "pw"}, "read back: %r" % read)
    expect(read["data"]["metadata"]["version"] == 1, "metadata version: %r" % read)
    return {"version": read["data"]["metadata"]["version"], "data": read["data"]["data"]}


@scenario
def kv2_read_older_version():
    kv = root_client().secrets.kv.v2
    path = unique("versions")
    kv.create_or_update_secret(path=path, secret={"n": "1"})
    kv.create_or_update_secret(path=path, secret={"n": "2"})
    old = kv.read_secret_version(path=path, version=1)
    latest = kv.read_secret_version(path=path)
    expect(old["data"]["data"] == {"n": "1"}, "version 1: %r" % old)
    expect(latest["data"]["data"] == {"n": "2"}, "latest: %r" % latest)
    return {"old": old["data"]["data"], "latest": latest["data"]["metadata"]["version"]}


@scenario
def kv2_check_and_set():
    kv = root_client().secrets.kv.v2
    path = unique("cas")
    kv.create_or_update_secret(path=path, secret={"a": "1"}, cas=0)
    err = expect_raises(hvac.exceptions.InvalidRequest, kv.create_or_update_secret, path=path, secret={"a": "x"}, cas=0)
    expect(err.errors and "check-and-set" in err.errors[0], "cas error message: %r" % (err.errors,))
    second = kv.create_or_update_secret(path=path, secret={"a": "2"}, cas=1)
    expect(second["data"]["version"] == 2, "cas=1 write should make version 2: %r" % second)
    return {"cas_error": err.errors[0], "version": second["data"]["version"]}


@scenario
def kv2_patch():
    kv = root_client().secrets.kv.v2
    path = unique("patch")
    kv.create_or_update_secret(path=path, secret={"keep": "yes", "change": "old"})
    patched = kv.patch(path=path, secret={"change": "new", "add": "1"})
    expect(patched["data"]["version"] == 2, "patch writes version 2: %r" % patched)
    read = kv.read_secret_version(path=path)
    expected = {"keep": "yes", "change": "new", "add": "1"}
    expect(read["data"]["data"] == expected, "patched data: %r" % read["data"]["data"])
    return read["data"]["data"]


@scenario
def kv2_list():
    kv = root_client().secrets.kv.v2
    folder = unique("folder")
    kv.create_or_update_secret(path=folder + "/one", secret={"a": "1"})
    kv.create_or_update_secret(path=folder + "/nested/two", secret={"a": "2"})
    listed = kv.list_secrets(path=folder)
    keys = sorted(listed["data"]["keys"])
    expect(keys == ["nested/", "one"], "listed keys: %r" % keys)
    return {"keys": keys}


@scenario
def kv2_metadata():
    kv = root_client().secrets.kv.v2
    path = unique("meta")
    kv.create_or_update_secret(path=path, secret={"a": "1"})
    kv.create_or_update_secret(path=path, secret={"a": "2"})
    meta = kv.read_secret_metadata(path=path)["data"]
    expect(meta["current_version"] == 2, "current_version: %r" % meta)
    expect(meta["oldest_version"] in (0, 1), "oldest_version: %r" % meta)
    expect(sorted(meta["versions"].keys()) == ["1", "2"], "versions: %r" % meta["versions"])
    expect(meta["versions"]["1"]["destroyed"] is False, "version 1 not destroyed: %r" % meta["versions"])
    return {"current_version": meta["current_version"], "versions": sorted(meta["versions"].keys())}


@scenario
def kv2_delete_and_undelete():
    kv = root_client().secrets.kv.v2
    path = unique("undelete")
    kv.create_or_update_secret(path=path, secret={"a": "1"})
    kv.delete_latest_version_of_secret(path=path)
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret_version, path=path)
    meta = kv.read_secret_metadata(path=path)["data"]
    expect(meta["versions"]["1"]["deletion_time"] != "", "deletion_time set: %r" % meta["versions"])
    kv.undelete_secret_versions(path=path, versions=[1])
    read = kv.read_secret_version(path=path)
    expect(read["data"]["data"] == {"a": "1"}, "undeleted data: %r" % read)
    return {"restored": read["data"]["data"]}


@scenario
def kv2_destroy():
    kv = root_client().secrets.kv.v2
    path = unique("destroy")
    kv.create_or_update_secret(path=path, secret={"a": "1"})
    kv.create_or_update_secret(path=path, secret={"a": "2"})
    kv.destroy_secret_versions(path=path, versions=[1])
    meta = kv.read_secret_metadata(path=path)["data"]
    expect(meta["versions"]["1"]["destroyed"] is True, "version 1 destroyed: %r" % meta["versions"])
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret_version, path=path, version=1)
    # Undeleting a destroyed version brings nothing back.
    kv.undelete_secret_versions(path=path, versions=[1])
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret_version, path=path, version=1)
    latest = kv.read_secret_version(path=path)
    expect(latest["data"]["data"] == {"a": "2"}, "version 2 intact: %r" % latest)
    return {"destroyed": [1]}


@scenario
def kv2_delete_metadata_and_all_versions():
    kv = root_client().secrets.kv.v2
    path = unique("wipe")
    kv.create_or_update_secret(path=path, secret={"a": "1"})
    kv.delete_metadata_and_all_versions(path=path)
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret_metadata, path=path)
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret_version, path=path)
    return {"gone": True}


# --- KV version 1 ------------------------------------------------------------


@scenario
def kv1_lifecycle():
    client = root_client()
    mount = unique("kv1")
    client.sys.enable_secrets_engine("kv", path=mount, options={"version": "1"})
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    expect(mount + "/" in mounts, "mount listed: %r" % sorted(mounts.keys()))
    expect(mounts[mount + "/"]["type"] == "kv", "mount type: %r" % mounts[mount + "/"])

    kv = client.secrets.kv.v1
    kv.create_or_update_secret(path="db", secret={"user": "app"}, mount_point=mount)
    kv.create_or_update_secret(path="db", secret={"user": "app2"}, mount_point=mount)
    read = kv.read_secret(path="db", mount_point=mount)
    expect(read["data"] == {"user": "app2"}, "read back: %r" % read)
    listed = kv.list_secrets(path="", mount_point=mount)
    expect(listed["data"]["keys"] == ["db"], "listed: %r" % listed)
    kv.delete_secret(path="db", mount_point=mount)
    expect_raises(hvac.exceptions.InvalidPath, kv.read_secret, path="db", mount_point=mount)
    return {"mount": mount, "read": read["data"]}


# --- policies and tokens -----------------------------------------------------


@scenario
def policy_lifecycle():
    sys_api = root_client().sys
    name = unique("policy")
    rules = 'path "secret/data/%s/*" {\n  capabilities = ["read"]\n}\n' % name
    sys_api.create_or_update_policy(name=name, policy=rules)
    read = sys_api.read_policy(name=name)
    expect(read["data"]["rules"] == rules, "rules read back: %r" % read)
    names = sys_api.list_policies()["data"]["policies"]
    expect(name in names and "default" in names, "listed: %r" % names)
    sys_api.delete_policy(name=name)
    names_after = sys_api.list_policies()["data"]["policies"]
    expect(name not in names_after, "still listed after delete: %r" % names_after)
    expect_raises(hvac.exceptions.InvalidPath, sys_api.read_policy, name=name)
    return {"name": name}


@scenario
def token_lifecycle():
    client = root_client()
    name = unique("reader")
    client.sys.create_or_update_policy(name=name, policy='path "secret/data/%s" {\n  capabilities = ["read"]\n}\n' % name)
    created = client.create_token(policies=[name], ttl="1h")
    token = created["auth"]["client_token"]
    expect(sorted(created["auth"]["policies"]) == sorted(["default", name]), "policies: %r" % created["auth"])
    expect(created["auth"]["lease_duration"] == 3600, "lease_duration: %r" % created["auth"])

    looked_up = client.lookup_token(token)["data"]
    expect(looked_up["ttl"] <= 3600 and looked_up["ttl"] > 3500, "ttl: %r" % looked_up)
    expect(sorted(looked_up["policies"]) == sorted(["default", name]), "lookup policies: %r" % looked_up)
    expect(looked_up["accessor"] == created["auth"]["accessor"], "accessor: %r vs %r" % (looked_up, created["auth"]))

    user = client_with(token)
    expect(user.is_authenticated() is True, "new token authenticates")
    client.revoke_token(token)
    expect(user.is_authenticated() is False, "revoked token no longer authenticates")
    return {"policies": sorted(looked_up["policies"])}


# --- errors ------------------------------------------------------------------


@scenario
def missing_secret_raises_invalid_path():
    err = expect_raises(hvac.exceptions.InvalidPath, root_client().secrets.kv.v2.read_secret_version, path=unique("nothing"))
    return {"errors": err.errors}


@scenario
def forbidden_path_raises_forbidden():
    client = root_client()
    name = unique("narrow")
    client.sys.create_or_update_policy(name=name, policy='path "secret/data/%s" {\n  capabilities = ["read"]\n}\n' % name)
    token = client.create_token(policies=[name], ttl="1h")["auth"]["client_token"]
    user = client_with(token)
    err = expect_raises(hvac.exceptions.Forbidden, user.secrets.kv.v2.read_secret_version, path=unique("elsewhere"))
    expect(err.errors and "permission denied" in err.errors[0], "403 errors: %r" % (err.errors,))
    return {"errors": err.errors}


@scenario
def bad_input_raises_invalid_request():
    client = root_client()
    unknown_type = expect_raises(
        hvac.exceptions.InvalidRequest, client.sys.enable_secrets_engine, "no-such-engine", path=unique("bad")
    )
    bad_policy = expect_raises(
        hvac.exceptions.InvalidRequest, client.sys.create_or_update_policy, name=unique("bad"), policy='path "x" {'
    )
    expect(unknown_type.errors, "errors for unknown engine type: %r" % (unknown_type.errors,))
    expect(bad_policy.errors, "errors for malformed policy: %r" % (bad_policy.errors,))
    return {"unknown_type": unknown_type.errors, "bad_policy": bad_policy.errors}


# --- auth methods (issue 4) ------------------------------------------------


def enable_auth(client, method_type):
    path = unique(method_type)
    client.sys.enable_auth_method(method_type=method_type, path=path)
    return path


def read_policy_granting(client, secret_path):
    """A policy that reads one KV v2 secret, and the secret itself, for proving a login token works."""
    name = unique("reader")
    client.sys.create_or_update_policy(name=name, policy='path "secret/data/%s" { capabilities = ["read"] }' % secret_path)
    client.secrets.kv.v2.create_or_update_secret(path=secret_path, secret={"db": "s3cret"})
    return name


@scenario
def approle_login():
    client = root_client()
    mount = enable_auth(client, "approle")
    secret_path = unique("approle-app")
    policy = read_policy_granting(client, secret_path)
    client.auth.approle.create_or_update_approle("web", token_policies=[policy], token_ttl="1h", mount_point=mount)
    role_id = client.auth.approle.read_role_id("web", mount_point=mount)["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id("web", mount_point=mount)["data"]["secret_id"]

    app = hvac.Client(url=os.environ["VAULT_ADDR"])
    login = app.auth.approle.login(role_id=role_id, secret_id=secret_id, mount_point=mount)
    auth = login["auth"]
    expect(app.token == auth["client_token"], "login(use_token=True) should set the client's token")
    expect(policy in auth["token_policies"], "token policies: %r" % auth)
    expect(auth["metadata"] == {"role_name": "web"}, "metadata: %r" % auth["metadata"])
    expect(auth["lease_duration"] == 3600, "lease_duration: %r" % auth)
    expect(auth["entity_id"], "a login maps to an entity: %r" % auth)
    read = app.secrets.kv.v2.read_secret_version(path=secret_path)
    wrong = expect_raises(
        hvac.exceptions.InvalidRequest,
        hvac.Client(url=os.environ["VAULT_ADDR"]).auth.approle.login,
        role_id=role_id,
        secret_id="not-the-secret-id",
        mount_point=mount,
    )
    return {"read": read["data"]["data"], "wrong_secret": wrong.errors}


@scenario
def approle_wrapped_secret_id():
    """The secret-zero pattern: the orchestrator gets a wrapped SecretID; only the app unwraps it, once."""
    client = root_client()
    mount = enable_auth(client, "approle")
    client.auth.approle.create_or_update_approle("batch", token_policies=["default"], mount_point=mount)
    role_id = client.auth.approle.read_role_id("batch", mount_point=mount)["data"]["role_id"]
    wrapped = client.write("auth/%s/role/batch/secret-id" % mount, wrap_ttl="60s")
    wrap_info = wrapped["wrap_info"]
    expect(wrapped.get("data") is None, "a wrapped answer carries no data: %r" % wrapped)
    expect(wrap_info["creation_path"] == "auth/%s/role/batch/secret-id" % mount, "creation_path: %r" % wrap_info)
    expect(wrap_info["ttl"] == 60, "ttl: %r" % wrap_info)

    app = client_with(wrap_info["token"])
    secret_id = app.sys.unwrap()["data"]["secret_id"]
    login = hvac.Client(url=os.environ["VAULT_ADDR"]).auth.approle.login(role_id=role_id, secret_id=secret_id, mount_point=mount)
    replay = expect_raises(hvac.exceptions.InvalidRequest, client_with(wrap_info["token"]).sys.unwrap)
    expect(any("wrapping token is not valid" in e for e in replay.errors), "replay: %r" % replay.errors)
    return {"logged_in": bool(login["auth"]["client_token"]), "replay": replay.errors}


@scenario
def userpass_login():
    client = root_client()
    mount = enable_auth(client, "userpass")
    secret_path = unique("userpass-app")
    policy = read_policy_granting(client, secret_path)
    client.auth.userpass.create_or_update_user("alice", password="correct horse", policies=[policy], mount_point=mount)

    app = hvac.Client(url=os.environ["VAULT_ADDR"])
    login = app.auth.userpass.login("alice", "correct horse", mount_point=mount)
    expect(login["auth"]["metadata"] == {"username": "alice"}, "metadata: %r" % login["auth"])
    me = app.auth.token.lookup_self()["data"]
    expect(me["display_name"] == "%s-alice" % mount, "display_name: %r" % me["display_name"])
    read = app.secrets.kv.v2.read_secret_version(path=secret_path)
    wrong = expect_raises(
        hvac.exceptions.InvalidRequest,
        hvac.Client(url=os.environ["VAULT_ADDR"]).auth.userpass.login,
        "alice",
        "wrong",
        mount_point=mount,
    )
    return {"read": read["data"]["data"], "wrong_password": wrong.errors}


@scenario
def userpass_list_users():
    """hvac lists users three ways: LIST (auth.userpass.list_user), GET ?list=True (the deprecated
    list_userpass: requests writes Python's True) and GET ?list=true (strict_http)."""
    import warnings

    client = root_client()
    mount = enable_auth(client, "userpass")
    for name in ("alice", "bob"):
        client.auth.userpass.create_or_update_user(name, password="pw-%s" % name, mount_point=mount)
    listed = client.auth.userpass.list_user(mount_point=mount)["data"]["keys"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deprecated = client.list_userpass(mount_point=mount)["data"]["keys"]
    strict = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"], strict_http=True)
    strict_keys = strict.auth.userpass.list_user(mount_point=mount)["data"]["keys"]
    return {"list": sorted(listed), "list_true": sorted(deprecated), "strict_http": sorted(strict_keys)}


@scenario
def token_role_create():
    client = root_client()
    role = unique("deploy")
    client.auth.token.create_or_update_role(role, allowed_policies=["app-read"], orphan=True)
    created = client.auth.token.create(role_name=role, policies=["app-read"], ttl="1h")
    token = created["auth"]["client_token"]
    looked_up = client.auth.token.lookup(token)["data"]
    expect(looked_up["path"] == "auth/token/create/%s" % role, "path: %r" % looked_up["path"])
    expect(looked_up["orphan"] is True, "an orphan role makes orphans: %r" % looked_up)
    expect(sorted(looked_up["policies"]) == ["app-read", "default"], "policies: %r" % looked_up["policies"])
    refused = expect_raises(hvac.exceptions.InvalidRequest, client.auth.token.create, role_name=role, policies=["admin"])
    return {"policies": sorted(looked_up["policies"]), "refused": refused.errors}


# --- namespaces: Client(namespace=...) sends X-Vault-Namespace --------------------


def namespace_client(namespace, token=None):
    return hvac.Client(url=os.environ["VAULT_ADDR"], token=token, namespace=namespace)


def two_namespaces_with_kv():
    """Two fresh sibling namespaces, each with KV v2 at secret/ (the root's dev mount has the same path)."""
    names = [unique("hv-a"), unique("hv-b")]
    root = root_client()
    for name in names:
        root.sys.create_namespace(name)
        namespace_client(name, os.environ["VAULT_TOKEN"]).sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    return names


@scenario
def namespace_kv2_isolation():
    """The same KV v2 path holds different data in each namespace and in the root."""
    a, b = two_namespaces_with_kv()
    path = unique("shared")
    writes = {"": "root", a: "team-a", b: "team-b"}
    for namespace, owner in writes.items():
        client = namespace_client(namespace or None, os.environ["VAULT_TOKEN"])
        written = client.secrets.kv.v2.create_or_update_secret(path=path, secret={"owner": owner})
        expect(written["data"]["version"] == 1, "each namespace numbers its own versions: %r" % written)
    reads = {}
    for namespace in writes:
        client = namespace_client(namespace or None, os.environ["VAULT_TOKEN"])
        reads[namespace or "root"] = client.secrets.kv.v2.read_secret_version(path=path)["data"]["data"]["owner"]
    listed = sorted(root_client().sys.list_namespaces()["data"]["keys"])
    expect("%s/" % a in listed and "%s/" % b in listed, "list_namespaces: %r" % listed)
    return {"a": reads[a], "b": reads[b], "root": reads["root"]}


@scenario
def namespace_approle_login():
    """AppRole enabled in a namespace logs in there; the token reads its namespace's secret only."""
    a, b = two_namespaces_with_kv()
    admin = namespace_client(a, os.environ["VAULT_TOKEN"])
    path = unique("app")
    for namespace in ("", a, b):
        namespace_client(namespace or None, os.environ["VAULT_TOKEN"]).secrets.kv.v2.create_or_update_secret(path=path, secret={"where": namespace or "root"})
    admin.sys.create_or_update_policy(name="app-read", policy='path "secret/data/*" { capabilities = ["read"] }')
    admin.sys.enable_auth_method(method_type="approle")
    mounts = admin.sys.list_auth_methods()
    expect("approle/" in mounts["data"], "approle/ in the namespace's sys/auth: %r" % list(mounts["data"]))
    expect("approle/" not in root_client().sys.list_auth_methods()["data"], "the root has no approle/")
    admin.auth.approle.create_or_update_approle("web", token_policies=["app-read"], token_ttl="1h")
    role_id = admin.auth.approle.read_role_id("web")["data"]["role_id"]
    secret_id = admin.auth.approle.generate_secret_id("web")["data"]["secret_id"]

    app = namespace_client(a)
    login = app.auth.approle.login(role_id=role_id, secret_id=secret_id)
    expect(app.token == login["auth"]["client_token"], "login(use_token=True) should set the client's token")
    me = app.auth.token.lookup_self()["data"]
    expect(me["namespace_path"] == "%s/" % a, "lookup_self namespace_path: %r" % me.get("namespace_path"))
    read = app.secrets.kv.v2.read_secret_version(path=path)["data"]["data"]
    sibling = expect_raises(hvac.exceptions.Forbidden, namespace_client(b, app.token).secrets.kv.v2.read_secret_version, path=path)
    in_root = expect_raises(hvac.exceptions.Forbidden, client_with(app.token).secrets.kv.v2.read_secret_version, path=path)
    # The sibling has no approle/: for an anonymous caller nothing is there (403, as in the root).
    login_sibling = expect_raises(hvac.exceptions.Forbidden, namespace_client(b, "").auth.approle.login, role_id=role_id, secret_id=secret_id)
    return {
        "read": read,
        "namespace_path": me["namespace_path"],
        "sibling": sibling.errors,
        "root": in_root.errors,
        "login_sibling": login_sibling.errors,
    }


@scenario
def namespace_wrapping():
    """A KV read wrapped in a namespace: looked up and unwrapped there, refused from a sibling and the root."""
    a, b = two_namespaces_with_kv()
    admin = namespace_client(a, os.environ["VAULT_TOKEN"])
    path = unique("wrapped")
    admin.secrets.kv.v2.create_or_update_secret(path=path, secret={"k": "in-a"})
    wrapped = admin.read("secret/data/%s" % path, wrap_ttl="60s")
    info = wrapped["wrap_info"]
    expect(wrapped.get("data") is None, "a wrapped answer carries no data: %r" % wrapped)
    expect(info["ttl"] == 60, "ttl: %r" % info)
    expect(info["creation_path"] == "secret/data/%s" % path, "creation_path is the path inside the namespace: %r" % info)
    lookup = admin.write("sys/wrapping/lookup", token=info["token"])["data"]
    expect(lookup["creation_path"] == info["creation_path"], "lookup: %r" % lookup)
    from_sibling = expect_raises(hvac.exceptions.InvalidRequest, namespace_client(b, info["token"]).sys.unwrap)
    from_root = expect_raises(hvac.exceptions.InvalidRequest, client_with(info["token"]).sys.unwrap)
    lookup_sibling = expect_raises(hvac.exceptions.InvalidRequest, namespace_client(b, os.environ["VAULT_TOKEN"]).write, "sys/wrapping/lookup", token=info["token"])
    unwrapped = namespace_client(a, info["token"]).sys.unwrap()
    replay = expect_raises(hvac.exceptions.InvalidRequest, namespace_client(a, info["token"]).sys.unwrap)
    return {
        "unwrapped": unwrapped["data"]["data"],
        "lookup_ttl": lookup["creation_ttl"],
        "from_sibling": from_sibling.errors,
        "from_root": from_root.errors,
        "lookup_sibling": lookup_sibling.errors,
        "replay": replay.errors,
    }


# --- HA: VAULT_ADDR is a standby node -------------------------------------------


@scenario
def ha_through_standby():
    """A standby forwards every call: hvac never notices it is not talking to the active node."""
    client = root_client()
    leader = client.sys.read_leader_status()
    expect(leader["ha_enabled"] is True and leader["is_self"] is False, "VAULT_ADDR should be a standby: %r" % leader)
    kv = client.secrets.kv.v2
    path = unique("ha")
    kv.create_or_update_secret(path=path, secret={"k": "v"})
    expect(kv.read_secret_version(path=path)["data"]["data"] == {"k": "v"}, "read back through the standby")
    wrapped = client.auth.token.create(policies=["default"], ttl="10m", wrap_ttl="60s")
    wrapping_token = wrapped["wrap_info"]["token"]
    unwrapped = client.sys.unwrap(wrapping_token)
    expect(unwrapped["auth"]["policies"] == ["default"], "unwrapped token: %r" % unwrapped["auth"])
    again = expect_raises(hvac.exceptions.InvalidRequest, client.sys.unwrap, wrapping_token)
    return {"leader_address": leader["leader_address"], "second_unwrap": again.errors}


@scenario
def ha_redirected_by_standby():
    """With X-Vault-No-Request-Forwarding the standby answers 307; hvac (requests) follows it to the active node."""
    import requests

    statuses = []
    session = requests.Session()
    session.headers["X-Vault-No-Request-Forwarding"] = "true"
    session.hooks["response"].append(lambda response, *args, **kwargs: statuses.append(response.status_code))
    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"], session=session)
    kv = client.secrets.kv.v2
    path = unique("redirected")
    kv.create_or_update_secret(path=path, secret={"k": "redirected"})
    read = kv.read_secret_version(path=path)
    expect(read["data"]["data"] == {"k": "redirected"}, "read back after the redirect: %r" % read)
    expect(statuses == [307, 200, 307, 200], "each call should be a 307 then a 200: %r" % statuses)
    return {"statuses": statuses}


# --- leases and the database engine ---------------------------------------
# The PostgreSQL the test harness started is named by PG_URL (with {{username}} and {{password}}
# placeholders), PG_USER and PG_PASSWORD.


@scenario
def database_generate_credentials():
    """Mounts a database engine, issues credentials, and looks up, renews and lists their lease."""
    client = root_client()
    mount = unique("database")
    client.sys.enable_secrets_engine(backend_type="database", path=mount)
    client.secrets.database.configure(
        name="pg",
        plugin_name="postgresql-database-plugin",
        allowed_roles=["app"],
        connection_url=os.environ["PG_URL"],
        username=os.environ["PG_USER"],
        password=os.environ["PG_PASSWORD"],
        mount_point=mount,
    )
    client.secrets.database.create_role(
        name="app",
        db_name="pg",
        creation_statements=["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
        default_ttl="1h",
        max_ttl="24h",
        mount_point=mount,
    )
    creds = client.secrets.database.generate_credentials(name="app", mount_point=mount)
    lease_id = creds["lease_id"]
    expect(lease_id.startswith(mount + "/creds/app/"), "lease id %r" % lease_id)
    looked_up = client.sys.read_lease(lease_id=lease_id)["data"]
    expect(looked_up["id"] == lease_id, "lookup id %r" % looked_up["id"])
    renewed = client.sys.renew_lease(lease_id=lease_id, increment=600)
    expect(renewed["lease_id"] == lease_id, "renew answered lease %r" % renewed["lease_id"])
    # increment=None is sent as JSON null: the role's default TTL.
    renewed_default = client.sys.renew_lease(lease_id=lease_id)
    listed = client.sys.list_leases(prefix=mount + "/creds/app/")["data"]["keys"]
    expect(lease_id.split("/")[-1] in listed, "%r not in %r" % (lease_id, listed))
    return {
        "mount": mount,
        "lease_id": lease_id,
        "lease_duration": creds["lease_duration"],
        "renewable": creds["renewable"],
        "username": creds["data"]["username"],
        "password": creds["data"]["password"],
        "lookup_renewable": looked_up["renewable"],
        "lookup_ttl": looked_up["ttl"],
        "renewed_duration": renewed["lease_duration"],
        "renewed_default_duration": renewed_default["lease_duration"],
    }


@scenario
def database_revoke_lease():
    """Revokes the lease LEASE_ID; looking it up afterwards raises InvalidRequest."""
    client = root_client()
    client.sys.revoke_lease(lease_id=os.environ["LEASE_ID"])
    gone = expect_raises(hvac.exceptions.InvalidRequest, client.sys.read_lease, lease_id=os.environ["LEASE_ID"])
    return {"lookup_after_revoke": gone.errors}


@scenario
def database_revoke_prefix():
    """Issues two credentials under MOUNT and revokes every lease under MOUNT/creds/."""
    client = root_client()
    mount = os.environ["MOUNT"]
    issued = [client.secrets.database.generate_credentials(name="app", mount_point=mount) for _ in range(2)]
    client.sys.revoke_prefix(prefix=mount + "/creds/")
    remaining = expect_raises(hvac.exceptions.InvalidPath, client.sys.list_leases, prefix=mount + "/creds/app/")
    return {
        "issued": [{"username": c["data"]["username"], "password": c["data"]["password"]} for c in issued],
        "listed_after": remaining.errors,
    }


# --- through coffer agent's API proxy -------------------------------------------


@scenario
def agent_proxy_read():
    # No token of its own: the agent adds its auto-auth token (api_proxy use_auto_auth_token).
    client = hvac.Client(url=os.environ["VAULT_ADDR"])
    secret = client.secrets.kv.v2.read_secret_version(path=os.environ["SECRET_PATH"], mount_point="secret")
    return {"data": secret["data"]["data"]}


def run_scenario(scenarios, program):
    """Runs the scenario named on the command line; prints its JSON facts. Exit 0, 1 (it failed) or 2 (usage)."""
    if len(sys.argv) != 2 or sys.argv[1] not in scenarios:
        sys.stderr.write("usage: %s <%s>\n" % (program, "|".join(sorted(scenarios))))
        return 2
    try:
        result = scenarios[sys.argv[1]]()
    except ScenarioFailed as failure:
        sys.stderr.write("FAILED %s: %s\n" % (sys.argv[1], failure))
        return 1
    except hvac.exceptions.VaultError as err:
        sys.stderr.write("FAILED %s: unexpected %s: %s (errors=%r)\n" % (sys.argv[1], type(err).__name__, err, err.errors))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS, "hvac_scenarios.py"))
