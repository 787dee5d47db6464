import type { Json } from './test-app';

/** `POST /<domain>/imports/<source>` with the file in the multipart field `file`, as curl -F would send it. */
export async function upload(
  baseUrl: string,
  path: string,
  token: string,
  file?: { name: string; content: string | Buffer },
): Promise<{ status: number; headers: Headers; contentType: string | null; body: Json }> {
  const form = new FormData();
  if (file) form.append('file', new Blob([file.content]), file.name);
  else form.append('note', 'pas de fichier');
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return { status: response.status, headers: response.headers, contentType, body: text && contentType?.includes('json') ? JSON.parse(text) : text };
}
