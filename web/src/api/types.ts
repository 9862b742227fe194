/**
 * Shapes of the API's answers, as the app reads them. Dates arrive as ISO strings. Those the API
 * declares as schemas (lib/contracts/api-responses.ts) are its types, re-exported here.
 */
export type {
  Call,
  CallDetail,
  CallEvent,
  CallHistoryPage,
  CallHistoryRow,
  CallRecording,
  CallStats,
  CallStatus,
  DraftGraph,
  DraftNode,
  Flow,
  FlowSummary,
  FlowVersion,
  FlowVersionSummary,
  Health,
  LiveCallSummary,
  LiveEventMessage,
  PhoneTrigger,
} from '../../../lib/contracts/api-responses';

/** Body of `POST /api/phone-triggers` and `PUT /api/phone-triggers/:id`. */
export interface PhoneTriggerInput {
  phoneNumber: string;
  flowId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}
