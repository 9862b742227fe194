import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { workspaces } from '../../db/schema';
import { notFound, parse } from '../errors';
import { withoutSecrets } from '../telnyx/credentials';

export const workspaceBody = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  settings: z
    .object({
      /** Whether httpRequest nodes may reach private and loopback addresses (e.g. services on this network). */
      allowPrivateNetwork: z.boolean().optional(),
    })
    .strict()
    .optional(),
});

/** The current workspace and its settings. */
export function workspaceRoutes(db: Database, workspaceId: () => string): Router {
  const router = Router();
  const load = async () => {
    const [workspace] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId()));
    if (!workspace) throw notFound('Workspace');
    return workspace;
  };
  router.get('/workspace', async (_request, response) => {
    const workspace = await load();
    response.json({ ...workspace, settings: withoutSecrets(workspace.settings) });
  });
  router.patch('/workspace', async (request, response) => {
    const changes = parse(workspaceBody, request.body);
    const workspace = await load();
    const [updated] = await db
      .update(workspaces)
      .set({ ...(changes.name ? { name: changes.name } : {}), settings: { ...workspace.settings, ...changes.settings } })
      .where(eq(workspaces.id, workspace.id))
      .returning();
    response.json(updated ? { ...updated, settings: withoutSecrets(updated.settings) } : updated);
  });
  return router;
}
