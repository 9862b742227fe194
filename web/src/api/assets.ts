/** Uploaded audio files for Play audio steps: `/api/assets`. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AudioAsset } from '../../../lib/contracts/api-responses';
import { ApiError, apiRequest, CSRF_HEADERS, noteStatus } from './client';

export type { AudioAsset } from '../../../lib/contracts/api-responses';

const key = ['assets'] as const;

/** Every audio file of the workspace, newest first. */
export function useAudioAssets() {
  return useQuery({ queryKey: key, queryFn: () => apiRequest<AudioAsset[]>('GET', '/api/assets') });
}

/** Uploads a WAV file; the server converts it to mono 16-bit PCM. */
export function useUploadAudio() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (file: File): Promise<AudioAsset> => {
      const name = file.name.replace(/\.wav$/i, '') || 'audio';
      let response: Response;
      try {
        response = await fetch(`/api/assets?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'audio/wav', ...CSRF_HEADERS }, body: file });
      } catch {
        throw new ApiError('unreachable', 0, 'unreachable', 'The Switchboard API is not answering; the file was not uploaded.');
      }
      noteStatus(response.status);
      const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | AudioAsset | undefined;
      if (!response.ok) {
        const error = body && 'error' in body ? body.error : undefined;
        throw new ApiError('http', response.status, error?.code ?? `http${response.status}`, error?.message ?? `Upload failed (${response.status}).`);
      }
      return body as AudioAsset;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
