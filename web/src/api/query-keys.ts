/** Every react-query key the app uses, in one place so invalidation cannot miss one. */
export const queryKeys = {
  health: ['health'] as const,
  flows: ['flows'] as const,
  flow: (flowId: string) => ['flows', flowId] as const,
  versions: (flowId: string) => ['flows', flowId, 'versions'] as const,
  version: (flowId: string, version: number) => ['flows', flowId, 'versions', version] as const,
  phoneTriggers: ['phone-triggers'] as const,
  doNotCall: ['do-not-call'] as const,
  telnyxCredentials: ['telnyx', 'credentials'] as const,
  telnyxAccount: ['telnyx', 'account'] as const,
  calls: ['calls'] as const,
  call: (callId: string) => ['calls', callId] as const,
  activeCalls: ['active-calls'] as const,
  recentCalls: ['recent-calls'] as const,
  callHistory: (params: string) => ['call-history', params] as const,
  callStats: (params: string) => ['call-stats', params] as const,
};
