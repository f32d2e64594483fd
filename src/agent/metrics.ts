import { Counter, Registry } from 'prom-client';

/** The agent's Prometheus metrics, served at /agent/v1/metrics on its listeners. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly authAttempts = new Counter({ name: 'coffer_agent_auth_attempts_total', help: 'Logins tried, by auto_auth method.', labelNames: ['method'], registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'coffer_agent_auth_failures_total', help: 'Logins that failed, by auto_auth method.', labelNames: ['method'], registers: [this.registry] });
  readonly unwrapFailures = new Counter({
    name: 'coffer_agent_unwrap_failures_total',
    help: 'Wrapping tokens refused, by reason (already_used, expired, invalid, creation_path).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly templateRenders = new Counter({ name: 'coffer_agent_template_renders_total', help: 'Templates written because their text changed.', registers: [this.registry] });
  readonly templateErrors = new Counter({ name: 'coffer_agent_template_errors_total', help: 'Template renders that failed.', registers: [this.registry] });
  readonly cacheHits = new Counter({ name: 'coffer_agent_cache_hits_total', help: 'Proxied requests answered from the cache.', registers: [this.registry] });
  readonly cacheMisses = new Counter({ name: 'coffer_agent_cache_misses_total', help: 'Cacheable proxied requests sent to the server.', registers: [this.registry] });
  readonly proxied = new Counter({ name: 'coffer_agent_proxy_requests_total', help: 'Requests forwarded to the server.', registers: [this.registry] });
}
