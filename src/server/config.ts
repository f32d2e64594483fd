import { readFile } from 'node:fs/promises';
import { unknownOptions, wrongTypes } from './config-keys.js';
import { booleanOption, truthy } from './config/booleans.js';
import { listenerStanzas, type ListenerConfig } from './config/listener.js';
import { blockAt, ConfigError, refuseFirst } from './config/problem.js';
import { sealStanzas, type SealConfig } from './config/seal.js';
import { storageStanza, type StorageConfig } from './config/storage.js';
import { parseSyntax } from './config/syntax.js';
import { topLevelOptions, type TopLevelOptions } from './config/top-level.js';

export { ConfigError } from './config/problem.js';
export type { ListenerConfig } from './config/listener.js';
export type { LocalSealConfig } from './config/seal-local.js';

/**
 * The server configuration, in Vault's shape (storage, listener, seal, api_addr, ui; the other
 * top-level keys in TopLevelOptions). Each stanza is read by its own module in config/.
 */
export interface ServerConfig extends TopLevelOptions {
  storage: StorageConfig;
  listeners: ListenerConfig[];
  /** With no seal stanza: shamir, as in Vault. */
  seal: SealConfig;
  /**
   * The former seal of a seal migration: its stanza has disabled = "true" (Vault's way). Only
   * between shamir and a KMS seal, either way; a disabled KMS stanza alone migrates to shamir.
   */
  migrationSeal?: SealConfig;
  /**
   * Vault's disable_clustering: while this node is active, standbys do not forward requests to it;
   * they redirect the client there with 307 instead (HA only).
   */
  disableClustering?: boolean;
  ui: boolean;
}

/** Reads an HCL or JSON configuration file (JSON when the name ends in .json or the text starts with "{"). */
export async function loadConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseConfig(file, text);
}

/** Parses configuration text; errors name the file and, where it can be found, the line of the key. */
export async function parseConfig(file: string, text: string): Promise<ServerConfig> {
  const raw = await parseSyntax(file, text);
  const top = blockAt({ file, text });
  // Every block's options come from one table (config-options.ts), which the reference is generated from.
  refuseFirst(unknownOptions(file, text, raw));
  const storage = storageStanza(raw, top);
  const listeners = listenerStanzas(raw, top);
  const seals = sealStanzas(raw, top);
  const options = topLevelOptions(raw, top, storage);
  // After the checks above, whose messages are more specific: what none of them reads closely.
  refuseFirst(wrongTypes(file, text, raw));
  return {
    storage: storage.storage,
    listeners,
    ...seals,
    ...options,
    ...(booleanOption(raw, 'disable_clustering', false, top) ? { disableClustering: true } : {}),
    ui: truthy(raw.ui),
  };
}
