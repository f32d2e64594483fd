import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../harness/server.js';

/** One YAML document of a manifest file. */
export interface Manifest {
  /** The file, relative to the repository root. */
  file: string;
  /** Its position in the file, from 0. */
  index: number;
  doc: KubernetesObject;
}

/** What every Kubernetes object has; the rest is checked by the schemas below. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The kinds the manifests may use: the kubernetes-models class that validates one, and its kubernetes-types type. */
const KINDS: Record<string, { model: new (data: never) => { validate(): void }; types: string; type: string; namespaced: boolean }> = {
  'v1 Namespace': { model: Namespace, types: 'core/v1', type: 'Namespace', namespaced: false },
  'v1 ServiceAccount': { model: ServiceAccount, types: 'core/v1', type: 'ServiceAccount', namespaced: true },
  'v1 ConfigMap': { model: ConfigMap, types: 'core/v1', type: 'ConfigMap', namespaced: true },
  'v1 Service': { model: Service, types: 'core/v1', type: 'Service', namespaced: true },
  'apps/v1 Deployment': { model: Deployment, types: 'apps/v1', type: 'Deployment', namespaced: true },
  'apps/v1 StatefulSet': { model: StatefulSet, types: 'apps/v1', type: 'StatefulSet', namespaced: true },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, types: 'policy/v1', type: 'PodDisruptionBudget', namespaced: true },
  'networking.k8s.io/v1 NetworkPolicy': { model: NetworkPolicy, types: 'networking/v1', type: 'NetworkPolicy', namespaced: true },
  'rbac.authorization.k8s.io/v1 ClusterRole': { model: ClusterRole, types: 'rbac/v1', type: 'ClusterRole', namespaced: false },
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': { model: ClusterRoleBinding, types: 'rbac/v1', type: 'ClusterRoleBinding', namespaced: false },
  'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration': {
    model: MutatingWebhookConfiguration,
    types: 'admissionregistration/v1',
    type: 'MutatingWebhookConfiguration',
    namespaced: false,
  },
};

function kindOf(doc: KubernetesObject) {
  const kind = KINDS[`${doc.apiVersion} ${doc.kind}`];
  if (!kind) throw new Error(`no schema for apiVersion ${doc.apiVersion} kind ${doc.kind} (add it to KINDS in test/deploy/kubernetes-manifests.ts)`);
  return kind;
}

/** Whether objects of this kind live in a namespace. */
export function isNamespaced(doc: KubernetesObject): boolean {
  return kindOf(doc).namespaced;
}

/** How a failure names a document: file, position and what it is. */
export function describeManifest(m: Manifest): string {
  return `${m.file} document ${m.index + 1} (${m.doc.kind} ${m.doc.metadata?.name})`;
}

/** Every *.yaml file under `dir` (relative to the repository root), recursively, in a stable order. */
export function yamlFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.yaml')) found.push(relative(REPO_ROOT, full));
    }
  };
  walk(join(REPO_ROOT, dir));
  return found;
}

/** The documents of a YAML text; a syntax error or warning, or a document that is not a mapping, throws. */
export function parseManifests(file: string, text: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${file} document ${index + 1}: ${problems.map((p) => p.message).join('; ')}`);
    const doc: unknown = document.toJS();
    if (doc === null) return; // an empty document (a trailing ---)
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file} document ${index + 1} is not a mapping`);
    manifests.push({ file, index, doc: doc as KubernetesObject });
  });
  return manifests;
}

/** Every document of every *.yaml file under `dir`. */
export function loadManifests(dir: string): Manifest[] {
  return yamlFiles(dir).flatMap((file) => parseManifests(file, readFileSync(join(REPO_ROOT, file), 'utf8')));
}

/**
 * Validates a document against Kubernetes' OpenAPI schema for its kind (kubernetes-models): types,
 * required fields, enums, formats. Throws, naming the document and the field. It does not refuse
 * unknown fields; `unknownFieldProblems` does.
 */
export function validateSchema(m: Manifest): void {
  const { model: Model } = kindOf(m.doc);
  try {
    new Model(m.doc as never).validate();
  } catch (err) {
    throw new Error(`${describeManifest(m)}: ${(err as Error).message}`);
  }
}

const TYPES_DIR = join(REPO_ROOT, 'node_modules/kubernetes-types');

// kubernetes-types 1.30.0 leaves `resources` and `scope` out of admissionregistration/v1
// RuleWithOperations (Kubernetes' schema has them, and kubernetes-models checks them), so a webhook
// rule would be refused for naming its resources. Put them back by interface merging.
const ADMISSION_TYPES = JSON.stringify(join(TYPES_DIR, 'admissionregistration/v1'));
const RULE_WITH_OPERATIONS_FIX = [
  `import type {} from ${ADMISSION_TYPES};`,
  `declare module ${ADMISSION_TYPES} {`,
  '  interface RuleWithOperations { resources?: Array<string>; scope?: string }',
  '}',
];

/**
 * Type-checks every document as an object literal of its kubernetes-types type, with the repo's
 * TypeScript: excess-property checks refuse any field the type does not have, at any depth (a
 * misspelled key is silently dropped by the API server, and kubernetes-models accepts it), and
 * wrong types are refused too. Answers one line per problem, naming the document; none when all pass.
 */
export function unknownFieldProblems(manifests: readonly Manifest[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-manifests-'));
  try {
    const file = join(dir, 'manifests.ts');
    const lines = [...RULE_WITH_OPERATIONS_FIX];
    const firstLines: { line: number; manifest: Manifest }[] = [];
    manifests.forEach((m, i) => {
      const { types, type } = kindOf(m.doc);
      firstLines.push({ line: lines.length, manifest: m });
      const literal = JSON.stringify(m.doc, null, 2).split('\n');
      lines.push(`export const d${i} = ${literal[0]}`, ...literal.slice(1, -1), `${literal.at(-1)} satisfies import(${JSON.stringify(join(TYPES_DIR, types))}).${type};`);
    });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      types: [],
    });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return message;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const owner = firstLines.filter((f) => f.line <= line).at(-1);
      const where = owner ? describeManifest(owner.manifest) : 'the generated header';
      return `${where}: ${message} (at ${lines[line]?.trim()})`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a label selector (matchLabels and matchExpressions, ANDed) selects these labels, as the API server decides it. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = labels[key];
    if (operator === 'In') return value !== undefined && values.includes(value);
    if (operator === 'NotIn') return value === undefined || !values.includes(value);
    if (operator === 'Exists') return value !== undefined;
    if (operator === 'DoesNotExist') return value === undefined;
    throw new Error(`unknown label selector operator ${operator}`);
  });
}
