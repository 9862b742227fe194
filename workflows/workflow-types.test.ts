/**
 * The API starts workflows by reference (`client.workflow.start(callFlow, …)`), and Temporal takes
 * the workflow type from the function's name. Workflow type names are stored in histories,
 * schedules and running workflows: renaming a function would orphan them. This pins the names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as workflows from './index';

test('every workflow type is exported under its function name, and the names stay as recorded', () => {
  for (const [exported, workflow] of Object.entries(workflows)) assert.equal(workflow.name, exported, `workflows/index.ts exports ${exported} but the function is named ${workflow.name}`);
  assert.deepEqual(Object.keys(workflows).sort(), ['callFlow', 'enforceRetention', 'flowWorkerWarmUp', 'previewPrompt', 'warmPrompts', 'whatIfReplay']);
});
