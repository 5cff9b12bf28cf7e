// The PUQVPNCP v1 response envelope: always HTTP 200, success and failure told apart by `status`.

export interface PuqSuccess<T> {
  error: '';
  msg: T;
  status: 'success';
}

export interface PuqFailure {
  error: string;
  msg: '';
  status: 'error';
}

export type PuqEnvelope<T> = PuqSuccess<T> | PuqFailure;

export function ok<T>(msg: T): PuqSuccess<T> {
  return { error: '', msg, status: 'success' };
}

export function fail(text: string): PuqFailure {
  return { error: text, msg: '', status: 'error' };
}

/** A failure whose text a PUQ client is shown as is (one of the seed's texts where it has one). */
export class PuqError extends Error {}
