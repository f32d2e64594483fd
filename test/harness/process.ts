import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Polls `probe` (say, a regex over the process's output) until it gives a value. Fails at once,
 * with the output so far, if the process exits first; on timeout it kills the process and fails.
 */
export async function waitFor<T>(child: ChildProcess, probe: () => T | undefined, output: () => string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start within ${timeoutMs} ms:\n${output()}`);
}

/** Stops a process this test started: SIGTERM, then SIGKILL if it has not exited after `killAfterMs`. */
export async function stopProcess(child: ChildProcess, killAfterMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
