export { runAgent } from './agent.js';
