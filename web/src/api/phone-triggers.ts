/** Phone numbers and the flows they run: `/api/phone-triggers`. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';
import type { PhoneTrigger, PhoneTriggerInput } from './types';

/** Every phone trigger of the workspace. */
export function usePhoneTriggers() {
  return useQuery({ queryKey: queryKeys.phoneTriggers, queryFn: () => apiRequest<PhoneTrigger[]>('GET', '/api/phone-triggers') });
}

/** Creates (no id) or replaces (with id) a phone trigger. */
export function useSavePhoneTrigger() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: PhoneTriggerInput }) =>
      id
        ? apiRequest<PhoneTrigger>('PUT', `/api/phone-triggers/${encodeURIComponent(id)}`, input)
        : apiRequest<PhoneTrigger>('POST', '/api/phone-triggers', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.phoneTriggers }),
  });
}

/** Deletes a phone trigger. */
export function useDeletePhoneTrigger() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>('DELETE', `/api/phone-triggers/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.phoneTriggers }),
  });
}
