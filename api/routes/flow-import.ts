/**
 * POST /api/flows/import: a flow from another product (Twilio Studio) becomes a new draft, with a
 * report of what was converted, folded, left out or replaced by a placeholder. Nothing is
 * published: placeholders fail validation, so the builder replaces them first.
 */
import { Router } from 'express';
import { z } from 'zod';
import { importTwilioStudioFlow, MAX_FLOW_CHARACTERS, StudioImportError, validateFlow, type flowGraphSchema } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { flows } from '../../db/schema';
import { audit } from '../audit';
import { currentCaller } from '../auth/context';
import { HttpError, parse } from '../errors';

export const importFlowBody = z.object({
  /** What the definition is; only Twilio Studio for now. */
  source: z.literal('twilio-studio', { message: "The source is 'twilio-studio'" }).default('twilio-studio'),
  /** The new flow's name; else the Studio flow's friendly_name or description. */
  name: z.string().trim().min(1, 'Name the flow').max(120).optional(),
  /** The Studio flow definition as exported (`states`, `initial_state`, …), or Studio's Flow resource holding it in `definition`. */
  definition: z.looseObject({}, { message: 'Send the Studio flow definition (a JSON object with states and initial_state)' }),
});

export function flowImportRoutes(db: Database, workspaceId: () => string): Router {
  const router = Router();

  router.post('/flows/import', async (request, response) => {
    const body = parse(importFlowBody, request.body);
    let result;
    try {
      result = importTwilioStudioFlow(body.definition, body.name ? { name: body.name } : {});
    } catch (error) {
      if (!(error instanceof StudioImportError)) throw error;
      throw new HttpError(422, 'invalidStudioFlow', error.message, error.path ? [{ field: `definition.${error.path}`, message: error.message }] : undefined);
    }
    if (JSON.stringify([result.graph, result.layout]).length > MAX_FLOW_CHARACTERS) {
      throw new HttpError(413, 'tooLarge', `The imported flow is too large: graph and layout together are at most ${MAX_FLOW_CHARACTERS.toLocaleString('en-US')} characters as JSON`);
    }
    const [flow] = await db
      .insert(flows)
      .values({
        workspaceId: workspaceId(),
        name: result.name,
        draftGraph: result.graph as z.input<typeof flowGraphSchema>,
        draftLayout: result.layout,
      })
      .returning();
    if (!flow) throw new Error('the imported flow was not stored');
    const caller = currentCaller();
    await audit(db, {
      workspaceId: flow.workspaceId,
      actor: caller.actor,
      action: 'flow.import',
      target: flow.id,
      details: { source: body.source, widgets: result.report.widgets, converted: result.report.converted, placeholders: result.report.placeholders, skipped: result.report.skipped },
    });
    const validation = validateFlow(result.graph);
    response.status(201).json({ flow: { ...flow, draftProblems: validation.ok ? [] : validation.problems }, report: result.report });
  });

  return router;
}
