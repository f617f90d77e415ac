import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ErrorCode } from '../schema/index.js';
import type { Logger } from '../platform/index.js';

/** What body-parser says of a body it refused (`type`), as a client should read it. */
const BODY_FAILURES: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'the request body is not a JSON object' },
  'entity.too.large': { status: 413, message: 'the request body is too large' },
  'encoding.unsupported': { status: 415, message: 'the request body has an unsupported content encoding' },
  'charset.unsupported': { status: 415, message: 'the request body has an unsupported charset' },
  'request.size.invalid': { status: 400, message: 'the request body is shorter or longer than its Content-Length' },
  'request.aborted': { status: 400, message: 'the request was aborted' },
};

/**
 * Answers a GraphQL error response (`{ errors: [{ message, extensions: { code } }] }`, JSON, no
 * stack, no paths) in the media type GraphQL over HTTP asks for.
 */
function sendError(req: Request, res: Response, status: number, message: string, code: string): void {
  if (res.headersSent) return;
  const type = req.accepts(['application/graphql-response+json', 'application/json']) || 'application/json';
  res
    .status(status)
    .type(type)
    .send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * After express.json on /graphql: a body it refused (malformed JSON, not an object or array,
 * too large, an unsupported encoding) answers as Apollo answers a bad request (code
 * BAD_REQUEST), instead of Express's HTML page with the stack.
 */
export function bodyErrorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const type = (error as { type?: unknown } | null)?.type;
    const failure = typeof type === 'string' ? BODY_FAILURES[type] : undefined;
    if (!failure) {
      next(error);
      return;
    }
    sendError(req, res, failure.status, failure.message, ApolloServerErrorCode.BAD_REQUEST);
  };
}

/**
 * After express.json: a request whose content type it does not parse leaves `req.body` unset,
 * and the Apollo integration would answer a plain-text 500; with the body set (to nothing)
 * Apollo answers its own 400 BAD_REQUEST (CSRF prevention or "POST body missing").
 */
export function bodyAlwaysSet(): RequestHandler {
  return (req, _res, next) => {
    if (!Object.hasOwn(req, 'body')) (req as { body?: unknown }).body = undefined;
    next();
  };
}

/** The app's last error handler: whatever else failed answers INTERNAL_SERVER_ERROR as JSON, logged without reaching the client. */
export function lastErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(req, res, status, 'the request was refused', ApolloServerErrorCode.BAD_REQUEST);
      return;
    }
    logger.error({ err: error, path: req.path }, 'HTTP request failed');
    sendError(req, res, 500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
  };
}
