import { useEffect, useRef, useState } from 'react';
import { CSRF_HEADERS, noteStatus } from '../../api/client';

/** Plays a prompt as callers will hear it: the API has a media worker speak it (and cache it). */
export function PromptPreviewButton({ text, voice }: { text: string; voice?: string }) {
  const [state, setState] = useState<{ kind: 'idle' | 'loading' | 'playing' } | { kind: 'error'; message: string }>({ kind: 'idle' });
  const audio = useRef<HTMLAudioElement | null>(null);
  useEffect(() => () => audio.current?.pause(), []);
  const hasVariables = /\{\{/.test(text);

  async function preview() {
    audio.current?.pause();
    setState({ kind: 'loading' });
    try {
      const response = await fetch('/api/prompts/preview', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CSRF_HEADERS },
        body: JSON.stringify({ text, ...(voice ? { voice } : {}) }),
      });
      noteStatus(response.status);
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
        throw new Error(body.error?.message ?? `The preview failed (HTTP ${response.status})`);
      }
      const url = URL.createObjectURL(await response.blob());
      const player = new Audio(url);
      audio.current = player;
      player.onended = () => {
        URL.revokeObjectURL(url);
        setState({ kind: 'idle' });
      };
      setState({ kind: 'playing' });
      await player.play();
    } catch (error) {
      setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <div className="prompt-preview">
      <button type="button" className="button button--small" disabled={!text.trim() || state.kind === 'loading'} onClick={() => void preview()}>
        {state.kind === 'loading' ? 'Speaking…' : state.kind === 'playing' ? 'Playing…' : '▶ Preview'}
      </button>
      {hasVariables && state.kind !== 'error' && <span className="field__help prompt-preview__note"> Placeholders are read out as written.</span>}
      {state.kind === 'error' && (
        <span className="field__error prompt-preview__note" role="alert">
          {' '}
          {state.message}
        </span>
      )}
    </div>
  );
}
