/** Calls: `/api/calls`. Lists refresh themselves while a call is still going. */
import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';
import type { Call, CallDetail } from './types';

const LIVE_REFRESH_MS = 2000;
const IDLE_REFRESH_MS = 10_000;

const isLive = (call: Call) => call.status === 'ringing' || call.status === 'active';

/** The latest calls, newest first; refreshed every 2 s while one is live, else every 10 s. */
export function useCalls() {
  return useQuery({
    queryKey: queryKeys.calls,
    queryFn: () => apiRequest<Call[]>('GET', '/api/calls?limit=100'),
    refetchInterval: (query) => (query.state.data?.some(isLive) ? LIVE_REFRESH_MS : IDLE_REFRESH_MS),
  });
}

/** One call with its events; refreshed while it is live. */
export function useCall(callId: string) {
  return useQuery({
    queryKey: queryKeys.call(callId),
    queryFn: () => apiRequest<CallDetail>('GET', `/api/calls/${encodeURIComponent(callId)}`),
    refetchInterval: (query) => (query.state.data && !isLive(query.state.data) ? false : LIVE_REFRESH_MS),
  });
}
