import { StderrLogger } from './logger';

describe('StderrLogger', () => {
  it('writes one line per event with JSON fields, redacting secret-named fields at any depth', () => {
    const lines: string[] = [];
    const log = new StderrLogger((l) => lines.push(l));
    log.info('enrolled', { hostId: 'h1' });
    log.warn('odd', { nested: { privateKey: 'AAAA', presharedKey: 'BBBB', list: [{ token: 'CCCC' }] }, certificatePem: 'DDDD', key: 'EEEE' });
    log.error('plain');
    expect(lines).toEqual([
      'info: enrolled {"hostId":"h1"}\n',
      'warn: odd {"nested":{"privateKey":"[redacted]","presharedKey":"[redacted]","list":[{"token":"[redacted]"}]},"certificatePem":"[redacted]","key":"[redacted]"}\n',
      'error: plain\n',
    ]);
  });
});
