/**
 * Local fake of OpenAI's audio endpoints (`Authorization: Bearer <key>`): `POST /v1/audio/speech`
 * answers a 24 kHz PCM tone, `POST /v1/audio/transcriptions` the canned transcript when the
 * multipart body carries a WAV file.
 */
import { type FakeServer, type FakeServerOptions, pcmBytes, sine, startHttpFake, streamBytes } from './fake-server.js';

/** Length of the generated speech (a 440 Hz tone at 24 kHz). */
export const FAKE_OPENAI_AUDIO_MS = 500;

/** Starts the fake on 127.0.0.1; its `url` + `/v1` is the client's base URL. */
export function startFakeOpenAi(options: Partial<FakeServerOptions> = {}): Promise<FakeServer> {
  let server: FakeServer | undefined;
  const promise = startHttpFake(
    options,
    (req, apiKey) => req.headers.authorization === `Bearer ${apiKey}`,
    async (_req, res, record, body, current) => {
      if (record.path === '/v1/audio/speech') {
        await streamBytes(res, pcmBytes(sine(24_000, current.audioMs || FAKE_OPENAI_AUDIO_MS)), 'audio/pcm', record.behavior, {
          firstChunkDelayMs: current.firstChunkDelayMs,
          chunkDelayMs: current.chunkDelayMs,
          chunkBytes: 4_800,
        });
        return;
      }
      if (record.path === '/v1/audio/transcriptions') {
        if (record.behavior === 'disconnect') {
          res.socket?.destroy();
          return;
        }
        if (!body.includes('RIFF') || !body.includes('WAVE')) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"no wav file"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: server?.options.transcript ?? '' }));
        return;
      }
      res.writeHead(404).end();
    },
  );
  return promise.then((started) => (server = started));
}
