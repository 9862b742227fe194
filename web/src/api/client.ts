/**
 * The one way the app talks to the API: JSON over fetch, with every failure turned into an
 * {@link ApiError} that says what went wrong in words a builder can act on.
 */

/** Why a request failed. `unreachable` means no answer at all (API down, network gone). */
export type ApiErrorKind = 'unreachable' | 'http' | 'badResponse';

/** An API failure: the server's `{error:{code,message,details}}`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    /** HTTP status; 0 when the API did not answer. */
    readonly status: number,
    /** The server's error code (`invalidRequest`, `invalidFlow`, `notFound`…) or `unreachable`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True when retrying might help: the API did not answer or failed on its side. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === 'unreachable' || error.status >= 500);
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/**
 * Sent with every request: the API refuses cookie-authenticated changes without it (CSRF; another
 * site cannot add a custom header to a cross-site request).
 */
export const CSRF_HEADERS = { 'x-requested-with': 'switchboard' } as const;

/** Called when the API answers 401 (the session expired or was ended): the app goes to sign-in. */
let onUnauthenticated: (() => void) | undefined;
export function setUnauthenticatedHandler(handler: (() => void) | undefined): void {
  onUnauthenticated = handler;
}
/** For requests made without {@link apiRequest} (uploads, audio): reports a 401 like it does. */
export function noteStatus(status: number): void {
  if (status === 401) onUnauthenticated?.();
}

/** Sends one request; resolves with the parsed JSON body (undefined for 204). */
export async function apiRequest<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...CSRF_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(
      'unreachable',
      0,
      'unreachable',
      'The Switchboard API is not answering. Check that it is running (npm start); your changes in this tab are kept.',
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy in front of a stopped API answers with an HTML or text page.
    const kind = response.status >= 502 && response.status <= 504 ? 'unreachable' : 'badResponse';
    throw new ApiError(
      kind,
      response.status,
      kind === 'unreachable' ? 'unreachable' : 'badResponse',
      kind === 'unreachable'
        ? 'The Switchboard API is not answering. Check that it is running (npm start); your changes in this tab are kept.'
        : `The API answered ${response.status} with something that is not JSON.`,
    );
  }
  if (!response.ok) {
    const error = (json as ErrorBody | undefined)?.error;
    // The session is gone: sign in again (the sign-in routes themselves answer 401 for a wrong password).
    if (response.status === 401 && !path.startsWith('/api/auth/')) onUnauthenticated?.();
    throw new ApiError(
      'http',
      response.status,
      typeof error?.code === 'string' ? error.code : `http${response.status}`,
      typeof error?.message === 'string' ? error.message : `The API answered ${response.status}.`,
      error?.details,
    );
  }
  return json as T;
}

/** The message to show for any error thrown while talking to the API. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
