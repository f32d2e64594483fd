// node dist/bench/aead.js: ops/s of one seal + one open of a 256-byte value with 32 bytes of AAD,
// sodium-native XChaCha20-Poly1305 (the barrier's hot path) vs node:crypto's built-in ChaCha20-Poly1305.
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { open, seal } from '../src/crypto/aead.js';

const PLAINTEXT = randomBytes(256);
const AAD = Buffer.from('logical/0b6e1f2a/secret/data/app'); // a storage key, as the barrier binds it
const KEY = randomBytes(32);
const DURATION_MS = Number(process.env.BENCH_AEAD_MS ?? 1000);
const ROUNDS = 5;

/** sodium-native via src/crypto/aead.ts: 24-byte random nonce per seal. */
function sodiumRoundTrip(): void {
  const out = open(KEY, seal(KEY, PLAINTEXT, AAD), AAD);
  if (out.byteLength !== PLAINTEXT.byteLength) throw new Error('sodium round trip lost bytes');
}

/** node:crypto (OpenSSL) ChaCha20-Poly1305 with a 12-byte random nonce: the in-box alternative. */
function nodeRoundTrip(): void {
  const nonce = randomFillSync(Buffer.allocUnsafe(12));
  const cipher = createCipheriv('chacha20-poly1305', KEY, nonce, { authTagLength: 16 });
  cipher.setAAD(AAD, { plaintextLength: PLAINTEXT.byteLength });
  const ciphertext = Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]);
  const tag = cipher.getAuthTag();
  const decipher = createDecipheriv('chacha20-poly1305', KEY, nonce, { authTagLength: 16 });
  decipher.setAAD(AAD, { plaintextLength: ciphertext.byteLength });
  decipher.setAuthTag(tag);
  const out = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (out.byteLength !== PLAINTEXT.byteLength) throw new Error('node round trip lost bytes');
}

function opsPerSecond(fn: () => void): number {
  for (let i = 0; i < 10_000; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(DURATION_MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const candidates: [string, () => void][] = [
  ['sodium-native xchacha20-poly1305', sodiumRoundTrip],
  ['node:crypto chacha20-poly1305', nodeRoundTrip],
];
// Interleave rounds so a noisy neighbour slows both alike.
const samples = new Map<string, number[]>(candidates.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of candidates) samples.get(name)!.push(opsPerSecond(fn));
}
console.log(`seal+open of ${PLAINTEXT.byteLength} bytes, ${AAD.byteLength} bytes AAD, median of ${ROUNDS} x ${DURATION_MS} ms`);
const baseline = median(samples.get(candidates[1]![0])!);
for (const [name] of candidates) {
  const ops = median(samples.get(name)!);
  console.log(`${name.padEnd(36)} ${Math.round(ops).toLocaleString('en-US').padStart(12)} ops/s  (${(ops / baseline).toFixed(2)}x node:crypto)`);
}
