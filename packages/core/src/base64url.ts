export function b64url(data: Buffer | string): string {
  return (typeof data === 'string' ? Buffer.from(data) : data).toString('base64url');
}
