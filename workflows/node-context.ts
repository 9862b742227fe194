/**
 * What a node handler gets (the call's context) and the helpers handlers share. Its own module so
 * node-handlers.ts and ai-agent.ts both import it without importing each other.
 * Workflow code: deterministic, no I/O.
 */
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import { renderTemplate, type RunnableNode } from '@switchboard/flow-model';
import type { MediaActivities } from '../activities/media/contract';
import type { HttpActivities } from '../activities/http/activities';
import type { LoadAgentCredentialsInput } from '../activities/calls/activities';
import type { CallEventType } from '../activities/calls/types';
import type { EndReason } from './definitions';

/** Ends the interpreter loop with a reason. */
export class CallEnded extends Error {
  constructor(readonly reason: EndReason) {
    super(reason);
  }
}

type NodeMedia = ActivityInterfaceFor<Omit<MediaActivities, 'attachMedia'>>;
type MediaCall = <T>(node: RunnableNode, run: (options: { taskQueue: string; summary: string }) => Promise<T>) => Promise<T>;

/** What a handler may use: the call's media, variables, events and settings. */
export interface NodeContext {
  callId: string;
  /** Runs a media activity on the worker that owns the call (moving the call if that worker is lost). */
  onMedia: MediaCall;
  media: NodeMedia;
  http: ActivityInterfaceFor<HttpActivities>['httpRequest'];
  /** Variables by path: `call.*`, `flow.*`, `<nodeId>.<output>`. */
  vars: Record<string, string>;
  emit(type: CallEventType, nodeId?: string, data?: Record<string, unknown>): void;
  flush(): void;
  allowPrivateNetwork: boolean;
  /** Ask the media worker to redact transcripts (only sent when on, so recorded histories replay unchanged). */
  redactTranscripts?: boolean;
  /** The call's workspace (AI agent steps open its connections' keys). */
  workspaceId?: string;
  /** Reads the sealed keys of an AI agent step's connections (a flow worker activity). */
  loadAgentCredentials?: (input: LoadAgentCredentialsInput) => Promise<Record<string, string>>;
}

/** Renders a node's template; a missing variable renders empty and is recorded as an event. */
export function render(ctx: NodeContext, nodeId: string, field: string, template: string): string {
  const { text, missing } = renderTemplate(template, ctx.vars);
  if (missing.length > 0) ctx.emit('variableMissing', nodeId, { field, variables: missing });
  return text;
}

/** A node's own speech providers, passed to its media activity (the call's are the default). */
export const nodeProviders = (config: { ttsProvider?: string; sttProvider?: string }) => ({
  ...(config.ttsProvider ? { ttsProvider: config.ttsProvider } : {}),
  ...(config.sttProvider ? { sttProvider: config.sttProvider } : {}),
});
