export { NamespaceStore, ROOT_NAMESPACE, namespacePath, type NamespaceEntry } from './store.js';
