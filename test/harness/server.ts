import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram, type CliRun } from './cli.js';
import { poll } from './poll.js';
import { COFFER_BIN, stopProcess } from './process.js';

export { COFFER_BIN, REPO_ROOT } from './process.js';

/** The parts of a config file the builder puts together; each a piece of HCL text. */
export interface ConfigParts {
  /** The storage stanza (default: SQLite at <dir>/coffer.db). */
  storage?: string;
  /** Listener stanzas (default: one `tcpListener()`). */
  listeners?: string[];
  /** The seal stanza (default `seal "local" {}`, which reads COFFER_LOCAL_MASTER_KEY; "" for none: the default Shamir seal). */
  seal?: string;
  /** Further top-level HCL (log_level, telemetry, api_addr...). */
  extra?: string;
}

/** A `listener "tcp"` stanza on `address` (default 127.0.0.1:0) with the given lines inside (default plain HTTP). */
export function tcpListener(address = '127.0.0.1:0', lines: readonly string[] = ['tls_disable = true']): string {
  return `listener "tcp" {\n  address = "${address}"\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;
}

/** A SQLite storage stanza for `path`. */
export function sqliteStorage(path: string): string {
  return `storage "sqlite" {\n  path = "${path}"\n}\n`;
}

/** THE config builder: a config file's text for a server whose files live in `dir`. */
export function serverConfig(dir: string, parts: ConfigParts = {}): string {
  // Each stanza on lines of its own and no blank line between: tests match errors' line numbers.
  return [parts.storage ?? sqliteStorage(join(dir, 'coffer.db')), ...(parts.listeners ?? [tcpListener()]), parts.seal ?? 'seal "local" {}', parts.extra ?? '']
    .map((piece) => (piece === '' || piece.endsWith('\n') ? piece : `${piece}\n`))
    .join('');
}

export interface StartOptions {
  /** Dev mode; the default unless `config` is given. */
  dev?: boolean;
  /** Dev mode's root token id (random by default). */
  rootTokenId?: string;
  /** Dev mode's listen address (default 127.0.0.1:0, a free port). */
  devListenAddress?: string;
  /**
   * Non-dev: the config file, as text (HCL or JSON), a function of the server's dir answering it,
   * or parts for `serverConfig` (default: `serverConfig(dir)`); null: no config file and no
   * -config, for a test whose `args` say everything.
   */
  config?: string | ((dir: string) => string) | ConfigParts | null;
  /** The config file's name inside `dir` (default coffer.hcl). */
  configName?: string;
  /** More command-line arguments after `server` and the mode's own. */
  args?: readonly string[];
  /** COFFER_LOCAL_MASTER_KEY, base64 of 32 bytes (a random one by default); null: the child gets none. */
  masterKey?: string | null;
  /** Where the server's files go (default: a temp dir of its own, removed by destroy()). */
  dir?: string;
  /** Environment on top of this process's; an undefined value removes the variable. */
  env?: Record<string, string | undefined>;
  /** Non-dev: PUT sys/init when the store is not initialized yet (default true). */
  initialize?: boolean;
  /** How long to wait for the banner (default 15 s); for `runServer`, for the exit. */
  timeoutMs?: number;
}

/** A `coffer server` process this test started, whether or not it came up. */
export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** Temp dir holding this server's files (config, SQLite database). */
  dir: string;
  /** The config file it was started with (non-dev). */
  configFile?: string;
  /** The COFFER_LOCAL_MASTER_KEY it was given (undefined when none). */
  masterKey?: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The Api Address from the banner, once printed; fails with the output if the process exits first. */
  address(timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited (fails after the deadline). */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Stops the process by PID (SIGTERM, then SIGKILL) and keeps its files. */
  stop(): Promise<void>;
  /** Stops the process and removes its temp dir (unless the test gave `dir`). */
  destroy(): Promise<void>;
}

export interface TestServer {
  address: string;
  /** Dev: the root token; non-dev: what sys/init answered ('' when the store was initialized already or `initialize` was false). */
  rootToken: string;
  pid: number;
  child: ChildProcess;
  dir: string;
  configFile?: string;
  masterKey?: string;
  output(): string;
  exited(timeoutMs?: number): Promise<number | null>;
  stop(): Promise<void>;
  /** Starts the same server again on the same files (non-dev servers only); keeps the first root token. */
  restart(): Promise<TestServer>;
  destroy(): Promise<void>;
}

/** The command line, environment and files of one `coffer server` run. */
interface Prepared {
  args: string[];
  env: Record<string, string>;
  dir: string;
  ownDir: boolean;
  configFile?: string;
  masterKey?: string;
}

async function prepare(options: StartOptions): Promise<Prepared> {
  const dev = options.dev ?? options.config === undefined;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'coffer-test-')));
  const masterKey = options.masterKey === null ? undefined : (options.masterKey ?? randomBytes(32).toString('base64'));
  let args: string[];
  let configFile: string | undefined;
  if (dev) {
    const rootTokenId = options.rootTokenId ?? `root-${randomBytes(16).toString('hex')}`;
    args = ['server', '-dev', `-dev-listen-address=${options.devListenAddress ?? '127.0.0.1:0'}`, `-dev-root-token-id=${rootTokenId}`];
  } else if (options.config === null) {
    args = ['server'];
  } else {
    configFile = join(dir, options.configName ?? 'coffer.hcl');
    const { config } = options;
    await writeFile(configFile, typeof config === 'string' ? config : typeof config === 'function' ? config(dir) : serverConfig(dir, config));
    args = ['server', `-config=${configFile}`];
  }
  const env: Record<string, string | undefined> = { ...process.env, COFFER_LOCAL_MASTER_KEY: masterKey };
  for (const [k, v] of Object.entries(options.env ?? {})) env[k] = v;
  const defined: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) defined[k] = v;
  return { args: [...args, ...(options.args ?? [])], env: defined, dir, ownDir, configFile, masterKey };
}

/** Spawns `coffer server` (dev, or from a config file written into its dir) and returns at once. */
export async function spawnServer(options: StartOptions = {}): Promise<ServerProcess> {
  const { args, env, dir, ownDir, configFile, masterKey } = await prepare(options);
  const child = spawn(process.execPath, [COFFER_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('error', (err) => (output += `\nspawn failed: ${err.message}`));
  const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    dir,
    configFile,
    masterKey,
    output: () => output,
    address: (timeoutMs = options.timeoutMs ?? 15_000) =>
      poll(
        'server did not start',
        () => {
          const found = /Api Address: (\S+)/.exec(output)?.[1];
          if (found) return found;
          if (hasExited()) throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
          return undefined;
        },
        { timeoutMs, intervalMs: 20, detail: () => output },
      ),
    exited: async (timeoutMs = 15_000) => {
      await poll('server did not exit', hasExited, { timeoutMs, intervalMs: 20, detail: () => output });
      return gone;
    },
    stop: () => stopProcess(child),
    destroy: async () => {
      await stopProcess(child);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What a `coffer server` run to completion left: exit code, output, and the config file it was given. */
export interface ServerRun extends CliRun {
  configFile?: string;
}

/**
 * Runs `coffer server` that is expected to exit by itself (a start that must fail, usage, -h), with
 * the same modes, config, arguments and environment as `startServer`; its temp dir is removed
 * afterwards (unless the test gave `dir`). Fails if it is still running after `timeoutMs` (15 s).
 */
export async function runServer(options: StartOptions = {}): Promise<ServerRun> {
  const { args, env, dir, ownDir, configFile } = await prepare(options);
  try {
    const result = await runProgram(process.execPath, [COFFER_BIN, ...args], { env, timeoutMs: options.timeoutMs ?? 15_000 });
    return { ...result, configFile };
  } finally {
    if (ownDir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * THE way a test starts `coffer server` as a real process: dev mode (default), or from a config
 * (HCL text or `serverConfig` parts) in a temp dir, with extra arguments and environment. Waits
 * until the banner gives the address; a non-dev server is initialized unless told not to.
 */
export function startServer(options: StartOptions = {}): Promise<TestServer> {
  return startOwned(options, options.dir === undefined);
}

/**
 * startServer, for a server whose temp dir is this harness's to remove (`removeDir`) however many
 * times it is restarted on it; a restart keeps the first start's root token.
 */
async function startOwned(options: StartOptions, removeDir: boolean, firstRootToken = ''): Promise<TestServer> {
  const proc = await spawnServer(options);
  const dev = options.dev ?? options.config === undefined;
  try {
    const address = await proc.address();
    const answered = dev ? (/Root Token: (\S+)/.exec(proc.output())?.[1] ?? '') : options.initialize === false ? '' : await initializeIfNeeded(address);
    const rootToken = answered || firstRootToken;
    return {
      address,
      rootToken,
      pid: proc.pid,
      child: proc.child,
      dir: proc.dir,
      configFile: proc.configFile,
      masterKey: proc.masterKey,
      output: proc.output,
      exited: proc.exited,
      stop: proc.stop,
      restart: async () => {
        await proc.stop();
        return startOwned({ ...options, dev: false, config: options.config ?? {}, dir: proc.dir, masterKey: proc.masterKey ?? null }, removeDir, rootToken);
      },
      destroy: async () => {
        await proc.destroy();
        if (removeDir) await rm(proc.dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc.destroy();
    throw err;
  }
}

/** PUT sys/init on a fresh store; answers the root token. */
export async function initialize(address: string): Promise<string> {
  const res = await fetch(`${address}/v1/sys/init`, { method: 'PUT', body: '{}' });
  if (res.status !== 200) throw new Error(`sys/init answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { root_token: string }).root_token;
}

/** A non-dev store is initialized on first start (restarts keep the first root token). */
async function initializeIfNeeded(address: string): Promise<string> {
  const status = (await (await fetch(`${address}/v1/sys/init`)).json()) as { initialized: boolean };
  if (status.initialized) return '';
  return initialize(address);
}
