import { api } from '../harness/http.js';

export { metricSample as sample } from '../harness/prometheus.js';

/** sys/metrics?format=prometheus as `token`: the exposition text (throws on anything but 200). */
export async function scrape(address: string, token: string): Promise<string> {
  const res = await api(address, 'GET', 'sys/metrics?format=prometheus', { token });
  if (res.status !== 200) throw new Error(`sys/metrics answered ${res.status}: ${res.text}`);
  return res.text;
}
