import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OPERATIONS } from '../../src/framework/types.js';
import { ACL } from '../../src/core/policy/acl.js';
import type { Capability, PathRule, Policy } from '../../src/core/policy/parse.js';

// A reference model written from the rules in Vault's policy documentation, independent of acl.ts:
// "*" at the end is a prefix glob, "+" stands for one path segment, an exact rule beats every
// other, and among the rest P1 has lower priority than P2 when, in this order: its first "+" or
// "*" comes earlier; it ends in "*" and P2 does not; it has more "+" segments; it is shorter; it
// is lexicographically smaller.

const isGlob = (p: string) => p.endsWith('*');
const plusSegments = (p: string) => p.split('/').filter((s) => s === '+').length;
const isExact = (p: string) => !isGlob(p) && plusSegments(p) === 0;
const firstWildcard = (p: string) => Math.min(...['+', '*'].map((c) => (p.includes(c) ? p.indexOf(c) : Infinity)));

function modelMatches(pattern: string, path: string): boolean {
  const stem = isGlob(pattern) ? pattern.slice(0, -1) : pattern;
  const body = stem
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}${isGlob(pattern) ? '[\\s\\S]*' : ''}$`).test(path);
}

function modelLowerPriority(p1: string, p2: string): boolean {
  if (firstWildcard(p1) !== firstWildcard(p2)) return firstWildcard(p1) < firstWildcard(p2);
  if (isGlob(p1) !== isGlob(p2)) return isGlob(p1);
  if (plusSegments(p1) !== plusSegments(p2)) return plusSegments(p1) > plusSegments(p2);
  if (p1.length !== p2.length) return p1.length < p2.length;
  return p1 < p2;
}

/** The pattern whose rules govern path, by the documented rules; undefined when none matches. */
function modelWinner(patterns: string[], path: string): string | undefined {
  const matching = [...new Set(patterns)].filter((p) => modelMatches(p, path));
  const exact = matching.find(isExact);
  if (exact !== undefined) return exact;
  return matching.reduce<string | undefined>((best, p) => (best === undefined || modelLowerPriority(best, p) ? p : best), undefined);
}

/** Merged capabilities of every stanza naming pattern, as sys/capabilities would answer them. */
function modelCapabilities(rules: PathRule[], pattern: string | undefined): string[] {
  const caps = new Set(rules.filter((r) => r.pattern === pattern).flatMap((r) => r.capabilities));
  if (caps.has('deny') || caps.size === 0) return ['deny'];
  return [...caps].sort();
}

// --- generators -------------------------------------------------------------------------------

const GRANTS: Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];
// A small alphabet so that generated patterns and paths collide often.
const segment = fc.constantFrom('a', 'b', 'ab', 'ba');
const pathSegments = fc.array(segment, { minLength: 1, maxLength: 5 });
const grants = fc.subarray(GRANTS, { minLength: 1 });
const capabilities = fc.oneof({ weight: 4, arbitrary: grants }, { weight: 1, arbitrary: fc.constant<Capability[]>(['deny']) });

/** A pattern that matches the path made of segs: some segments become "+", or it ends in a glob. */
function patternMatching(segs: string[]): fc.Arbitrary<string> {
  const plus = fc.array(fc.boolean(), { minLength: segs.length, maxLength: segs.length });
  const whole = plus.map((flags) => segs.map((s, i) => (flags[i] ? '+' : s)).join('/'));
  const glob = fc
    .tuple(plus, fc.nat({ max: segs.length - 1 }), fc.nat({ max: 3 }))
    .map(([flags, cut, keep]) => {
      const head = segs.slice(0, cut).map((s, i) => (flags[i] ? '+' : s));
      const tail = segs[cut]!.slice(0, Math.min(keep, segs[cut]!.length));
      return [...head, `${tail}*`].join('/');
    });
  return fc.oneof(whole, glob);
}

/** Any pattern: one derived from some random path. */
const anyPattern = pathSegments.chain(patternMatching);

const rule = (pattern: string, caps: Capability[]): PathRule => ({ pattern, capabilities: caps.includes('deny') ? ['deny'] : caps });
const policy = (name: string, rules: PathRule[]): Policy => ({ name, raw: '', rules });

/** Deals rules round-robin into n policies. */
function dealInto(rules: PathRule[], n: number): Policy[] {
  return Array.from({ length: n }, (_, i) =>
    policy(
      `p${i}`,
      rules.filter((_, j) => j % n === i),
    ),
  );
}

/** A path, and rules whose patterns mostly match it (some are unrelated). */
const pathAndRules = pathSegments.chain((segs) =>
  fc.record({
    path: fc.constant(segs.join('/')),
    rules: fc.array(
      fc.tuple(fc.oneof({ weight: 3, arbitrary: patternMatching(segs) }, { weight: 1, arbitrary: anyPattern }), capabilities).map(([p, c]) => rule(p, c)),
      { minLength: 1, maxLength: 8 },
    ),
    policies: fc.integer({ min: 1, max: 3 }),
  }),
);

const RUNS = { numRuns: 300 };

describe('ACL properties', () => {
  it('(a) a "*"-suffixed glob matches exactly the paths that start with its prefix', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 6 }).filter((s) => !s.startsWith('/'));
    fc.assert(
      fc.property(
        text,
        text,
        fc.boolean(),
        (prefix, suffix, extend) => {
          const path = extend ? prefix + suffix : suffix;
          const acl = new ACL([policy('p', [rule(`${prefix}*`, ['read'])])]);
          assert.equal(acl.allowOperation(path, 'read').allowed, path.startsWith(prefix));
        },
      ),
      RUNS,
    );
  });

  it('(b) "+" matches exactly one path segment', () => {
    const patternSegments = fc.array(fc.oneof(segment, fc.constant('+')), { minLength: 1, maxLength: 5 }).filter((s) => s.includes('+'));
    fc.assert(
      fc.property(patternSegments, pathSegments, (pattern, segs) => {
        const acl = new ACL([policy('p', [rule(pattern.join('/'), ['read'])])]);
        const expected = pattern.length === segs.length && pattern.every((p, i) => p === '+' || p === segs[i]);
        assert.equal(acl.allowOperation(segs.join('/'), 'read').allowed, expected);
      }),
      RUNS,
    );
  });

  it('(b) "+" never spans two segments', () => {
    fc.assert(
      fc.property(pathSegments, segment, segment, (segs, x, y) => {
        const acl = new ACL([policy('p', [rule([...segs, '+'].join('/'), ['read'])])]);
        assert.equal(acl.allowOperation([...segs, x].join('/'), 'read').allowed, true);
        assert.equal(acl.allowOperation([...segs, x, y].join('/'), 'read').allowed, false);
      }),
      RUNS,
    );
  });

  it('(c) an exact rule beats every glob and + rule for its path', () => {
    fc.assert(
      fc.property(pathAndRules, grants, fc.nat(), ({ path, rules, policies }, exactCaps, at) => {
        const others = rules.filter((r) => !isExact(r.pattern));
        const all = [...others];
        all.splice(at % (all.length + 1), 0, rule(path, exactCaps));
        const acl = new ACL(dealInto(all, policies));
        assert.deepEqual(acl.capabilities(path), [...exactCaps].sort());
        for (const op of OPERATIONS) assert.equal(acl.allowOperation(path, op).allowed, exactCaps.includes(op), op);
      }),
      RUNS,
    );
  });

  it("(d) the governing rule is the documented priority's choice, whatever the policy order", () => {
    fc.assert(
      fc.property(pathAndRules, fc.integer(), ({ path, rules, policies }, seed) => {
        const expected = modelCapabilities(rules, modelWinner(rules.map((r) => r.pattern), path));
        const dealt = dealInto(rules, policies);
        assert.deepEqual(new ACL(dealt).capabilities(path), expected);
        assert.deepEqual(new ACL([...dealt].reverse()).capabilities(path), expected);
        const shuffled = dealInto(shuffle(rules, seed), policies);
        assert.deepEqual(new ACL(shuffled).capabilities(path), expected);
      }),
      RUNS,
    );
  });

  it('(d) the priority order is total: of two distinct matching patterns exactly one wins', () => {
    fc.assert(
      fc.property(
        pathSegments.chain((segs) => fc.tuple(fc.constant(segs.join('/')), patternMatching(segs), patternMatching(segs))),
        ([path, p1, p2]) => {
          fc.pre(p1 !== p2 && !isExact(p1) && !isExact(p2));
          for (const order of [
            [p1, p2],
            [p2, p1],
          ]) {
            const acl = new ACL([policy('a', [rule(order[0]!, ['read'])]), policy('b', [rule(order[1]!, ['list'])])]);
            const winner = modelLowerPriority(p1, p2) ? p2 : p1;
            assert.deepEqual(acl.capabilities(path), [winner === order[0] ? 'read' : 'list']);
          }
        },
      ),
      RUNS,
    );
  });

  it('(e) deny anywhere in the winning rule leaves no capability at all', () => {
    fc.assert(
      fc.property(pathAndRules, grants, fc.nat(), ({ path, rules, policies }, extra, at) => {
        const winner = modelWinner(
          rules.map((r) => r.pattern),
          path,
        );
        fc.pre(winner !== undefined);
        const all = [...rules];
        all.splice(at % (all.length + 1), 0, { pattern: winner!, capabilities: ['deny'] }, rule(winner!, extra));
        const acl = new ACL(dealInto(all, policies));
        assert.deepEqual(acl.capabilities(path), ['deny']);
        for (const op of OPERATIONS) {
          const result = acl.allowOperation(path, op);
          assert.equal(result.allowed, false);
          assert.equal(result.sudo, false);
        }
      }),
      RUNS,
    );
  });
});

/** A deterministic shuffle (Fisher-Yates driven by a seed) so failures replay. */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
