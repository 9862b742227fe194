/**
 * Where audio lives: uploaded prompts (`assets/<id>.wav`) and call recordings
 * (`recordings/<id>.wav`). A small interface, so a deployment can put them in object storage;
 * the default is a local folder shared by the API and the media workers.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

export interface BlobStore {
  put(key: string, data: Uint8Array): Promise<void>;
  /** The stored bytes, or undefined when there is nothing under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
  size(key: string): Promise<number | undefined>;
}

const KEY = /^[a-z]+\/[A-Za-z0-9_.-]+$/;

/** A folder on disk. Writes go to a temporary file first, so a reader never sees half a file. */
export class LocalBlobStore implements BlobStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  private path(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`Not a storage key: ${key}`);
    const full = join(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`Not a storage key: ${key}`);
    return full;
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(key))).size;
    } catch {
      return undefined;
    }
  }
}

export const assetKey = (assetId: string) => `assets/${assetId}.wav`;
export const recordingKey = (recordingId: string) => `recordings/${recordingId}.wav`;
