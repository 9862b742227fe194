/** The workspace's block / do-not-call list: `/api/do-not-call`. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DoNotCallEntry } from '../../../lib/contracts/api-responses';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';

export type { DoNotCallEntry } from '../../../lib/contracts/api-responses';

export function useDoNotCallList() {
  return useQuery({ queryKey: queryKeys.doNotCall, queryFn: () => apiRequest<DoNotCallEntry[]>('GET', '/api/do-not-call') });
}

export function useAddDoNotCall() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { phoneNumber: string; note?: string }) => apiRequest<DoNotCallEntry>('POST', '/api/do-not-call', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.doNotCall }),
  });
}

export function useRemoveDoNotCall() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>('DELETE', `/api/do-not-call/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.doNotCall }),
  });
}
