/** Privacy requests about one caller: `/api/privacy/*`. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';

/** What an erasure deleted. */
export interface ErasureReport {
  calls: number;
  events: number;
  recordings: number;
  telnyxEvents: number;
  workflowsTerminated: number;
  workflowsDeleted: number;
  callerHash: string;
}

/** Erases everything about a caller; every list of calls is refetched after. */
export function useEraseCaller() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (number: string) => apiRequest<ErasureReport>('POST', '/api/privacy/erase', { number }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
