/**
 * The privacy worker: runs the retention activity (`applyRetention`) on the `privacy` queue. It
 * lives in the API process, which already holds what deleting call data needs: the database, the
 * blob store and a Temporal client. The `enforceRetention` workflow itself runs on the flow worker.
 */
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createPrivacyActivities } from '../activities/privacy/activities';
import type { Database } from '../db/client';
import type { BlobStore } from '../lib/blob-store';
import { PRIVACY_TASK_QUEUE } from '../lib/contracts/temporal';

export interface PrivacyWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  db: Database;
  blobs: BlobStore;
  client: Client;
  dataConverter?: WorkerOptions['dataConverter'];
}

export function createPrivacyWorker(options: PrivacyWorkerOptions): Promise<Worker> {
  const namespace = options.namespace ?? 'default';
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue ?? PRIVACY_TASK_QUEUE,
    activities: createPrivacyActivities({ db: options.db, blobs: options.blobs, temporal: options.client, namespace }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
