/** Entry point of the workflow bundle: every workflow type the flow worker runs. */
export { callFlow } from './call-flow';
export { warmPrompts, previewPrompt } from './prompts';
export { enforceRetention } from './retention';
export { whatIfReplay } from './what-if';
export { flowWorkerWarmUp } from './warm-up';
