import { invalidRequest } from '../framework/errors.js';
import type { SystemView } from '../framework/system-view.js';
import type { Backend } from '../framework/types.js';
import type { Core } from './core.js';
import type { CoreOptions } from './core-options.js';
import { backendType, type MountEntry } from './mounts.js';

/**
 * Which factory builds the backend of a mount type: the core's own backends (sys, identity,
 * auth/token), which see the core, and the engines and auth methods the server wired in, which get
 * a SystemView. The core never imports an engine; this table is all it knows of them.
 */
export class BackendCatalog {
  constructor(
    private readonly factories: CoreOptions['factories'],
    private readonly coreBackends: CoreOptions['coreBackends'],
  ) {}

  /** Whether a mount type is known (checked before a mount is added). */
  has(type: string, table: MountEntry['table']): boolean {
    return Object.hasOwn(this.factories[table], backendType(type)) || Object.hasOwn(this.coreBackends[table], backendType(type));
  }

  /** Builds the backend serving `entry`; `view` is asked only for an engine or auth method. 400 for an unknown type. */
  build(entry: MountEntry, core: Core, view: () => SystemView): Backend {
    const type = backendType(entry.type);
    const coreFactory = this.coreBackends[entry.table][type];
    const factory = this.factories[entry.table][type];
    if (coreFactory) return coreFactory(entry, core);
    if (factory) return factory(view());
    throw invalidRequest(`unknown backend type: "${entry.type}"`);
  }
}
