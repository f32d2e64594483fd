import { KMS_REWRAP_BLOCK } from './config/options/kms-rewrap.js';
import { LISTENER_BLOCKS } from './config/options/listener.js';
import { SEAL_BLOCKS } from './config/options/seal.js';
import { STORAGE_BLOCKS } from './config/options/storage.js';
import { TELEMETRY_BLOCK } from './config/options/telemetry.js';
import { TOP_LEVEL_BLOCK } from './config/options/top-level.js';

/**
 * Every option the server configuration accepts, block by block: the one table that the config
 * loader checks keys against (src/server/config.ts) and that docs/CONFIGURATION.md is generated
 * from (src/server/config-reference.ts). An option missing here is refused at load, naming its line.
 * Each stanza's entries are in config/options/; this module holds the types and the lookups.
 */

/** How an option is written. `block`: an unlabelled stanza; `labelled block`: `kind "label" { ... }`. */
export type OptionType = 'string' | 'bool' | 'int' | 'number' | 'duration' | 'string list' | 'block' | 'labelled block';

export interface ConfigOption {
  name: string;
  type: OptionType;
  /** The default as written in a config file; absent when there is none (the option stays unset). */
  default?: string;
  required?: boolean;
  /** One paragraph, in our words; Markdown. */
  description: string;
  /** The value part of an example line (`name = <example>`); for blocks, the block's body lines. */
  example: string;
  /** For `block`: the id of the block it holds. For `labelled block`: the kind its labels are looked up under. */
  holds?: string;
}

export interface ConfigBlock {
  /** How the block is written and named in errors: `storage "etcd"`, `kms_rewrap`, `listener "tcp" telemetry`; '' is the top level. */
  id: string;
  /** For a labelled block: its kind and label (`storage`, `etcd`), looked up by a `labelled block` option. */
  kind?: string;
  label?: string;
  /** What the block is for; Markdown. */
  summary: string;
  options: ConfigOption[];
  /** Appended to the error for an unknown option. */
  unknownHint?: string;
}

/** Every block, in the reference's order. */
export const CONFIG_BLOCKS: readonly ConfigBlock[] = [TOP_LEVEL_BLOCK, ...STORAGE_BLOCKS, ...LISTENER_BLOCKS, ...SEAL_BLOCKS, TELEMETRY_BLOCK, KMS_REWRAP_BLOCK];

/** The block with this id (as written: `storage "etcd"`, `kms_rewrap`; '' is the top level). */
export function configBlock(id: string): ConfigBlock | undefined {
  return CONFIG_BLOCKS.find((block) => block.id === id);
}

/** The labelled block `kind "label"`, if that label exists. */
export function labelledBlock(kind: string, label: string): ConfigBlock | undefined {
  return CONFIG_BLOCKS.find((block) => block.kind === kind && block.label === label);
}

/** The labels a kind supports, in table order: `seal` → local, shamir... */
export function labelsOf(kind: string): string[] {
  return CONFIG_BLOCKS.filter((block) => block.kind === kind).map((block) => block.label!);
}
