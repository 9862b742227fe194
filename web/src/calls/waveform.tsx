import { useEffect, useRef, useState } from 'react';

const HEIGHT = 64;

/**
 * A recording's waveform (peaks per pixel column, drawn from the decoded WAV) above its player;
 * clicking the waveform seeks, and the played part is coloured.
 */
export function RecordingPlayer({ src, label }: { src: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const [peaks, setPeaks] = useState<Float32Array | null>(null);
  const [failed, setFailed] = useState(false);
  const [progress, setProgress] = useState(0);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const bytes = await (await fetch(src)).arrayBuffer();
        const context = new OfflineAudioContext(1, 1, 8000);
        const buffer = await context.decodeAudioData(bytes);
        // A call recording is stereo (caller left, system right): the waveform shows both.
        const channels = Array.from({ length: buffer.numberOfChannels }, (_, index) => buffer.getChannelData(index));
        const samples = channels.length === 1 ? (channels[0] as Float32Array) : channels[0]!.map((value, i) => Math.max(Math.abs(value), ...channels.slice(1).map((c) => Math.abs(c[i] ?? 0))));
        const columns = 600;
        const step = Math.max(1, Math.floor(samples.length / columns));
        const result = new Float32Array(columns);
        for (let column = 0; column < columns; column++) {
          let peak = 0;
          for (let i = column * step; i < Math.min(samples.length, (column + 1) * step); i++) peak = Math.max(peak, Math.abs(samples[i] ?? 0));
          result[column] = peak;
        }
        if (!cancelled) setPeaks(result);
      } catch {
        if (!cancelled) setFailed(true);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [src]);

  useEffect(() => {
    const element = canvas.current;
    if (!element || !peaks) return;
    const ratio = window.devicePixelRatio || 1;
    const width = element.clientWidth;
    element.width = width * ratio;
    element.height = HEIGHT * ratio;
    const draw = element.getContext('2d');
    if (!draw) return;
    draw.scale(ratio, ratio);
    draw.clearRect(0, 0, width, HEIGHT);
    const loudest = Math.max(0.05, ...peaks);
    const bar = width / peaks.length;
    peaks.forEach((peak, column) => {
      const height = Math.max(1, (peak / loudest) * (HEIGHT - 4));
      draw.fillStyle = column / peaks.length <= progress ? '#4f46e5' : '#c7cbe0';
      draw.fillRect(column * bar, (HEIGHT - height) / 2, Math.max(1, bar - 0.5), height);
    });
  }, [peaks, progress]);

  return (
    <div className="recording">
      {failed ? (
        <p className="muted">The waveform could not be drawn.</p>
      ) : (
        <canvas
          ref={canvas}
          className="recording__waveform"
          height={HEIGHT}
          aria-label={`Waveform of ${label}`}
          role="img"
          onClick={(event) => {
            const player = audio.current;
            if (!player || !Number.isFinite(player.duration)) return;
            const box = event.currentTarget.getBoundingClientRect();
            player.currentTime = ((event.clientX - box.left) / box.width) * player.duration;
          }}
        />
      )}
      <audio
        ref={audio}
        controls
        preload="metadata"
        src={src}
        aria-label={label}
        onTimeUpdate={(event) => {
          const player = event.currentTarget;
          if (Number.isFinite(player.duration) && player.duration > 0) setProgress(player.currentTime / player.duration);
        }}
      />
    </div>
  );
}
