import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { poll } from '../harness/poll.js';

/** A TCP (or unix socket) audit receiver in this process, collecting the lines it gets. */
export interface LineReceiver {
  lines: string[];
  close(): Promise<void>;
}

/** Listens on `target` (a port on 127.0.0.1, or a unix socket path) and collects newline-terminated lines. */
export async function lineReceiver(target: number | string): Promise<LineReceiver & { port: number }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof target === 'string') server.listen(target, resolve);
    else server.listen(target, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    lines,
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A receiver in its own process, so a test can kill it the hard way (SIGKILL), as a crashed log
 * shipper dies. It prints "listening <port>" once ready and counts the lines it receives on stdout.
 */
export interface ProcessReceiver {
  port: number;
  linesReceived(): number;
  kill(): Promise<void>;
}

const RECEIVER_SCRIPT = `
const net = require('node:net');
const server = net.createServer((s) => s.on('data', (d) => { for (const b of d) if (b === 10) process.stdout.write('.'); }));
server.listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;

export async function processReceiver(port = 0): Promise<ProcessReceiver> {
  const child: ChildProcess = spawn(process.execPath, ['-e', RECEIVER_SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const listening = await poll(
    'receiver did not start',
    () => {
      if (child.exitCode !== null) throw new Error(`receiver exited with ${child.exitCode}`);
      return Number(/listening (\d+)/.exec(output)?.[1]) || undefined;
    },
    { intervalMs: 20 },
  );
  return {
    port: listening,
    linesReceived: () => (output.split('\n').slice(1).join('').match(/\./g) ?? []).length,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
