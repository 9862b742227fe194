/** The current workspace and its settings: `/api/workspace`. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';
import type { Workspace } from '../../../lib/contracts/api-responses';

export type { Workspace } from '../../../lib/contracts/api-responses';

export function useWorkspace() {
  return useQuery({ queryKey: queryKeys.workspace, queryFn: () => apiRequest<Workspace>('GET', '/api/workspace') });
}

/** Changes some settings (the others stay). */
export function useUpdateWorkspaceSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (settings: Partial<Workspace['settings']>) => apiRequest<Workspace>('PATCH', '/api/workspace', { settings }),
    onSuccess: (workspace) => queryClient.setQueryData(queryKeys.workspace, workspace),
  });
}

/** Sets how many days call data is kept (null: for good); owners only: `PUT /api/privacy/retention`. */
export function useSetRetention() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (retentionDays: number | null) => apiRequest<Workspace>('PUT', '/api/privacy/retention', { retentionDays }),
    onSuccess: (workspace) => queryClient.setQueryData(queryKeys.workspace, workspace),
  });
}
