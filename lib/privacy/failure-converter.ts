/**
 * Temporal's failure converter, with `encodeCommonAttributes`: a failure's message and stack trace
 * travel as an encoded payload (which the payload codec encrypts) instead of plain text, so the
 * Temporal server stores no error text in the clear. Loaded by path (`failureConverterPath`): the
 * workflow bundle converts its own failures inside the workflow sandbox.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
