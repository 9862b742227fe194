/**
 * Provider failures in one shape, so wrappers decide retry or fallback on `kind`, never on a
 * vendor's error class. Messages name the provider and the reason; they never carry keys, text
 * to speak or transcripts.
 */

/** Why a provider call failed. */
export type ProviderErrorKind =
  /** 401/403: the key is wrong or lacks access; retrying cannot help. */
  | 'auth'
  /** 429: too many requests; retry after a pause. */
  | 'rateLimit'
  /** 5xx: the provider failed; retry. */
  | 'server'
  /** No answer within the time allowed; retry. */
  | 'timeout'
  /** Connection refused, reset or dropped mid-stream; retry. */
  | 'network'
  /** Other 4xx or an unreadable answer; retrying the same request cannot help. */
  | 'badRequest'
  /** The caller aborted; neither retried nor passed to another provider. */
  | 'aborted';

/** A provider call that failed; `kind` says whether trying again may help. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    /** Label of the provider that failed. */
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    /** Short reason, free of secrets and user content. */
    readonly reason: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(`${provider} failed: ${reason}`, { cause: options.cause });
    this.status = options.status;
  }

  /** HTTP status behind the failure, when there was one. */
  readonly status: number | undefined;

  /** True when the same request may succeed later (rate limit, server error, timeout, network). */
  get retryable(): boolean {
    return this.kind === 'rateLimit' || this.kind === 'server' || this.kind === 'timeout' || this.kind === 'network';
  }
}

/** Kind of failure an HTTP status stands for. */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rateLimit';
  if (status >= 500) return 'server';
  return 'badRequest';
}

/** The ProviderError for an HTTP status. */
export function statusError(provider: string, status: number, cause?: unknown): ProviderError {
  return new ProviderError(provider, kindOfStatus(status), `HTTP ${status}`, { status, cause });
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Turns any thrown value into a ProviderError: keeps ProviderErrors, reads `status` /
 * `statusCode` of SDK errors, recognizes aborts, timeouts and socket errors. Unknown errors count
 * as `network` (retryable) only when their message says so, else `badRequest`.
 */
export function toProviderError(provider: string, err: unknown, signal?: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal?.aborted) return new ProviderError(provider, 'aborted', 'aborted', { cause: err });
  const e = (err ?? {}) as { name?: string; status?: unknown; statusCode?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && status >= 400) return statusError(provider, status, err);
  const name = String(e.name ?? '');
  const message = String(e.message ?? '');
  if (name === 'AbortError') return new ProviderError(provider, 'aborted', 'aborted', { cause: err });
  if (/timeout|timed out/i.test(name) || /timeout|timed out/i.test(message)) {
    return new ProviderError(provider, 'timeout', 'timed out', { cause: err });
  }
  const code = String(e.code ?? (e.cause as { code?: unknown } | undefined)?.code ?? '');
  if (NETWORK_CODES.has(code) || /connection|socket|network|terminated|premature|fetch failed|ECONN/i.test(`${name} ${message}`)) {
    return new ProviderError(provider, 'network', `connection failed${code ? ` (${code})` : ''}`, { cause: err });
  }
  return new ProviderError(provider, 'badRequest', name && name !== 'Error' ? name : 'unexpected error', { cause: err });
}
