import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';

/** config/:name as stored (inside the barrier). The password is never answered by a read. */
export interface ConnectionEntry {
  plugin_name: string;
  connection_url: string;
  username: string;
  password: string;
  /**
   * rotate-root writes the new password here before it changes it in the database, and moves it
   * to `password` after: a crash between the two leaves both known (hashicorp/vault#6042).
   */
  pending_password?: string;
  allowed_roles: string[];
  verify_connection: boolean;
  max_open_connections: number;
  max_idle_connections: number;
  max_connection_lifetime: number;
  password_authentication: 'password' | 'scram-sha-256';
  username_template: string;
  root_rotation_statements: string[];
}

/** roles/:name: a dynamic role. */
export interface RoleEntry {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  rollback_statements: string[];
  renew_statements: string[];
  /** Seconds; 0: the mount's. */
  default_ttl: number;
  max_ttl: number;
  credential_type: 'password';
}

/** static-roles/:name: a database user Coffer keeps rotating. The password is answered only by static-creds. */
export interface StaticRoleEntry {
  db_name: string;
  username: string;
  /** Seconds. */
  rotation_period: number;
  rotation_statements: string[];
  credential_type: 'password';
  password: string;
  /** Set while a rotation is under way (see rotateStaticRole). */
  pending_password?: string;
  /** Unix ms of the last rotation. */
  last_vault_rotation: number;
}

export const KEYS = {
  config: (name: string) => `config/${name}`,
  role: (name: string) => `role/${name}`,
  staticRole: (name: string) => `static-role/${name}`,
};

/** Vault's framework.GenericNameRegex: what a config or role name may be (no SQL, no slashes). */
const NAME = /^\w(?:[\w.-]*\w)?$/;

export function checkedName(name: string, what: string): string {
  if (!NAME.test(name) || name.length > 128) throw invalidRequest(`invalid ${what} name "${name.slice(0, 64)}": letters, digits, "_", "-" and "." only`);
  return name;
}

export const loadConnection = (store: MountStorage, name: string) => store.get<ConnectionEntry>(KEYS.config(name));
export const loadRole = (store: MountStorage, name: string) => store.get<RoleEntry>(KEYS.role(name));
export const loadStaticRole = (store: MountStorage, name: string) => store.get<StaticRoleEntry>(KEYS.staticRole(name));

/** Whether a connection lets `role` use it (allowed_roles: names, globs with "*", or "*" for all). */
export function roleAllowed(connection: ConnectionEntry, role: string): boolean {
  return connection.allowed_roles.some((pattern) => {
    if (pattern === '*') return true;
    if (!pattern.includes('*')) return pattern === role;
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return re.test(role);
  });
}

/** Strips "" entries a CSV form leaves behind. */
export const statementList = (value: string[]) => value.map((s) => s.trim()).filter((s) => s !== '');
