export { NamespaceStore, ROOT_NAMESPACE, namespacePath, requestNamespace, type NamespaceEntry } from './store.js';
