/** Calls: `/api/calls`, `/api/call-history`, `/api/call-stats`. Live pages also follow `/api/live`. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';
import type { Call, CallDetail, CallHistoryPage, CallHistoryRow, CallStats } from './types';

const LIVE_REFRESH_MS = 10_000;
const IDLE_REFRESH_MS = 30_000;

const isLive = (call: Pick<Call, 'status'>) => call.status === 'ringing' || call.status === 'active';

/** The latest calls, newest first (the live stream invalidates this list when calls start and end). */
export function useRecentCalls(limit = 10) {
  return useQuery({
    queryKey: queryKeys.recentCalls,
    queryFn: () => apiRequest<Call[]>('GET', `/api/calls?limit=${limit}`),
    refetchInterval: IDLE_REFRESH_MS,
  });
}

/** Calls ringing or in progress now. */
export function useActiveCalls() {
  return useQuery({
    queryKey: queryKeys.activeCalls,
    // Test calls from the builder are calls in progress too.
    queryFn: async () => (await apiRequest<CallHistoryPage>('GET', '/api/call-history?status=live&tests=include&limit=200')).calls,
    refetchInterval: IDLE_REFRESH_MS,
  });
}

/** One call with its events; live events are merged in by the live stream. */
export function useCall(callId: string) {
  return useQuery({
    queryKey: queryKeys.call(callId),
    queryFn: () => apiRequest<CallDetail>('GET', `/api/calls/${encodeURIComponent(callId)}`),
    // Events arrive over the live stream; the refresh picks up variables and recordings.
    refetchInterval: (query) => (query.state.data && !isLive(query.state.data) ? false : LIVE_REFRESH_MS),
  });
}

/** A page of call history; `params` is the query string (filters, limit, offset). */
export function useCallHistory(params: string) {
  return useQuery({
    queryKey: queryKeys.callHistory(params),
    queryFn: () => apiRequest<CallHistoryPage>('GET', `/api/call-history?${params}`),
    placeholderData: keepPreviousData,
  });
}

/** Statistics over calls; `params` is the query string (from, to, flowId). */
export function useCallStats(params: string) {
  return useQuery({
    queryKey: queryKeys.callStats(params),
    queryFn: () => apiRequest<CallStats>('GET', `/api/call-stats?${params}`),
    placeholderData: keepPreviousData,
  });
}

export type { CallHistoryRow };
