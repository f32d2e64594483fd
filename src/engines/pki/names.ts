import { domainToASCII } from 'node:url';

/** What of a role decides which names it may issue for (Vault's ValidateNames). */
export interface NamePolicy {
  allowed_domains: string[];
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_wildcard_certificates: boolean;
  allow_any_name: boolean;
  allow_localhost: boolean;
  enforce_hostnames: boolean;
  allow_token_display_name: boolean;
  cn_validations: string[];
}

const LABEL = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])';
/** Vault's hostnameRegex: labels of letters, digits and inner hyphens, an optional leading "*." and trailing ".". */
export const HOSTNAME = new RegExp(`^(\\*\\.)?(${LABEL}\\.)*${LABEL}\\.?$`);
/** RFC 6125 wildcards in the left-most label: "*", "*foo", "foo*", "f*o". */
const LEFT_WILD_LABEL = new RegExp(`^(\\*|\\*${LABEL}|${LABEL}\\*|${LABEL}\\*${LABEL})$`);

/** A shell-style glob where only "*" is special and matches anything, dots included (ryanuber/go-glob). */
export function globMatch(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subject === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!subject.startsWith(first)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = subject.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return subject.length - at >= last.length && subject.endsWith(last);
}

/** The name as IDNA ASCII ("" when it cannot be one), with the DNS length limits Go's idna profile checks. */
function toAscii(name: string): string {
  const ascii = /^[\x21-\x7e]*$/.test(name) ? name : domainToASCII(name);
  const labels = ascii.replace(/\.$/, '').split('.');
  if (ascii.length > 253 || labels.some((l) => l.length === 0 || l.length > 63)) return '';
  return ascii;
}

/** A name is a DNS name (and goes in the DNS SANs) when it reads as a hostname after IDNA. */
export function asDnsName(name: string): string | undefined {
  const ascii = toAscii(name);
  return ascii !== '' && HOSTNAME.test(ascii) ? ascii : undefined;
}

/**
 * The first of `names` the role does not allow, or '' when it allows all (Vault's ValidateNames):
 * wildcard rules, enforce_hostnames and allow_any_name first, then localhost, the token's display
 * name and allowed_domains with bare, subdomain and glob matching.
 */
export function firstDisallowed(policy: NamePolicy, names: string[], displayName = ''): string {
  for (const name of names) if (!allowed(policy, name, displayName)) return name;
  return '';
}

function allowed(policy: NamePolicy, name: string, displayName: string): boolean {
  let reduced = name;
  let emailDomain = name;
  let isEmail = false;
  let isWildcard = false;
  let wildcardLabel = '';
  if (reduced.includes('@')) {
    const parts = reduced.split('@');
    if (parts.length !== 2) return false;
    reduced = parts[1]!;
    emailDomain = parts[1]!;
    isEmail = true;
  }
  if (reduced.includes('*')) {
    isWildcard = true;
    if (!policy.allow_wildcard_certificates) return false;
    if ((reduced.match(/\*/g) ?? []).length > 1) return false;
    const dot = reduced.indexOf('.');
    if (dot < 0) {
      wildcardLabel = reduced;
      reduced = '';
    } else {
      wildcardLabel = reduced.slice(0, dot);
      reduced = reduced.slice(dot + 1);
      if (reduced.includes('*')) return false;
    }
  }
  if (isEmail && isWildcard) return false;
  if (policy.enforce_hostnames) {
    if (reduced !== '') {
      const ascii = toAscii(reduced);
      if (ascii === '' || !HOSTNAME.test(ascii)) return false;
    }
    if (isWildcard && !LEFT_WILD_LABEL.test(wildcardLabel)) return false;
  }
  if (policy.allow_any_name) return true;
  if (policy.allow_localhost) {
    if (reduced === 'localhost' || reduced === 'localdomain' || (isEmail && (emailDomain === 'localhost' || emailDomain === 'localdomain'))) return true;
    if (policy.allow_subdomains) {
      for (const base of ['localhost', 'localdomain']) if (reduced.endsWith(`.${base}`) || (isWildcard && reduced === base)) return true;
    }
  }
  if (policy.allow_token_display_name && displayName !== '') {
    if (name === displayName) return true;
    if (policy.allow_subdomains && (reduced.endsWith(`.${displayName}`) || (isWildcard && reduced === displayName))) return true;
  }
  for (const domain of policy.allowed_domains) {
    if (domain === '') continue;
    const lower = domain.toLowerCase();
    if (policy.allow_bare_domains && (name.toLowerCase() === lower || (isEmail && emailDomain.toLowerCase() === lower))) return true;
    if (policy.allow_subdomains && (reduced.toLowerCase().endsWith(`.${lower}`) || (isWildcard && reduced.toLowerCase() === lower))) return true;
    if (policy.allow_glob_domains && domain.includes('*') && globMatch(lower, name.toLowerCase())) return true;
  }
  return false;
}

/**
 * The common name check (Vault's ValidateCommonName): cn_validations "disabled" skips everything;
 * otherwise the name must pass the name rules and be of an allowed kind (email when it has "@",
 * hostname otherwise). Answers '' when allowed.
 */
export function commonNameDisallowed(policy: NamePolicy, cn: string, displayName = ''): string {
  if (policy.cn_validations.length === 1 && policy.cn_validations[0] === 'disabled') return '';
  if (firstDisallowed(policy, [cn], displayName) !== '') return cn;
  if (policy.cn_validations.length === 0) return '';
  const kind = cn.includes('@') ? 'email' : 'hostname';
  return policy.cn_validations.includes(kind) ? '' : cn;
}
