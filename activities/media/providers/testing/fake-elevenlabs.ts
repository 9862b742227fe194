/** Local fake of ElevenLabs' `POST /v1/text-to-speech/{voice}/stream` (key in `xi-api-key`). */
import { encodeG711 } from '../../audio/index.js';
import { type FakeServer, type FakeServerOptions, pcmBytes, sine, startHttpFake, streamBytes } from './fake-server.js';

/** Length of the generated answer (a 440 Hz tone). */
export const FAKE_ELEVENLABS_AUDIO_MS = 500;

/** Starts the fake on 127.0.0.1; `pcm_16000` and `ulaw_8000` answer audio, other formats 422. */
export function startFakeElevenLabs(options: Partial<FakeServerOptions> = {}): Promise<FakeServer> {
  return startHttpFake(
    options,
    (req, apiKey) => req.headers['xi-api-key'] === apiKey,
    async (_req, res, record, _body, current) => {
      const format = record.query.output_format;
      if (!/^\/v1\/text-to-speech\/[^/]+\/stream$/.test(record.path) || (format !== 'pcm_16000' && format !== 'ulaw_8000')) {
        res.writeHead(422, { 'content-type': 'application/json' }).end('{"detail":"unsupported"}');
        return;
      }
      const rate = format === 'pcm_16000' ? 16_000 : 8_000;
      const samples = sine(rate, current.audioMs || FAKE_ELEVENLABS_AUDIO_MS);
      const bytes = format === 'pcm_16000' ? pcmBytes(samples) : encodeG711(samples, 'mulaw');
      // 100 ms of audio per chunk, as ElevenLabs streams it.
      await streamBytes(res, bytes, format === 'pcm_16000' ? 'audio/pcm' : 'audio/basic', record.behavior, {
        firstChunkDelayMs: current.firstChunkDelayMs,
        chunkDelayMs: current.chunkDelayMs,
        chunkBytes: rate === 16_000 ? 3_200 : 800,
      });
    },
  );
}
