import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CofferClient, LeasedSecret, Secret } from '../client/index.js';
import type { AgentConfig, TemplateStanza } from './config.js';
import { writeAtomically } from './sink.js';
import { parseTemplate, standardFunctions, type Template } from './template/index.js';

/** A secret as consul-template hands it to a template: `.Data`, `.LeaseID`, ... */
interface TemplateSecret {
  Data: unknown;
  LeaseID: string;
  LeaseDuration: number;
  Renewable: boolean;
  Warnings: string[] | null;
  RequestID: string;
}

function templateSecret(secret: Secret): TemplateSecret {
  return {
    Data: secret.data,
    LeaseID: secret.lease_id,
    LeaseDuration: secret.lease_duration,
    Renewable: secret.renewable,
    Warnings: secret.warnings,
    RequestID: secret.request_id,
  };
}

interface Compiled {
  stanza: TemplateStanza;
  template: Template;
  /** What was last written (undefined before the first render). */
  written: string | undefined;
}

/**
 * The agent's templates: rendered with consul-template's `secret`/`secrets`/`env`, written
 * atomically when their text changed (then their command runs), and rendered again when a leased
 * secret they read is rotated, or every static_secret_render_interval for everything else. A
 * leased secret is read once and kept alive (renewed, rotated) rather than read again at each
 * render, so re-rendering never mints new credentials; one failing template does not stop the others.
 */
export class TemplateRenderer extends EventEmitter<{ rendered: [string]; error: [Error] }> {
  private readonly leased = new Map<string, Promise<LeasedSecret>>();
  private timer: NodeJS.Timeout | undefined;
  private rendering: Promise<boolean> | undefined;
  private again = false;

  private constructor(
    private readonly client: CofferClient,
    private readonly templates: Compiled[],
    private readonly config: AgentConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
  ) {
    super();
  }

  static async load(client: CofferClient, config: AgentConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<TemplateRenderer> {
    const compiled: Compiled[] = [];
    for (const stanza of config.templates) {
      const text = stanza.contents ?? (await readFile(stanza.source!, 'utf8'));
      const template = parseTemplate(text, { leftDelimiter: stanza.leftDelimiter, rightDelimiter: stanza.rightDelimiter, name: stanza.source ?? stanza.destination });
      compiled.push({ stanza, template, written: undefined });
    }
    return new TemplateRenderer(client, compiled, config, env, log);
  }

  get count(): number {
    return this.templates.length;
  }

  /** Renders every template once; answers whether all of them rendered. Concurrent calls coalesce. */
  renderAll(): Promise<boolean> {
    if (this.rendering) {
      this.again = true;
      return this.rendering;
    }
    this.rendering = (async () => {
      let ok = true;
      do {
        this.again = false;
        for (const compiled of this.templates) ok = (await this.renderOne(compiled)) && ok;
      } while (this.again);
      return ok;
    })().finally(() => (this.rendering = undefined));
    return this.rendering;
  }

  /** Long-running mode: static secrets are read again on the render interval. */
  start(): void {
    const every = this.config.templateConfig.staticSecretRenderIntervalMs;
    this.timer = setInterval(() => void this.renderAll(), every);
    this.timer.unref();
  }

  /** Stops re-rendering; the leased secrets stay valid (the client's close() revokes them when asked to). */
  stop(): void {
    clearInterval(this.timer);
  }

  private async renderOne(compiled: Compiled): Promise<boolean> {
    const { stanza } = compiled;
    try {
      const text = await compiled.template.render(this.functions(), { missingKey: stanza.errorOnMissingKey ? 'error' : 'zero' });
      if (text === compiled.written) return true;
      await writeAtomically(stanza.destination, text, stanza.perms, stanza.createDestDirs);
      compiled.written = text;
      this.log.info({ destination: stanza.destination }, 'template rendered');
      this.emit('rendered', stanza.destination);
      if (stanza.command) await this.runCommand(stanza);
      return true;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.log.error({ destination: stanza.destination, err: error.message }, 'template failed');
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return false;
    }
  }

  private functions() {
    return {
      ...standardFunctions({ env: this.env }),
      secret: async (path: unknown, ...params: unknown[]) => templateSecret(await this.secret(String(path), params.map(String))),
      secrets: async (path: unknown) => (await this.client.list(String(path)))?.data?.keys ?? [],
    };
  }

  /** A secret for a template: a kept leased secret, or a fresh read of a static one. */
  private async secret(path: string, params: string[]): Promise<Secret> {
    const key = [path, ...params].join('\u0000');
    const kept = this.leased.get(key);
    if (kept) return (await kept).secret;
    const data = params.length ? Object.fromEntries(params.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) : undefined;
    const answer = data ? await this.client.write(path, data) : await this.client.read(path);
    if (!answer) throw new Error(`${path} answered nothing`);
    if (!answer.lease_id) return answer;
    const leased = this.client.leased(path, { initial: answer, ...(data ? { data } : {}) });
    this.leased.set(key, leased);
    const secret = await leased;
    secret.on('rotated', () => {
      this.log.info({ path }, 'leased secret rotated; rendering again');
      void this.renderAll();
    });
    secret.on('error', (err) => this.log.warn({ path, err: err.message }, 'lease renewal failed'));
    return secret.secret;
  }

  private runCommand(stanza: TemplateStanza): Promise<void> {
    const [file, ...args] = stanza.command!;
    return new Promise((resolve) => {
      execFile(file!, args, { timeout: stanza.commandTimeoutMs, env: this.env }, (err) => {
        if (err) this.log.error({ destination: stanza.destination, err: err.message }, 'template command failed');
        else this.log.info({ destination: stanza.destination }, 'template command ran');
        resolve();
      });
    });
  }
}
