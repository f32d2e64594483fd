import { readFile, rm } from 'node:fs/promises';
import {
  appRoleAuth,
  jwtAuth,
  kubernetesAuth,
  tokenAuth,
  wrappedTokenAuth,
  type Credential,
  type LoginMethod,
} from '../client/index.js';
import { AgentConfigError, type MethodStanza } from './config.js';

/** The SDK login method an auto_auth method block describes. */
export function loginMethodOf(method: MethodStanza, env: NodeJS.ProcessEnv = process.env): LoginMethod {
  const config = method.config;
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new AgentConfigError(`auto_auth method "${method.type}": ${key} must be a string`);
    return value;
  };
  const required = (key: string): string => text(key) ?? fail(`auto_auth method "${method.type}" needs config.${key}`);
  const flag = (key: string, fallback: boolean): boolean => {
    const value = config[key];
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return fail(`auto_auth method "${method.type}": ${key} must be true or false`);
  };
  switch (method.type) {
    case 'approle': {
      const secretFile = required('secret_id_file_path');
      const secretId = readKept(secretFile, flag('remove_secret_id_file_after_reading', true));
      const wrappingPath = text('secret_id_response_wrapping_path');
      return appRoleAuth({
        mount: method.mount,
        roleId: { file: required('role_id_file_path') },
        ...(wrappingPath ? { wrappedSecretId: secretId, wrappingPath } : { secretId }),
      });
    }
    case 'kubernetes':
      return kubernetesAuth({ mount: method.mount, role: required('role'), ...(text('token_path') ? { tokenPath: text('token_path') } : {}) });
    case 'jwt':
      return jwtAuth({ mount: method.mount, role: text('role'), jwt: readKept(required('path'), flag('remove_jwt_after_reading', true)) });
    case 'token_file':
      return tokenAuth({ file: required('token_file_path') });
    case 'wrapped_token': {
      const file = text('token_file_path');
      const variable = text('env');
      if ((file === undefined) === (variable === undefined)) fail('auto_auth method "wrapped_token" needs exactly one of config.token_file_path and config.env');
      const wrappingToken: Credential = file ? { file } : () => env[variable!] ?? fail(`auto_auth method "wrapped_token": ${variable} is not set`);
      return wrappedTokenAuth({ wrappingToken });
    }
    default:
      return fail(`auto_auth method "${method.type}" is not supported (approle, kubernetes, jwt, token_file, wrapped_token)`);
  }
}

/**
 * A credential file read at each login; with `remove`, deleted once read (as Vault Agent does), and
 * the value kept in memory for later logins until a new file appears.
 */
function readKept(path: string, remove: boolean): Credential {
  let kept: string | undefined;
  return async () => {
    try {
      kept = (await readFile(path, 'utf8')).trim();
      if (remove) await rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || kept === undefined) throw err;
    }
    return kept;
  };
}

function fail(message: string): never {
  throw new AgentConfigError(message);
}
