import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { workspaces } from '../../db/schema';
import { privateNetworkPolicy } from '../../activities/http/activities';
import { audit } from '../audit';
import { currentCaller, roleAtLeast } from '../auth/context';
import { HttpError, notFound, parse } from '../errors';
import { withoutSecrets } from '../telnyx/credentials';

export const workspaceBody = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  settings: z
    .object({
      /**
       * Whether httpRequest nodes may reach private and loopback addresses (e.g. services on this
       * network). Owners only, audited; the deployment may forbid it or narrow it to listed ranges
       * (SWITCHBOARD_PRIVATE_NETWORK).
       */
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
    const caller = currentCaller();
    const workspace = await load();
    // Only a change needs the owner (a form that sends the setting as it is stays open to builders).
    const network = changes.settings?.allowPrivateNetwork === (workspace.settings.allowPrivateNetwork === true) ? undefined : changes.settings?.allowPrivateNetwork;
    if (network !== undefined && !roleAtLeast(caller.role, 'owner')) {
      throw new HttpError(403, 'forbidden', `Only owners may change settings.allowPrivateNetwork (it lets HTTP request steps reach this network); you are a ${caller.role}`);
    }
    if (network === true && privateNetworkPolicy(process.env.SWITCHBOARD_PRIVATE_NETWORK).kind === 'never') {
      throw new HttpError(409, 'forbiddenByDeployment', 'This deployment forbids HTTP request steps to reach private addresses (SWITCHBOARD_PRIVATE_NETWORK=never)');
    }
    const [updated] = await db
      .update(workspaces)
      .set({ ...(changes.name ? { name: changes.name } : {}), settings: { ...workspace.settings, ...changes.settings } })
      .where(eq(workspaces.id, workspace.id))
      .returning();
    if (network !== undefined) {
      await audit(db, { workspaceId: workspace.id, actor: caller.actor, action: 'workspace.privateNetwork', target: workspace.id, details: { allowed: network } });
    }
    response.json(updated ? { ...updated, settings: withoutSecrets(updated.settings) } : updated);
  });
  return router;
}
