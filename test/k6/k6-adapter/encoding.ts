/** TEST DOUBLE of `k6/encoding`: standard base64 only (the variant the script uses). */
export function b64encode(input: string | ArrayBuffer, encoding: 'std' = 'std'): string {
  if (encoding !== 'std') throw new Error(`b64encode: the test double supports only 'std', got ${String(encoding)}`);
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input)).toString('base64');
}

export function b64decode(input: string): ArrayBuffer {
  const b = Buffer.from(input, 'base64');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}
