#!/usr/bin/python3
"""Recognizes one utterance with Debian's pocketsphinx (python3-pocketsphinx, pocketsphinx-en-us).

Started by pocketsphinx-stt.ts, one process per utterance (a spare is started ahead, so the
acoustic model is already loaded when speech comes). With --language-model it loads the free-speech
language model before it is ready too (~0.5 s; grammar utterances do not need it). It prints
{"type": "ready"} once loaded.

stdin carries messages, each a 1-byte kind, a 4-byte little-endian length and a payload:
  C  config (JSON): {"grammar": [phrases] | null, "interimMs": n}; must come first
  A  audio: 16 kHz mono signed 16-bit little-endian PCM
  P  peek (JSON): {"narrowband": bool, "quick": bool}; prints a "peek" result of the audio so
     far, decoded as the final result would be (with a grammar ~1 % of real time; free speech
     ~0.15 x), or for free speech with "quick", the live pass's result (~10 ms); goes on listening
  E  end (JSON): {"narrowband": bool}; the process prints the final result and exits
stdout carries JSON lines: ready, warning, interim {text}, peek {text, confidence, startMs, endMs},
final {text, confidence, startMs, endMs}, error {message}. A closed stdin without E ends the process without a result.
"""
import json
import math
import os
import struct
import sys

from pocketsphinx import Decoder

MODEL_DIR = os.environ.get('POCKETSPHINX_MODEL_DIR', '/usr/share/pocketsphinx/model/en-us')
FRAME_MS = 10  # pocketsphinx's default frame rate is 100 frames/s
# Phones that a telephone channel (300-3400 Hz) all but removes; words get variants without them
# at their edges, so "seven" can still match "EH V AH N" on narrowband audio.
NARROWBAND_WEAK_PHONES = {'S', 'Z', 'F', 'TH', 'SH', 'HH', 'V', 'DH'}
# Grammar confidence: the acoustic score per frame of the recognized words, mapped through a
# logistic. Measured on espeak-ng speech against an 8-phrase menu: at 0.5, ~88 % of correct
# answers pass and ~55 % of out-of-grammar speech is turned down.
CONFIDENCE_CENTRE = -38.0
CONFIDENCE_SCALE = 6.0


def emit(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def load_language_model(decoder):
    decoder.set_lm_file('lm', os.path.join(MODEL_DIR, 'en-us.lm.bin'))


def new_decoder():
    config = Decoder.default_config()
    config.set_string('-hmm', os.path.join(MODEL_DIR, 'en-us'))
    config.set_string('-dict', os.path.join(MODEL_DIR, 'cmudict-en-us.dict'))
    config.set_string('-logfn', '/dev/null')
    return Decoder(config)


def read_exact(stream, n):
    data = b''
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_message(stream):
    header = read_exact(stream, 5)
    if header is None:
        return None, None
    kind, length = header[:1].decode('ascii'), struct.unpack('<I', header[1:])[0]
    payload = read_exact(stream, length) if length else b''
    if payload is None:
        return None, None
    return kind, payload


def words_of(phrase):
    return [w for w in phrase.lower().replace('-', ' ').split() if w]


def build_grammar(decoder, phrases):
    """JSGF of the phrases whose words are all in the dictionary; the rest are reported."""
    kept, unknown = [], set()
    for phrase in phrases:
        words = words_of(''.join(ch if ch.isalnum() or ch in " '-" else ' ' for ch in phrase))
        missing = [w for w in words if decoder.lookup_word(w) is None]
        if missing:
            unknown.update(missing)
        elif words and ' '.join(words) not in kept:
            kept.append(' '.join(words))
    if unknown:
        emit({'type': 'warning', 'message': 'words not in the dictionary; their phrases are left out', 'words': sorted(unknown)})
    if not kept:
        return None, kept
    alternatives = ' | '.join('( %s )' % ' '.join(json.dumps(w)[1:-1] for w in p.split()) for p in kept)
    return '#JSGF V1.0;\ngrammar menu;\npublic <choice> = %s;\n' % alternatives, kept


def add_narrowband_variants(decoder, phrases):
    for word in {w for p in phrases for w in p.split()}:
        phones = (decoder.lookup_word(word) or '').split()
        trimmed = list(phones)
        while trimmed and trimmed[0] in NARROWBAND_WEAK_PHONES:
            trimmed = trimmed[1:]
        while trimmed and trimmed[-1] in NARROWBAND_WEAK_PHONES:
            trimmed = trimmed[:-1]
        if trimmed and trimmed != phones:
            decoder.add_word('%s(9)' % word, ' '.join(trimmed), True)


def clean_word(word):
    return word.split('(')[0]


def result_of(decoder, grammar_mode):
    hyp = decoder.hyp()
    words = [s for s in decoder.seg() if s.word not in ('<s>', '</s>', '<sil>', '(NULL)') and not s.word.startswith('[')]
    text = ' '.join(clean_word(s.word) for s in words) if hyp and hyp.hypstr else ''
    if not words or not text:
        return {'type': 'final', 'text': '', 'confidence': 0}
    frames = sum(s.end_frame - s.start_frame + 1 for s in words) or 1
    if grammar_mode:
        per_frame = sum(s.ascore for s in words) / frames
        confidence = 1 / (1 + math.exp(-(per_frame - CONFIDENCE_CENTRE) / CONFIDENCE_SCALE))
    else:
        logmath = decoder.get_logmath()
        confidence = sum(logmath.exp(s.prob) for s in words) / len(words)
    return {
        'type': 'final',
        'text': text,
        'confidence': round(max(0.0, min(1.0, confidence)), 3),
        'startMs': words[0].start_frame * FRAME_MS,
        'endMs': (words[-1].end_frame + 1) * FRAME_MS,
    }


def decode_grammar(decoder, grammar, audio):
    decoder.set_jsgf_string('menu', grammar)
    decoder.set_search('menu')
    decoder.start_utt()
    # As one whole utterance: cepstral mean normalization then uses the utterance's own mean
    # instead of adapting live from a prior, which short answers never give time to settle
    # (measured: phone menu accuracy 75 % → 97 %).
    decoder.process_raw(bytes(audio), False, True)
    decoder.end_utt()


def main():
    stdin = sys.stdin.buffer
    decoder = new_decoder()
    language_model = '--language-model' in sys.argv[1:]
    if language_model:
        load_language_model(decoder)
    emit({'type': 'ready'})

    kind, payload = read_message(stdin)
    if kind is None:
        return
    if kind != 'C':
        raise ValueError('the first message must be the config')
    config = json.loads(payload)
    interim_bytes = int(config.get('interimMs') or 0) * 32
    grammar, phrases = (None, [])
    if config.get('grammar') is not None:
        grammar, phrases = build_grammar(decoder, config['grammar'])
        if grammar is None:
            emit({'type': 'warning', 'message': 'no phrase of the grammar can be recognized'})
    grammar_mode = config.get('grammar') is not None

    # Grammar utterances are short and decoded at the end (decoding takes ~1% of real time), when
    # it is known whether the audio is narrowband. Free speech is also decoded as it comes, for
    # interim results.
    audio = bytearray()
    if not grammar_mode:
        if not language_model:
            load_language_model(decoder)
        decoder.set_search('lm')
        decoder.start_utt()
    since_interim, last_interim = 0, ''
    narrowband_added = False
    while True:
        kind, payload = read_message(stdin)
        if kind is None:
            return  # abandoned: no result
        if kind == 'A':
            audio += payload
            if grammar_mode:
                continue
            decoder.process_raw(payload, False, False)
            since_interim += len(payload)
            if interim_bytes and since_interim >= interim_bytes:
                since_interim = 0
                hyp = decoder.hyp()
                text = hyp.hypstr if hyp else ''
                if text and text != last_interim:
                    last_interim = text
                    emit({'type': 'interim', 'text': text})
        elif kind == 'P':
            peek = json.loads(payload or b'{}')
            if not grammar_mode and peek.get('quick'):
                # The live pass's own end (its second pass over the lattice, ~10 ms): what was
                # decoded while the caller spoke. Then the live pass starts again over the audio
                # so far, so that speech after the pause continues it.
                decoder.end_utt()
                emit(dict(result_of(decoder, False), type='peek'))
                decoder.start_utt()
                decoder.process_raw(bytes(audio), False, False)
                since_interim = 0
            elif not grammar_mode:
                # The final pass over the audio so far (what end would give now), then the live
                # pass goes on with what comes next: a pause can start the final decode early.
                decoder.end_utt()
                decoder.start_utt()
                decoder.process_raw(bytes(audio), False, True)
                decoder.end_utt()
                emit(dict(result_of(decoder, False), type='peek'))
                decoder.start_utt()
                since_interim = 0
            elif grammar is None:
                emit({'type': 'peek', 'text': '', 'confidence': 0})
            else:
                if peek.get('narrowband') and not narrowband_added:
                    add_narrowband_variants(decoder, phrases)
                    narrowband_added = True
                decode_grammar(decoder, grammar, audio)
                emit(dict(result_of(decoder, True), type='peek'))
        elif kind == 'E':
            end = json.loads(payload or b'{}')
            break
    if grammar_mode:
        if grammar is None:
            emit({'type': 'final', 'text': '', 'confidence': 0})
            return
        if end.get('narrowband') and not narrowband_added:
            add_narrowband_variants(decoder, phrases)
        decode_grammar(decoder, grammar, audio)
    else:
        decoder.end_utt()
    if not grammar_mode:
        # The live pass gave the interims; the final one decodes the whole utterance again, with
        # the utterance's own cepstral mean (fewer errors, at ~0.15 x real time more).
        decoder.start_utt()
        decoder.process_raw(bytes(audio), False, True)
        decoder.end_utt()
    emit(result_of(decoder, grammar_mode))


if __name__ == '__main__':
    try:
        main()
    except Exception as err:  # reported to the parent, which rejects the stream
        emit({'type': 'error', 'message': '%s: %s' % (type(err).__name__, err)})
        sys.exit(1)
