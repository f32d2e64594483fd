import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
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

/** What consul-template's pkiCert hands a template: `.Cert`, `.Key`, `.CA` (and the older `.Data.Cert`...). */
interface PkiCertValue {
  Cert: string;
  Key: string;
  CA: string;
  Data: { Cert: string; Key: string; CA: string };
}

const pkiCertValue = (cert: string, key: string, ca: string): PkiCertValue => ({ Cert: cert, Key: key, CA: ca, Data: { Cert: cert, Key: key, CA: ca } });

/**
 * How long a certificate is good for before it is issued again (consul-template's vault_pki.go
 * goodFor): 90% of what is left of it (87–93%, jittered, when that is over 100 s), and nothing when
 * that is no more than a tenth of its whole life (or it has ended).
 */
export function pkiCertGoodForMs(cert: X509Certificate, now = Date.now(), random = Math.random): number {
  const start = new Date(cert.validFrom).getTime();
  const end = new Date(cert.validTo).getTime();
  if (end <= now) return 0;
  let good = ((end - now) * 9) / 10;
  if (good <= (end - start) / 10) return 0;
  if (good > 100_000) good = ((end - now) * (87 + random() * 6)) / 100;
  return good;
}

/**
 * A certificate, key and CA out of a rendered file (consul-template's pkiCert cache): the first
 * certificate that is not a CA is the certificate, CA certificates the CA, a private key the key.
 */
function pkiCertFromFile(text: string): { value: PkiCertValue; cert: X509Certificate } | undefined {
  let cert: X509Certificate | undefined;
  let certPem = '';
  let key = '';
  let ca = '';
  for (const block of text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g) ?? []) {
    if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(block)) key ||= block;
    else if (block.startsWith('-----BEGIN CERTIFICATE-----')) {
      let parsed: X509Certificate;
      try {
        parsed = new X509Certificate(block);
      } catch {
        continue;
      }
      if (!parsed.ca && !cert) [cert, certPem] = [parsed, block];
      else if (parsed.ca) ca ||= block;
    }
  }
  return cert ? { value: pkiCertValue(certPem, key, ca), cert } : undefined;
}

interface KeptPkiCert {
  value: PkiCertValue;
  timer: NodeJS.Timeout | undefined;
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
  /** pkiCert results by path, parameters and destination, until they are due for issuing again. */
  private readonly pkiCerts = new Map<string, KeptPkiCert>();
  private readonly pkiCertsIssued = new Set<string>();
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
    for (const kept of this.pkiCerts.values()) clearTimeout(kept.timer);
  }

  private async renderOne(compiled: Compiled): Promise<boolean> {
    const { stanza } = compiled;
    try {
      const text = await compiled.template.render(this.functions(stanza), { missingKey: stanza.errorOnMissingKey ? 'error' : 'zero' });
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

  private functions(stanza: TemplateStanza) {
    return {
      ...standardFunctions({ env: this.env }),
      secret: async (path: unknown, ...params: unknown[]) => templateSecret(await this.secret(String(path), params.map(String))),
      secrets: async (path: unknown) => (await this.client.list(String(path)))?.data?.keys ?? [],
      pkiCert: (path: unknown, ...params: unknown[]) => this.pkiCert(String(path), params.map(String), stanza.destination),
    };
  }

  /**
   * consul-template's pkiCert: a certificate from a write to a PKI issue path with the `key=value`
   * parameters, kept until it is due (see pkiCertGoodForMs), then issued again and the templates
   * rendered anew. Vault's PKI answers a new certificate at every write, so the template's own
   * destination is the cache across restarts: a certificate still good there is used, not re-issued.
   */
  private async pkiCert(path: string, params: string[], destination: string): Promise<PkiCertValue> {
    const key = [path, ...params, destination].join('\u0000');
    const kept = this.pkiCerts.get(key);
    if (kept) return kept.value;
    const schedule = (value: PkiCertValue, cert: X509Certificate) => {
      const timer = setTimeout(() => {
        this.pkiCerts.delete(key);
        this.log.info({ path, destination }, 'pki certificate due; issuing a new one');
        void this.renderAll();
      }, pkiCertGoodForMs(cert));
      timer.unref();
      this.pkiCerts.set(key, { value, timer });
      return value;
    };
    // Only before this renderer has issued one here: after that, a due certificate is issued again.
    if (!this.pkiCertsIssued.has(key)) {
      const cached = await readFile(destination, 'utf8').then(pkiCertFromFile, () => undefined);
      if (cached && pkiCertGoodForMs(cached.cert) > 0) return schedule(cached.value, cached.cert);
    }
    const data = Object.fromEntries(params.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    const answer = await this.client.write(path, data);
    const issued = answer?.data as { certificate?: string; private_key?: string; issuing_ca?: string } | undefined;
    if (!issued?.certificate) throw new Error(`${path} answered no certificate`);
    this.pkiCertsIssued.add(key);
    const withNewline = (pem = '') => (pem === '' || pem.endsWith('\n') ? pem : `${pem}\n`);
    return schedule(pkiCertValue(withNewline(issued.certificate), withNewline(issued.private_key), withNewline(issued.issuing_ca)), new X509Certificate(issued.certificate));
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
