import type { Bandwidth } from './desired-state';

export interface PeerBandwidthSetting {
  downloadKbit: number | null;
  uploadKbit: number | null;
}

/** Each direction separately: null inherits the interface default; 0 stays 0 (unlimited). */
export function effectiveBandwidth(peer: PeerBandwidthSetting, interfaceDefault: Bandwidth): Bandwidth {
  return {
    downloadKbit: peer.downloadKbit ?? interfaceDefault.downloadKbit,
    uploadKbit: peer.uploadKbit ?? interfaceDefault.uploadKbit,
  };
}

// The PUQ-compatible API speaks Mbit/s and counts 1 Mbit = 1000 kbit (not 1024).
export function mbitToKbit(n: number): number {
  return Math.round(n * 1000);
}

export function kbitToMbit(n: number): number {
  return n / 1000;
}
