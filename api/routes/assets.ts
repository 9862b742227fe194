import { createHash } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { assets, calls, recordings } from '../../db/schema';
import { assetKey, recordingKey, type BlobStore } from '../../lib/blob-store';
import { decodeWav, durationMs, encodeWav, InvalidAudioError, joinWavs } from '../../lib/wav';
import { HttpError, notFound, parse } from '../errors';

const uuid = z.uuid({ message: 'must be a UUID' });
const MAX_UPLOAD = '25mb';
export const recordingQuery = z.object({
  part: z.coerce.number().int().min(1, 'part: parts are numbered from 1').optional(),
});
export const uploadQuery = z.object({ name: z.string().trim().min(1, 'Name the audio file').max(120) });

/** Uploaded prompts (WAV) for `play` nodes, and call recordings. */
export function assetRoutes(db: Database, blobs: BlobStore, workspaceId: () => string): Router {
  const router = Router();

  async function loadAsset(id: string) {
    const [asset] = await db
      .select()
      .from(assets)
      .where(and(eq(assets.id, parse(uuid, id, 'params')), eq(assets.workspaceId, workspaceId())));
    if (!asset) throw notFound('Audio file');
    return asset;
  }

  const sendWav = (response: express.Response, bytes: Uint8Array, name: string) => {
    response.setHeader('content-type', 'audio/wav');
    response.setHeader('content-disposition', `inline; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav"`);
    response.end(Buffer.from(bytes));
  };

  /** Upload: the body is the WAV file; `?name=` names it. Stored as mono 16-bit PCM WAV. */
  router.post('/assets', express.raw({ type: () => true, limit: MAX_UPLOAD, inflate: false }), async (request, response) => {
    const { name } = parse(uploadQuery, request.query, 'query');
    const body = request.body as Buffer | undefined;
    if (!body || body.length === 0) throw new HttpError(400, 'invalidRequest', 'Send the WAV file as the request body');
    let audio;
    try {
      audio = decodeWav(new Uint8Array(body));
    } catch (error) {
      if (error instanceof InvalidAudioError) throw new HttpError(415, 'unsupportedAudio', error.message);
      throw error;
    }
    if (audio.samples.length === 0) throw new HttpError(415, 'unsupportedAudio', 'The WAV file has no audio');
    const wav = encodeWav(audio);
    const [row] = await db
      .insert(assets)
      .values({
        workspaceId: workspaceId(),
        name,
        sampleRate: audio.sampleRate,
        durationMs: durationMs(audio),
        sizeBytes: wav.length,
        sha256: createHash('sha256').update(wav).digest('hex'),
      })
      .returning();
    if (!row) throw new Error('asset insert returned nothing');
    await blobs.put(assetKey(row.id), wav);
    response.status(201).json(row);
  });

  router.get('/assets', async (_request, response) => {
    response.json(await db.select().from(assets).where(eq(assets.workspaceId, workspaceId())).orderBy(desc(assets.createdAt)));
  });

  router.get('/assets/:id', async (request, response) => {
    response.json(await loadAsset(request.params.id));
  });

  router.get('/assets/:id/audio', async (request, response) => {
    const asset = await loadAsset(request.params.id);
    const bytes = await blobs.get(assetKey(asset.id));
    if (!bytes) throw notFound('The audio of this file');
    sendWav(response, bytes, asset.name);
  });

  router.delete('/assets/:id', async (request, response) => {
    const asset = await loadAsset(request.params.id);
    await db.delete(assets).where(eq(assets.id, asset.id));
    await blobs.delete(assetKey(asset.id));
    response.status(204).end();
  });

  router.get('/recordings/:id/audio', async (request, response) => {
    const [recording] = await db
      .select()
      .from(recordings)
      .where(and(eq(recordings.id, request.params.id), eq(recordings.workspaceId, workspaceId())));
    if (!recording) throw notFound('Recording');
    const bytes = await blobs.get(recordingKey(recording.id));
    if (!bytes) throw notFound('The audio of this recording');
    sendWav(response, bytes, recording.id);
  });

  /**
   * The call's recording (both sides, stereo: caller left, system right): its parts (one per media
   * worker that held the call) joined in order, or one part with `?part=N`.
   */
  router.get('/calls/:callId/recording', async (request, response) => {
    const { part } = parse(recordingQuery, request.query, 'query');
    const [call] = await db
      .select({ id: calls.id })
      .from(calls)
      .where(and(eq(calls.id, request.params.callId), eq(calls.workspaceId, workspaceId())));
    if (!call) throw notFound('Call');
    const parts = await db
      .select({ id: recordings.id })
      .from(recordings)
      .where(and(eq(recordings.callId, call.id), eq(recordings.kind, 'call')))
      .orderBy(asc(recordings.createdAt), asc(recordings.id));
    if (parts.length === 0) throw notFound('A recording of this call');
    if (part !== undefined && part > parts.length) throw new HttpError(404, 'notFound', `part: the recording has ${parts.length} part(s)`);
    const chosen = part === undefined ? parts : [parts[part - 1] as { id: string }];
    // A part's worker may have died before its first save: what exists is served.
    const stored = (await Promise.all(chosen.map((row) => blobs.get(recordingKey(row.id))))).filter((bytes): bytes is Uint8Array => bytes !== undefined);
    if (stored.length === 0) throw notFound('The audio of this recording');
    sendWav(response, stored.length === 1 ? (stored[0] as Uint8Array) : joinWavs(stored), `${call.id}-recording${part ? `-${part}` : ''}`);
  });

  return router;
}
