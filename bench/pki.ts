// PKI issuance: certificates issued per second by pki/issue/<role> (server-side key generation,
// signed by an intermediate, stored), for EC P-256 and RSA-2048, beside the ceiling measured in the
// same run: the same library (@peculiar/x509 on Node's WebCrypto) generating a key and signing a
// certificate in this process, with as many in flight, no HTTP, no storage.
// Alone: `node dist/bench/pki.js` (BENCH_DURATION, BENCH_CONNECTIONS as for npm run bench).
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import autocannon from 'autocannon';
import { startProcess } from './process.js';

x509.cryptoProvider.set(webcrypto as Crypto);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export interface PkiBenchRow {
  key: 'EC P-256' | 'RSA-2048';
  coffer: number;
  p99: number;
  non2xx: number;
  ceiling: number;
}

type Spec = { key: PkiBenchRow['key']; gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams };
const SPECS: Spec[] = [
  { key: 'EC P-256', gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
  { key: 'RSA-2048', gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
];

/** The ceiling: generate a key and sign a leaf with an EC P-256 CA key, `inFlight` at a time, for `seconds`. */
async function ceiling(spec: Spec, inFlight: number, seconds: number): Promise<number> {
  const caAlg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const ca = (await webcrypto.subtle.generateKey(caAlg, false, ['sign', 'verify'])) as CryptoKeyPair;
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const keys = (await webcrypto.subtle.generateKey(spec.gen, true, ['sign', 'verify'])) as CryptoKeyPair;
      await x509.X509CertificateGenerator.create({
        serialNumber: randomBytes(20).toString('hex').replace(/^./, '1'),
        subject: 'CN=bench.example.com',
        issuer: 'CN=Bench Intermediate',
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 3600_000),
        publicKey: keys.publicKey,
        signingKey: ca.privateKey,
        signingAlgorithm: caAlg,
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'bench.example.com' }]), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
      });
      await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((Date.now() - started) / 1000);
}

export async function benchPki(options: { connections?: number; duration?: number } = {}): Promise<{ rows: PkiBenchRow[]; connections: number; duration: number }> {
  const connections = Math.min(options.connections ?? 8, 8);
  const duration = options.duration ?? 10;
  const token = `root-${randomBytes(16).toString('hex')}`;
  const server = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${server.address}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? {} : ((await res.json()) as { data: Record<string, string> });
  };
  try {
    await call('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await call('sys/mounts/pki_int', { type: 'pki', config: { max_lease_ttl: '43800h' } });
    await call('pki/root/generate/internal', { common_name: 'Bench Root', key_type: 'ec', ttl: '87600h' });
    const csr = (await call('pki_int/intermediate/generate/internal', { common_name: 'Bench Intermediate', key_type: 'ec' })) as { data: { csr: string } };
    const signed = (await call('pki/root/sign-intermediate', { csr: csr.data.csr, common_name: 'Bench Intermediate', ttl: '43800h' })) as { data: { certificate: string } };
    await call('pki_int/intermediate/set-signed', { certificate: signed.data.certificate });
    await call('pki_int/roles/ec', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '1h' });
    await call('pki_int/roles/rsa', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'rsa', key_bits: 2048, max_ttl: '1h' });
    const rows: PkiBenchRow[] = [];
    for (const spec of SPECS) {
      const role = spec.key === 'EC P-256' ? 'ec' : 'rsa';
      const request = { method: 'POST' as const, headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ common_name: 'bench.example.com', ttl: '1h' }) };
      await autocannon({ url: `${server.address}/v1/pki_int/issue/${role}`, connections: 2, duration: 2, ...request }); // warm-up
      const result = await autocannon({ url: `${server.address}/v1/pki_int/issue/${role}`, connections, duration, ...request });
      rows.push({ key: spec.key, coffer: result.requests.total / duration, p99: result.latency.p99, non2xx: result.non2xx + result.errors, ceiling: await ceiling(spec, connections, duration) });
    }
    return { rows, connections, duration };
  } finally {
    server.child.kill('SIGTERM');
  }
}

export function printPkiBench({ rows, connections, duration }: Awaited<ReturnType<typeof benchPki>>): void {
  console.log(`\nPKI issue (pki_int/issue/<role>: key generated server-side, signed by an EC P-256 intermediate, stored), ${connections} in flight, ${duration} s`);
  console.log('key        coffer certs/s  p99 ms   ceiling (keygen+sign, same library)  ratio   non-2xx');
  for (const r of rows) {
    console.log(`${r.key.padEnd(10)} ${r.coffer.toFixed(1).padStart(14)} ${String(r.p99).padStart(7)} ${r.ceiling.toFixed(1).padStart(24)} ${(r.coffer / r.ceiling).toFixed(2).padStart(18)} ${String(r.non2xx).padStart(9)}`);
  }
}

/** bench/run.ts's one call: measure and print. */
export async function runPkiBench(options: { connections?: number; duration?: number } = {}): Promise<void> {
  printPkiBench(await benchPki(options));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runPkiBench({ connections: Number(process.env.BENCH_CONNECTIONS ?? 8), duration: Number(process.env.BENCH_DURATION ?? 10) });
}
