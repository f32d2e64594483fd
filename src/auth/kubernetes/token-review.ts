import { CofferError } from '../../framework/errors.js';
import { apiServerUrl, apiUrl } from './config.js';
import { OutboundFailure, sendOutbound } from './outbound-http.js';
import { loginRefused, parseServiceAccountUsername } from './service-account.js';

/** What the API server vouched for. */
export interface ReviewedAccount {
  namespace: string;
  name: string;
  uid: string;
  /** status.audiences: the audiences the token was found valid for. */
  audiences: string[];
}

export interface ReviewRequest {
  /** kubernetes_host as configured. */
  host: string;
  /** PEM CA bundle for https; undefined trusts the system's CAs. */
  caCert: string | undefined;
  /** Bearer credential for the TokenReview call. */
  reviewerToken: string;
  /** The JWT to review. */
  jwt: string;
  /** spec.audiences; omitted when empty (the API server then uses its own). */
  audiences: string[];
  timeoutMs: number;
}

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

/** The API server could not give an answer: Vault's 502 ("a third party responded with an error"). */
const upstreamFailure = (why: string) => new CofferError('upstream_failed', 'token review failed', { detail: why });

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: unknown;
  user?: { username?: unknown; uid?: unknown };
}

/**
 * Asks the API server whether a JWT is a live service-account token (POST TokenReview,
 * authentication.k8s.io/v1). 403 when the server says no or refuses the reviewer, 502 when it
 * cannot be reached, times out, or answers something that is not a TokenReview.
 */
export async function reviewToken(review: ReviewRequest): Promise<ReviewedAccount> {
  const base = apiServerUrl(review.host);
  if (!base) throw new CofferError('config_unusable', 'kubernetes_host is not usable; rewrite the config');
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: review.jwt, ...(review.audiences.length > 0 ? { audiences: review.audiences } : {}) },
  });
  let answer;
  try {
    answer = await sendOutbound({
      method: 'POST',
      url: apiUrl(base, TOKEN_REVIEW_PATH),
      headers: { Authorization: `Bearer ${review.reviewerToken}`, 'Content-Type': 'application/json' },
      body,
      ca: review.caCert,
      timeoutMs: review.timeoutMs,
    });
  } catch (err) {
    if (!(err instanceof OutboundFailure)) throw err;
    if (err.kind === 'timeout') throw upstreamFailure(`the Kubernetes API server at ${base.origin} did not answer within ${review.timeoutMs} ms`);
    if (err.kind === 'too-large') throw upstreamFailure(`the Kubernetes API server at ${base.origin} sent an oversized answer`);
    throw upstreamFailure(`could not reach the Kubernetes API server at ${base.origin} (${err.detail ?? err.kind})`);
  }

  if (answer.status === 401) {
    throw loginRefused('token review: the API server refused the reviewer credentials (HTTP 401); the service account may have been deleted or its token revoked');
  }
  if (answer.status === 403) throw loginRefused('token review: the reviewer may not create TokenReviews (HTTP 403); it needs system:auth-delegator');
  if (answer.status < 200 || answer.status > 299) throw upstreamFailure(`the Kubernetes API server answered HTTP ${answer.status}`);

  let status: TokenReviewStatus;
  try {
    const parsed = JSON.parse(answer.body) as { kind?: unknown; status?: unknown };
    if (parsed.kind !== 'TokenReview' || typeof parsed.status !== 'object' || parsed.status === null) throw new Error('not a TokenReview');
    status = parsed.status as TokenReviewStatus;
  } catch {
    throw upstreamFailure('the API server answer is not a TokenReview');
  }

  if (typeof status.error === 'string' && status.error !== '') throw loginRefused(`token review: ${status.error}`);
  if (status.authenticated !== true) throw loginRefused('token review: the service account JWT is not valid');
  const username = typeof status.user?.username === 'string' ? status.user.username : '';
  const account = parseServiceAccountUsername(username);
  if (!account) throw loginRefused('token review: the token does not belong to a service account');
  const uid = typeof status.user?.uid === 'string' ? status.user.uid : '';
  const audiences = Array.isArray(status.audiences) ? status.audiences.filter((a): a is string => typeof a === 'string') : [];
  return { ...account, uid, audiences };
}
