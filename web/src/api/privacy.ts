/** Privacy requests about one caller: `/api/privacy/*`. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CallerErasureReport } from '../../../lib/contracts/api-responses';
import { apiRequest } from './client';

/** Erases everything about a caller; every list of calls is refetched after. */
export function useEraseCaller() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (number: string) => apiRequest<CallerErasureReport>('POST', '/api/privacy/erase', { number }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
