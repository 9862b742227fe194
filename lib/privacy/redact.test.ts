import assert from 'node:assert/strict';
import { test } from 'node:test';
import { luhnValid, redactSensitive } from './redact';

test('card numbers that pass the Luhn check are replaced, however they are written', () => {
  assert.equal(redactSensitive('my card is 4111 1111 1111 1111 thanks').text, 'my card is [card number] thanks');
  assert.equal(redactSensitive('4111-1111-1111-1111').text, '[card number]');
  assert.equal(redactSensitive('number 5500005555555559.').text, 'number [card number].');
  assert.equal(redactSensitive('amex 3782 822463 10005 expires').text, 'amex [card number] expires');
  // What a recognizer writes for spoken digits.
  const spoken = 'it is four one one one one one one one one one one one one one one one';
  assert.equal(redactSensitive(spoken).text, 'it is [card number]');
  assert.equal(redactSensitive(spoken).redactions, 1);
});

test('numbers that are not card numbers stay: failed Luhn, too short, order numbers', () => {
  for (const text of ['4111 1111 1111 1112', 'order 12345 please', 'press one for sales', 'call me at +1 415 555 0199', 'zero']) {
    assert.equal(redactSensitive(text).text, text, text);
    assert.equal(redactSensitive(text).redactions, 0, text);
  }
});

test('a card number inside a longer run of digits is still found', () => {
  assert.equal(redactSensitive('9 4111111111111111').text, '9 [card number]');
});

test('US social security numbers are replaced', () => {
  assert.deepEqual(redactSensitive('my ssn is 078-05-1120 ok'), { text: 'my ssn is [ssn] ok', redactions: 1 });
  assert.equal(redactSensitive('078 05 1120').text, '[ssn]');
  assert.equal(redactSensitive('078-05 1120').text, '078-05 1120');
});

test('the Luhn check', () => {
  assert.equal(luhnValid('79927398713'), true);
  assert.equal(luhnValid('79927398710'), false);
});
