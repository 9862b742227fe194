import { useRef } from 'react';
import type { FlowProblem } from '@switchboard/flow-model';
import { useAudioAssets, useUploadAudio } from '../../api/assets';
import { errorMessage } from '../../api/client';
import { duration } from '../../lib/text';
import { describedBy, FieldFrame } from './field-frame';

/** Props of {@link AudioAssetField}. */
export interface AudioAssetFieldProps {
  id: string;
  label: string;
  help?: string;
  value: unknown;
  problems: readonly FlowProblem[];
  onChange(assetId: string | undefined): void;
}

/** Chooses an uploaded audio file, uploads a new WAV, and plays the chosen one back. */
export function AudioAssetField({ id, label, help, value, problems, onChange }: AudioAssetFieldProps) {
  const assets = useAudioAssets();
  const upload = useUploadAudio();
  const fileInput = useRef<HTMLInputElement>(null);
  const selected = typeof value === 'string' ? value : '';
  const known = assets.data?.some((asset) => asset.id === selected);
  return (
    <FieldFrame inputId={id} label={label} help={help} problems={problems} required>
      <div className="audio-field">
        <select
          id={id}
          className="input"
          value={selected}
          aria-invalid={problems.length > 0 || undefined}
          aria-describedby={describedBy(id, help, problems)}
          onChange={(event) => onChange(event.target.value || undefined)}
        >
          <option value="">{assets.isPending ? 'Loading audio files…' : 'Choose an audio file…'}</option>
          {selected && !known && !assets.isPending && <option value={selected}>Unknown file ({selected.slice(0, 8)}…)</option>}
          {assets.data?.map((asset) => (
            <option key={asset.id} value={asset.id}>
              {asset.name} ({duration(asset.durationMs)})
            </option>
          ))}
        </select>
        <button type="button" className="button button--small" onClick={() => fileInput.current?.click()} disabled={upload.isPending}>
          {upload.isPending ? 'Uploading…' : 'Upload WAV'}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".wav,audio/wav,audio/x-wav"
          hidden
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) upload.mutate(file, { onSuccess: (asset) => onChange(asset.id) });
          }}
        />
      </div>
      {assets.isError && <span className="field__error">Could not load the audio files: {errorMessage(assets.error)}</span>}
      {upload.isError && <span className="field__error">{errorMessage(upload.error)}</span>}
      {selected && known && <audio className="audio-field__preview" controls preload="none" src={`/api/assets/${encodeURIComponent(selected)}/audio`} />}
    </FieldFrame>
  );
}
