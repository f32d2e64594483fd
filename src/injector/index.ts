export { runInjector } from './injector.js';
