/** How a session's pending work ends when the call or the session goes away. */

/** Why a pending `say()` or `nextDigit()` ended without a result. */
export type MediaSessionEndReason = 'callerLeft' | 'closed';

/**
 * Rejection of `say()` / `nextDigit()` when the caller left or the session closed (by `close()`,
 * `hangup()` or the server dropping the room) while they were pending.
 */
export class MediaSessionEndedError extends Error {
  override readonly name = 'MediaSessionEndedError';
  constructor(readonly reason: MediaSessionEndReason) {
    super(reason === 'callerLeft' ? 'the caller left the room' : 'the media session is closed');
  }
}
