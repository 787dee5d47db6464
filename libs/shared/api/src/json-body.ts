import type { NextFunction, Request, Response } from 'express';
import { unsupportedMediaType } from './problem-details';

/** The one route that takes a file (multipart/form-data) rather than JSON: `POST /<domain>/imports/<source>`. */
const FILE_UPLOAD = /^\/[^/]+\/imports\/[^/]+\/?$/;

/** A request carries a body when it says how long it is (more than nothing) or that it comes in chunks (RFC 9112). */
const hasBody = (request: Request): boolean =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');

/**
 * Every body this API reads is JSON (but the file of an import): one sent as anything else is refused with 415 before it is read, rather than left
 * unread and every field of the request reported missing.
 */
export function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  const upload = request.method === 'POST' && FILE_UPLOAD.test(request.path) && request.is('multipart/form-data');
  if (hasBody(request) && !upload && !request.is(['application/json', '+json'])) next(unsupportedMediaType(request.headers['content-type']));
  else next();
}

/**
 * After the JSON parser, which reads an empty body as `{}`: a request that sent nothing has no body, and a route that
 * takes one says so (400 on `body`) rather than naming each of its fields missing.
 */
export function emptyBodyIsNoBody(request: Request, _response: Response, next: NextFunction): void {
  if (!hasBody(request)) request.body = undefined;
  next();
}
