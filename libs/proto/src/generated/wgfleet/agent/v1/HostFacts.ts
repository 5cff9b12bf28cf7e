// Original file: proto/wgfleet/agent/v1/messages.proto


/**
 * What an agent knows about the machine it runs on; shown by the API as the host's `facts`.
 */
export interface HostFacts {
  'hostname'?: (string);
  /**
   * uname -r
   */
  'kernel'?: (string);
  /**
   * PRETTY_NAME of /etc/os-release
   */
  'os'?: (string);
  /**
   * "kernel" | "wireguard-go" | "routeros"
   */
  'wireguardImplementation'?: (string);
  /**
   * module or wireguard-go version
   */
  'wireguardVersion'?: (string);
  /**
   * `wg --version`
   */
  'wireguardToolsVersion'?: (string);
  'nftablesVersion'?: (string);
  'iproute2Version'?: (string);
  'agentVersion'?: (string);
}

/**
 * What an agent knows about the machine it runs on; shown by the API as the host's `facts`.
 */
export interface HostFacts__Output {
  'hostname': (string);
  /**
   * uname -r
   */
  'kernel': (string);
  /**
   * PRETTY_NAME of /etc/os-release
   */
  'os': (string);
  /**
   * "kernel" | "wireguard-go" | "routeros"
   */
  'wireguardImplementation': (string);
  /**
   * module or wireguard-go version
   */
  'wireguardVersion': (string);
  /**
   * `wg --version`
   */
  'wireguardToolsVersion': (string);
  'nftablesVersion': (string);
  'iproute2Version': (string);
  'agentVersion': (string);
}
