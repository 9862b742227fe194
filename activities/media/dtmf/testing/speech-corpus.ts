/**
 * Speech for talk-off tests: espeak-ng reads prepared texts in several voices and speeds, and the
 * result goes through a phone line (8 kHz, G.711 µ-law) at a talker level in dBm0.
 */
import { EspeakTts } from '../../espeak-tts.js';
import { g711RoundTrip } from '../../audio/g711.js';
import { resample } from '../../audio/resample.js';
import type { PcmAudio } from '../../types.js';
import { DBM0_POWER } from '../levels.js';
import { meanPower } from './noise.js';

/** Texts by espeak-ng language; a voice reads the text of its language (before any `+variant`). */
export const TALK_OFF_TEXTS: Readonly<Record<string, string>> = {
  en: [
    'Thank you for calling. Your call may be recorded for quality and training purposes.',
    'Our offices are open Monday to Friday from eight in the morning until six in the evening.',
    'If you are calling about an existing order, please have your order number ready.',
    'Hello, this is Margaret from accounts. I am returning your call about the invoice from March.',
    'The weather was lovely, so we walked along the river, had lunch at a small cafe and talked for hours.',
    'Could you check whether the replacement part has shipped? The technician said it would arrive by Thursday.',
    'Sixty-seven thousand, four hundred and twelve. Nine, eight, seven, six, five, four, three, two, one, zero.',
  ].join(' '),
  de: [
    'Vielen Dank für Ihren Anruf. Bitte haben Sie einen Moment Geduld, wir verbinden Sie gleich.',
    'Unser Kundendienst ist montags bis freitags von acht bis achtzehn Uhr für Sie erreichbar.',
    'Guten Tag, hier spricht Herr Weber. Ich rufe wegen der Lieferung von letzter Woche an.',
    'Am Wochenende waren wir in den Bergen wandern, und abends haben wir gemeinsam gekocht.',
    'Eins, zwei, drei, vier, fünf, sechs, sieben, acht, neun, null. Die Nummer lautet vier zwei sieben.',
  ].join(' '),
  fr: [
    'Merci de votre appel. Toutes nos lignes sont occupées, veuillez patienter quelques instants.',
    'Nos bureaux sont ouverts du lundi au vendredi, de neuf heures à dix-sept heures.',
    'Bonjour, ici Madame Laurent. Je vous appelle au sujet de la facture du mois dernier.',
    'Nous avons passé la soirée au bord du lac à regarder le coucher du soleil en parlant de tout.',
    'Un, deux, trois, quatre, cinq, six, sept, huit, neuf, zéro. Le code est quatre-vingt-dix-sept.',
  ].join(' '),
  es: [
    'Gracias por llamar. Su llamada es muy importante para nosotros, por favor espere en línea.',
    'Buenos días, le habla Carmen del departamento de ventas. Le llamo por su pedido de ayer.',
    'El domingo fuimos al mercado, compramos fruta fresca y después comimos en casa de mis padres.',
    'Uno, dos, tres, cuatro, cinco, seis, siete, ocho, nueve, cero.',
  ].join(' '),
};

/** One synthesized utterance of the corpus. */
export interface TalkOffUtterance {
  /** Voice and speed, e.g. `en-us 140 wpm`. */
  label: string;
  /** 8 kHz phone audio. */
  audio: PcmAudio;
}

/** Options of {@link synthesizeTalkOffSpeech}. */
export interface TalkOffSpeechOptions {
  /** espeak-ng voices, with variants allowed (`en-us`, `en-gb+f3`, `de`, `fr+m3`…). */
  voices: readonly string[];
  speedsWpm: readonly number[];
  /** Level of the whole utterance (pauses included). Default -18 dBm0, a loud talker. */
  levelDbm0?: number;
  /** Default 8000 (phone). */
  sampleRate?: number;
  /** Pass the audio through G.711 µ-law (at 8 kHz only). Default true. */
  mulaw?: boolean;
}

/** Every voice reads its language's text at every speed. */
export async function synthesizeTalkOffSpeech(options: TalkOffSpeechOptions): Promise<TalkOffUtterance[]> {
  const { voices, speedsWpm, levelDbm0 = -18, sampleRate = 8_000, mulaw = true } = options;
  const utterances: TalkOffUtterance[] = [];
  for (const voice of voices) {
    const language = voice.split(/[-+]/)[0]!;
    const text = TALK_OFF_TEXTS[language];
    if (text === undefined) throw new Error(`no talk-off text for voice ${voice}`);
    for (const speedWpm of speedsWpm) {
      const spoken = await new EspeakTts({ voice, speedWpm }).synthesize(text);
      let audio = scaleToLevel(await resample(spoken, sampleRate), levelDbm0);
      if (mulaw && sampleRate === 8_000) audio = g711RoundTrip(audio, 'mulaw');
      utterances.push({ label: `${voice} ${speedWpm} wpm`, audio });
    }
  }
  return utterances;
}

/** Total duration of `utterances` in seconds. */
export function totalSeconds(utterances: readonly TalkOffUtterance[]): number {
  return utterances.reduce((sum, u) => sum + u.audio.samples.length / u.audio.sampleRate, 0);
}

function scaleToLevel(audio: PcmAudio, levelDbm0: number): PcmAudio {
  const gain = Math.sqrt((DBM0_POWER * 10 ** (levelDbm0 / 10)) / meanPower(audio.samples));
  const samples = audio.samples.map((s) => Math.max(-32_768, Math.min(32_767, Math.round(s * gain))));
  return { sampleRate: audio.sampleRate, samples };
}
