/** Flows, drafts and versions: queries and mutations over `/api/flows`. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlowLayout } from '@switchboard/flow-model';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';
import type { FlowImportResult } from '../../../lib/contracts/api-responses';
import type { DraftGraph, Flow, FlowSummary, FlowVersion, FlowVersionSummary } from './types';

export type { FlowImportResult, ImportReportLine } from '../../../lib/contracts/api-responses';

/** All flows, most recently changed first. */
export function useFlows() {
  return useQuery({ queryKey: queryKeys.flows, queryFn: () => apiRequest<FlowSummary[]>('GET', '/api/flows') });
}

/** One flow with its draft. Not refetched in the background: the editor owns the draft once loaded. */
export function useFlow(flowId: string) {
  return useQuery({
    queryKey: queryKeys.flow(flowId),
    queryFn: () => apiRequest<Flow>('GET', `/api/flows/${encodeURIComponent(flowId)}`),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

/** Published versions of a flow, newest first. */
export function useFlowVersions(flowId: string) {
  return useQuery({
    queryKey: queryKeys.versions(flowId),
    queryFn: () => apiRequest<FlowVersionSummary[]>('GET', `/api/flows/${encodeURIComponent(flowId)}/versions`),
  });
}

/** Fetches one published version (graph and layout). */
export function fetchFlowVersion(flowId: string, version: number): Promise<FlowVersion> {
  return apiRequest<FlowVersion>('GET', `/api/flows/${encodeURIComponent(flowId)}/versions/${version}`);
}

/** One published version; disabled while `version` is undefined. */
export function useFlowVersion(flowId: string, version: number | undefined) {
  return useQuery({
    queryKey: queryKeys.version(flowId, version ?? 0),
    queryFn: () => fetchFlowVersion(flowId, version as number),
    enabled: version !== undefined,
    staleTime: Infinity,
  });
}

/** Creates a flow; resolves with the new flow. */
export function useCreateFlow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; graph?: DraftGraph; layout?: FlowLayout }) => apiRequest<Flow>('POST', '/api/flows', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.flows }),
  });
}

/** Saves a draft. Used by the editor's autosave. */
export function saveDraft(flowId: string, draft: { graph: DraftGraph; layout: FlowLayout; name: string }): Promise<Flow> {
  return apiRequest<Flow>('PUT', `/api/flows/${encodeURIComponent(flowId)}/draft`, draft);
}

/** Publishes the saved draft as the next version; a 422 carries the problems in `details`. */
export function publishFlow(flowId: string, note: string): Promise<FlowVersion> {
  return apiRequest<FlowVersion>('POST', `/api/flows/${encodeURIComponent(flowId)}/versions`, note.trim() ? { note: note.trim() } : {});
}

/** Imports a Twilio Studio flow definition as a new draft. */
export function useImportFlow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { definition: unknown; name?: string }) => apiRequest<FlowImportResult>('POST', '/api/flows/import', { source: 'twilio-studio', ...input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.flows }),
  });
}
