import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';

/** An error with an HTTP status and a machine-readable code, answered as JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'notFound', `${what} was not found`);

/** Parses a request part with a schema; a mismatch is a 400 that lists each field and what was wrong. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(
      400,
      'invalidRequest',
      `Invalid request ${where}: ${result.error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`).join('; ')}`,
      result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}

export const unknownRoute: RequestHandler = (request, _response, next) => {
  next(new HttpError(404, 'notFound', `No route for ${request.method} ${request.path}`));
};

/** Every error becomes `{ error: { code, message, details? } }` with a fitting status. */
export function errorHandler(log: (error: unknown) => void): ErrorRequestHandler {
  return (error, _request, response, _next) => {
    if (error instanceof HttpError) {
      response.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
      return;
    }
    if (error?.type === 'entity.parse.failed') {
      response.status(400).json({ error: { code: 'invalidJson', message: `The request body is not valid JSON: ${error.message}` } });
      return;
    }
    if (error?.type === 'entity.too.large') {
      response.status(413).json({ error: { code: 'tooLarge', message: 'The request body is too large' } });
      return;
    }
    // Other refusals of the body parser (e.g. 415 for a gzip body: bodies are never inflated).
    if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      response.status(415).json({ error: { code: 'unsupportedEncoding', message: `The request body must be sent uncompressed, as UTF-8: ${error.message}` } });
      return;
    }
    if (error?.expose === true && Number.isInteger(error.status) && error.status >= 400 && error.status < 500) {
      response.status(error.status).json({ error: { code: 'invalidRequest', message: String(error.message) } });
      return;
    }
    log(error);
    response.status(500).json({ error: { code: 'internal', message: 'Something went wrong on the server; it has been logged' } });
  };
}
