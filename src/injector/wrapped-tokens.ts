import { CofferApiError, CofferConnectionError, type AuthSession, type CofferClient, type LoginMethod } from '../client/index.js';
import type { InjectionRequest } from './annotations.js';

/** Who a wrapping token is for: written into the pod token's metadata, so audit entries name the pod. */
export interface PodIdentity {
  namespace: string;
  /** The pod's name, or its generateName followed by `*` when the name is not chosen yet. */
  name: string;
  serviceAccount: string;
}

/** Why a wrapping token could not be had: the pod is refused with a message saying so. */
export class MintFailed extends Error {
  override readonly name = 'MintFailed';
  constructor(
    /** Metrics label: coffer_unavailable (unreachable, or an answer worth retrying: 5xx, 429), coffer_refused, not_wrapped. */
    readonly reason: 'coffer_unavailable' | 'coffer_refused' | 'not_wrapped',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates, per pod, a token for what its annotations allow, and hands back only a wrapping token
 * for it: the pod spec then holds a single-use secret that expires in `wrap-ttl`. The injector's
 * own identity is its client's token (VAULT_TOKEN) or, with a login method, a session logged in
 * when first needed and kept renewed; a failed login is tried again at the next pod.
 */
export class WrappedTokenMinter {
  private session: Promise<AuthSession> | undefined;

  constructor(
    private readonly client: CofferClient,
    private readonly login?: LoginMethod,
  ) {}

  async mint(pod: PodIdentity, request: InjectionRequest): Promise<{ token: string; accessor: string }> {
    try {
      await this.loggedIn();
      const answer = await this.client.tokens.create(
        {
          ...(request.policies ? { policies: request.policies } : {}),
          ...(request.tokenTtl ? { ttl: request.tokenTtl } : {}),
          display_name: `injector-${pod.namespace}-${pod.name}`.slice(0, 64),
          meta: { pod: pod.name, namespace: pod.namespace, service_account: pod.serviceAccount, issued_by: 'coffer-injector' },
        },
        { role: request.role, wrapTTL: request.wrapTtl },
      );
      const wrap = answer?.wrap_info;
      if (!wrap?.token) {
        // A server that ignored the wrap request answered the token itself: it must not reach a pod spec.
        const leaked = answer?.auth?.client_token;
        if (leaked) await this.client.tokens.revoke(leaked).catch(() => undefined);
        throw new MintFailed('not_wrapped', 'the server answered a token that was not wrapped (it was revoked)');
      }
      return { token: wrap.token, accessor: wrap.accessor };
    } catch (err) {
      throw asMintFailed(err);
    }
  }

  async close(): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    await session?.close();
  }

  private loggedIn(): Promise<unknown> {
    if (!this.login) return Promise.resolve();
    this.session ??= this.client.authenticate(this.login).catch((err: unknown) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }
}

function asMintFailed(err: unknown): MintFailed {
  if (err instanceof MintFailed) return err;
  if (err instanceof CofferConnectionError) return new MintFailed('coffer_unavailable', `Coffer is unreachable: ${err.message}`);
  if (err instanceof CofferApiError) {
    const why = `Coffer answered ${err.status}: ${err.errors.join('; ') || 'no reason given'}`;
    return new MintFailed(err.retryable ? 'coffer_unavailable' : 'coffer_refused', why);
  }
  return new MintFailed('coffer_unavailable', (err as Error).message);
}
