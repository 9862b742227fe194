export { defineNodeType, type NodeTypeDefinition, type NodeCategory, type SettingsUpgrade } from './define';
export { upgradeNode, upgradeGraph, upgradeSettings, currentNode, savedVersion } from './upgrade';
export {
  nodeTypes,
  isNodeType,
  greet,
  play,
  listen,
  menu,
  branch,
  setVariable,
  httpRequest,
  businessHours,
  transfer,
  recordVoicemail,
  aiAgent,
  hangup,
  placeholder,
  type NodeType,
  type NodeConfig,
} from './node-types/index';
export { BRANCH_OPERATORS, testCondition, type BranchOperator } from './node-types/branch';
export { isOpenAt, nextChange, isValidTimeZone, WEEKDAYS, type BusinessHoursConfig, type Weekday } from './node-types/business-hours';
export { TRANSFER_TARGET, MAX_TRANSFER_TARGETS } from './node-types/transfer';
export { AI_AGENT_FIXED_EXITS, AGENT_FIELD_TYPES, AGENT_CREDENTIALS, checkAgentField, type AgentField, type AgentFieldType } from './node-types/ai-agent';
export { DTMF_KEYS } from './node-types/shared';
export { parseTemplate, renderTemplate, CALL_VARIABLES, VARIABLE_NAME, type TemplateReference } from './template';
export { MENU_DIGITS } from './node-types/menu';
export {
  flowGraphSchema,
  flowLayoutSchema,
  flowNodeSchema,
  flowEdgeSchema,
  nodeIdSchema,
  MAX_FLOW_NODES,
  MAX_FLOW_EDGES,
  MAX_FLOW_CHARACTERS,
  nextNodeId,
  findNode,
  type FlowGraphInput,
  type FlowNodeInput,
  type FlowEdge,
  type FlowLayout,
  type RunnableFlow,
  type RunnableNode,
} from './graph';
export { validateFlow, definedVariables, type FlowProblem, type ValidationResult } from './validate';
export { salesSupportSample, appointmentAgentSample } from './samples';
export { matchSpokenOption, optionPhrases, words, type SpokenOption } from './speech-match';
export { staticPrompts, type StaticPrompt } from './prompts';
export {
  triggerSettings,
  TTS_PROVIDERS,
  STT_PROVIDERS,
  DEFAULT_RECORDING_CONSENT_PROMPT,
  callerChecksSchema,
  sipTrunkSettingsSchema,
  CALLER_CHECK_ACTIONS,
  ATTESTATION_LEVELS,
  type TriggerSettings,
  type CallerChecks,
  type CallerCheckAction,
  type AttestationLevel,
  type SipTrunkSettings,
} from './trigger-settings';
export {
  importTwilioStudioFlow,
  studioFlowSchema,
  studioImportInputSchema,
  StudioImportError,
  type StudioImportResult,
  type StudioImportLine,
  type StudioFlowDefinition,
} from './import/twilio-studio';
