/** The API's health, polled so the app can say when it has lost the server. */
import { useQuery } from '@tanstack/react-query';
import { ApiError } from './client';
import { queryKeys } from './query-keys';
import type { Health } from './types';

const HEALTH_POLL_MS = 10_000;

async function fetchHealth(): Promise<Health> {
  let response: Response;
  try {
    response = await fetch('/healthz', { headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('unreachable', 0, 'unreachable', 'The Switchboard API is not answering.');
  }
  if (response.status !== 200 && response.status !== 503) {
    throw new ApiError('unreachable', response.status, 'unreachable', 'The Switchboard API is not answering.');
  }
  try {
    return (await response.json()) as Health;
  } catch {
    throw new ApiError('unreachable', response.status, 'unreachable', 'The Switchboard API is not answering.');
  }
}

/** `/healthz`, every 10 s (and at once when the window regains focus). */
export function useHealth() {
  return useQuery({ queryKey: queryKeys.health, queryFn: fetchHealth, refetchInterval: HEALTH_POLL_MS, retry: false });
}
