import type { EtcdStorageConfig } from '../../storage/etcd.js';
import { booleanOption } from './booleans.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/**
 * `storage "etcd" { endpoints, prefix, ha_enabled, username, password, tls_ca_file, tls_cert_file,
 * tls_key_file }`. Endpoints are a list or a comma-separated string (as Vault's "address").
 */
export function etcdStorage(body: Json, at: BlockAt): EtcdStorageConfig {
  // Vault's names (address, path) are read when ours are absent; a problem points at the one written.
  const endpointsKey = body.endpoints === undefined || body.endpoints === null ? 'address' : 'endpoints';
  const prefixKey = body.prefix === undefined || body.prefix === null ? 'path' : 'prefix';
  const written = body[endpointsKey];
  const endpoints = (typeof written === 'string' ? written.split(',') : Array.isArray(written) ? written : [])
    .map((e: unknown) => (typeof e === 'string' ? e.trim() : ''))
    .filter((e) => e !== '');
  if (endpoints.length === 0) at.fail(endpointsKey, 'storage "etcd" needs "endpoints" (a list of http(s)://host:port)');
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^\s/]+:\d{1,5}\/?$/.test(endpoint)) at.fail(endpointsKey, `etcd endpoint must be http(s)://host:port, got ${JSON.stringify(endpoint)}`);
  }
  const config: EtcdStorageConfig = { type: 'etcd', endpoints, haEnabled: booleanOption(body, 'ha_enabled', false, at) };
  const prefix = body[prefixKey];
  if (prefix !== undefined) {
    if (typeof prefix !== 'string' || prefix === '') at.fail(prefixKey, 'storage "etcd" prefix must be a non-empty string');
    config.prefix = (prefix as string).endsWith('/') ? (prefix as string) : `${prefix as string}/`;
  }
  const strings = { username: 'username', password: 'password', tls_ca_file: 'tlsCaFile', tls_cert_file: 'tlsCertFile', tls_key_file: 'tlsKeyFile' } as const;
  for (const [key, field] of Object.entries(strings)) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') at.fail(key, `storage "etcd" ${key} must be a string`);
    config[field] = value as string;
  }
  if (config.password !== undefined && config.username === undefined) at.fail('password', 'storage "etcd" password needs a username');
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    at.fail(config.tlsCertFile === undefined ? 'tls_key_file' : 'tls_cert_file', 'storage "etcd" needs both tls_cert_file and tls_key_file, or neither');
  }
  if ((config.tlsCertFile !== undefined || endpoints.some((e) => e.startsWith('https:'))) && config.tlsCaFile === undefined) {
    at.fail('tls_ca_file', 'storage "etcd" over TLS (https endpoints, client certificates) needs tls_ca_file');
  }
  return config;
}
