import { ApiHeader } from '@nestjs/swagger';

/** The headers every write documents: the revision it expects, and the key that makes a retry safe. */
export const ApiIfMatch = () => ApiHeader({ name: 'If-Match', required: false, description: 'ETag (revision) last read: a stale one gets 409' });
export const ApiIdempotencyKey = () =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried write return the first answer and write nothing more' });
