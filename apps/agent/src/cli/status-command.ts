import { readFile } from 'node:fs/promises';
import { loadAgentConfig, statePaths, type AgentConfig } from '../config/agent-config';
import { certificateInfo, renewalTime } from '../identity/identity';
import { readAgentStatus, type AgentStatus } from '../sync/agent-status';
import type { StatusArgs } from './args';

// `wgfleet-agent status`: what the running (or last running) agent wrote to status.json, plus
// the certificate's expiry, which the operator otherwise only learns when it is too late.

export interface CertificateSummary {
  subject: string;
  notAfter: string;
  renewAfter: string;
  fingerprint: string;
}

export interface StatusReport {
  config: AgentConfig;
  status: AgentStatus;
  /** null when the certificate file is missing or unreadable. */
  certificate: CertificateSummary | null;
  /** Whether the pid recorded in status.json is alive. */
  running: boolean;
}

export async function collectStatus(args: StatusArgs): Promise<StatusReport> {
  const config = await loadAgentConfig(args.configPath);
  const stateDir = args.stateDir ?? config.stateDir;
  const paths = statePaths(stateDir);
  const status = await readAgentStatus(paths.status);
  return { config: { ...config, stateDir }, status, certificate: await readCertificate(paths.cert), running: isAlive(status.pid) };
}

async function readCertificate(path: string): Promise<CertificateSummary | null> {
  try {
    const info = certificateInfo(await readFile(path, 'utf8'));
    return { subject: info.subject, notAfter: info.notAfter.toISOString(), renewAfter: renewalTime(info).toISOString(), fingerprint: info.fingerprint };
  } catch {
    return null;
  }
}

function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    // Signal 0 checks existence (and permission) without signalling.
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function renderStatus(r: StatusReport, now: Date): string {
  const s = r.status;
  const when = (iso: string | null): string => (iso ? `${iso} (${ago(new Date(iso), now)})` : 'never');
  const lines: [string, string][] = [
    ['host', r.config.hostId],
    ['controller', r.config.controller],
    ['state dir', r.config.stateDir + (r.config.netns ? ` (netns ${r.config.netns})` : '')],
    ['agent', r.running ? `running (pid ${s.pid})` : 'not running'],
    ['connected', r.running && s.connected ? `yes, since ${when(s.lastConnectedAt)}` : `no, last connected ${when(s.lastConnectedAt)}`],
    [
      'applied',
      s.lastAppliedRevision === null
        ? 'nothing yet'
        : `revision ${s.lastAppliedRevision} at ${when(s.lastAppliedAt)}` + (s.lastApply ? `, ${s.lastApply.mode} in ${s.lastApply.ms.toFixed(1)} ms` : ''),
    ],
    ['last error', s.lastError ? `${s.lastError} at ${when(s.lastErrorAt)}` : 'none'],
    ['drift', s.lastDrift ? `${s.lastDrift.inSync ? 'in sync' : s.lastDrift.repaired ? 'repaired' : 'NOT repaired'} at ${when(s.lastDrift.at)}` : 'not checked yet'],
    ['certificate', r.certificate ? certificateLine(r.certificate, now) : 'missing or unreadable'],
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  const out = lines.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`);
  if (s.lastDrift && !s.lastDrift.inSync) out.push(...s.lastDrift.lines.map((l) => `  drift: ${l}`));
  return `${out.join('\n')}\n`;
}

function certificateLine(c: CertificateSummary, now: Date): string {
  const expires = new Date(c.notAfter);
  const state = expires <= now ? 'EXPIRED' : `expires in ${duration(expires.getTime() - now.getTime())}`;
  return `${state} (${c.notAfter}), renewal from ${c.renewAfter}`;
}

function ago(t: Date, now: Date): string {
  const ms = now.getTime() - t.getTime();
  return ms < 0 ? 'in the future' : `${duration(ms)} ago`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
