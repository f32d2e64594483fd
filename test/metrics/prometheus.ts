import { api } from '../harness/http.js';

/** The value of one series in a Prometheus text exposition (labels must match exactly), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** sys/metrics?format=prometheus as `token`: the exposition text (throws on anything but 200). */
export async function scrape(address: string, token: string): Promise<string> {
  const res = await api(address, 'GET', 'sys/metrics?format=prometheus', { token });
  if (res.status !== 200) throw new Error(`sys/metrics answered ${res.status}: ${res.text}`);
  return res.text;
}
