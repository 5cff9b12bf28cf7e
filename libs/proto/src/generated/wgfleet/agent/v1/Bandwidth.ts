// Original file: proto/wgfleet/agent/v1/messages.proto


export interface Bandwidth {
  /**
   * host → peer; 0 = unlimited
   */
  'downloadKbit'?: (number);
  /**
   * peer → host; 0 = unlimited
   */
  'uploadKbit'?: (number);
}

export interface Bandwidth__Output {
  /**
   * host → peer; 0 = unlimited
   */
  'downloadKbit': (number);
  /**
   * peer → host; 0 = unlimited
   */
  'uploadKbit': (number);
}
