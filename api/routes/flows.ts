import { and, desc, eq, inArray, max } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { flowGraphSchema, flowLayoutSchema, MAX_FLOW_CHARACTERS, MAX_FLOW_EDGES, MAX_FLOW_NODES, nodeTypes, upgradeGraph, validateFlow, type RunnableFlow } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { assets, flows, flowVersions } from '../../db/schema';
import { HttpError, notFound, parse } from '../errors';

const uuid = z.uuid({ message: 'must be a UUID' });
// A draft may be unfinished: it is stored as given (as long as it is JSON of the right outline)
// and validated when published.
// Its size is capped like a published flow's, so a draft cannot make every later read slow.
const draftGraph = z.looseObject({
  start: z.string().max(64),
  nodes: z.array(z.looseObject({})).max(MAX_FLOW_NODES, `A flow has at most ${MAX_FLOW_NODES} nodes`),
  edges: z.array(z.looseObject({})).max(MAX_FLOW_EDGES, `A flow has at most ${MAX_FLOW_EDGES} connections`).default([]),
});
const withinFlowSize = (body: { graph?: unknown; layout?: unknown }) => JSON.stringify([body.graph ?? null, body.layout ?? null]).length <= MAX_FLOW_CHARACTERS;
const flowTooLarge = { message: `The flow is too large: graph and layout together are at most ${MAX_FLOW_CHARACTERS.toLocaleString('en-US')} characters as JSON`, path: ['graph'] };
export const createFlowBody = z
  .object({
    name: z.string().trim().min(1, 'Name the flow').max(120),
    graph: draftGraph.optional(),
    layout: flowLayoutSchema.optional(),
  })
  .refine(withinFlowSize, flowTooLarge);
export const draftBody = z
  .object({ graph: draftGraph, layout: flowLayoutSchema.optional(), name: z.string().trim().min(1).max(120).optional() })
  .refine(withinFlowSize, flowTooLarge);
export const publishBody = z.object({ note: z.string().trim().max(500).optional() });

const emptyGraph = { start: 'welcome', nodes: [{ id: 'welcome', type: 'hangup', config: { farewell: 'Hello, and goodbye.' } }], edges: [] };

export interface FlowRouteHooks {
  /** Awaited after a version is published (e.g. to cache its static prompts); must not throw. */
  onPublished?(version: { id: string; flowId: string; version: number; flow: RunnableFlow }): Promise<void>;
}

/** Play steps naming audio that is not in the workspace (another workspace's asset id included), as flow problems. */
export async function unknownAssets(db: Database, workspaceId: string, flow: RunnableFlow) {
  const assetIds = flow.nodes.flatMap((node) => (node.type === 'play' ? [node.config.assetId] : []));
  if (assetIds.length === 0) return [];
  const known = new Set((await db.select({ id: assets.id }).from(assets).where(and(inArray(assets.id, assetIds), eq(assets.workspaceId, workspaceId)))).map((row) => row.id));
  return flow.nodes
    .filter((node) => node.type === 'play' && !known.has(node.config.assetId))
    .map((node) => ({ code: 'unknownAsset' as const, nodeId: node.id, field: 'assetId', message: 'This audio file does not exist (any more) in this workspace' }));
}

export function flowRoutes(db: Database, workspaceId: () => string, hooks: FlowRouteHooks = {}): Router {
  const router = Router();

  async function loadFlow(flowId: string) {
    const [flow] = await db
      .select()
      .from(flows)
      .where(and(eq(flows.id, parse(uuid, flowId, 'params')), eq(flows.workspaceId, workspaceId())));
    if (!flow) throw notFound('Flow');
    return flow;
  }

  /** The node type declarations, as JSON Schema, for the canvas and API users. */
  router.get('/node-types', (_request, response) => {
    response.json(
      Object.values(nodeTypes).map((definition) => ({
        type: definition.type,
        version: definition.version,
        label: definition.label,
        help: definition.help,
        waitsForCaller: definition.waitsForCaller,
        terminal: definition.terminal,
        config: z.toJSONSchema(definition.config, { io: 'input', unrepresentable: 'any' }),
      })),
    );
  });

  router.post('/flows/validate', (request, response) => {
    const result = validateFlow(request.body?.graph ?? request.body);
    response.json(result.ok ? { ok: true, problems: [] } : result);
  });

  router.get('/flows', async (_request, response) => {
    const rows = await db
      .select({ id: flows.id, name: flows.name, createdAt: flows.createdAt, updatedAt: flows.updatedAt, latestVersion: max(flowVersions.version) })
      .from(flows)
      .leftJoin(flowVersions, eq(flowVersions.flowId, flows.id))
      .where(eq(flows.workspaceId, workspaceId()))
      .groupBy(flows.id)
      .orderBy(desc(flows.updatedAt));
    response.json(rows);
  });

  router.post('/flows', async (request, response) => {
    const body = parse(createFlowBody, request.body);
    const [flow] = await db
      .insert(flows)
      .values({
        workspaceId: workspaceId(),
        name: body.name,
        draftGraph: (body.graph ?? emptyGraph) as z.input<typeof flowGraphSchema>,
        draftLayout: body.layout ?? { nodes: {} },
      })
      .returning();
    response.status(201).json(flow);
  });

  router.get('/flows/:flowId', async (request, response) => {
    const flow = await loadFlow(request.params.flowId);
    const validation = validateFlow(flow.draftGraph);
    // Nodes saved by an older version of their type come back upgraded (the next save stores them so).
    response.json({ ...flow, draftGraph: upgradeGraph(flow.draftGraph), draftProblems: validation.ok ? [] : validation.problems });
  });

  router.put('/flows/:flowId/draft', async (request, response) => {
    const flow = await loadFlow(request.params.flowId);
    const body = parse(draftBody, request.body);
    const [updated] = await db
      .update(flows)
      .set({
        draftGraph: body.graph as z.input<typeof flowGraphSchema>,
        ...(body.layout ? { draftLayout: body.layout } : {}),
        ...(body.name ? { name: body.name } : {}),
        updatedAt: new Date(),
      })
      .where(eq(flows.id, flow.id))
      .returning();
    const validation = validateFlow(body.graph);
    response.json({ ...updated, draftProblems: validation.ok ? [] : validation.problems });
  });

  /** Publishes the draft as the next immutable version, or answers 422 with every problem. */
  router.post('/flows/:flowId/versions', async (request, response) => {
    const flow = await loadFlow(request.params.flowId);
    const body = parse(publishBody, request.body ?? {});
    const validation = validateFlow(flow.draftGraph);
    if (!validation.ok) {
      throw new HttpError(422, 'invalidFlow', `The flow has ${validation.problems.length} problem(s); fix them before publishing`, validation.problems);
    }
    const missing = await unknownAssets(db, flow.workspaceId, validation.flow);
    if (missing.length > 0) throw new HttpError(422, 'invalidFlow', `The flow has ${missing.length} problem(s); fix them before publishing`, missing);
    const version = await db.transaction(async (tx) => {
      const [latest] = await tx
        .select({ version: max(flowVersions.version) })
        .from(flowVersions)
        .where(eq(flowVersions.flowId, flow.id));
      const [row] = await tx
        .insert(flowVersions)
        .values({
          workspaceId: flow.workspaceId,
          flowId: flow.id,
          version: (latest?.version ?? 0) + 1,
          graph: validation.flow,
          layout: flow.draftLayout,
          note: body.note ?? null,
        })
        .returning();
      return row;
    });
    if (version) await hooks.onPublished?.({ id: version.id, flowId: flow.id, version: version.version, flow: validation.flow });
    response.status(201).json(version);
  });

  router.get('/flows/:flowId/versions', async (request, response) => {
    const flow = await loadFlow(request.params.flowId);
    const rows = await db
      .select({ id: flowVersions.id, version: flowVersions.version, note: flowVersions.note, publishedAt: flowVersions.publishedAt })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, flow.id))
      .orderBy(desc(flowVersions.version));
    response.json(rows);
  });

  router.get('/flows/:flowId/versions/:version', async (request, response) => {
    const flow = await loadFlow(request.params.flowId);
    const version = parse(z.coerce.number().int().positive(), request.params.version, 'params');
    const [row] = await db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.flowId, flow.id), eq(flowVersions.version, version)));
    if (!row) throw notFound(`Version ${version}`);
    response.json({ ...row, graph: upgradeGraph(row.graph) });
  });

  return router;
}
