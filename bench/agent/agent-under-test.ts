/* eslint-disable @nx/enforce-module-boundaries --
 * The one place where the benchmark reaches into the agent's sources: it measures the data plane
 * in-process (as the agent runs it), and the agent has no library entry point to import instead.
 * Keeping every such import here keeps the boundary crossing visible and single. */
export { LinuxDataPlane } from '../../apps/agent/src/dataplane/linux-dataplane';
export type { ApplyResult } from '../../apps/agent/src/dataplane/dataplane-report';
export { ProcessCommandRunner } from '../../apps/agent/src/exec/command-runner';
export { STATE_FILE } from '../../apps/agent/src/state/state-store';
export { TcDriver } from '../../apps/agent/src/drivers/tc/tc-driver';
export { buildDeviceBatch } from '../../apps/agent/src/drivers/tc/tc-batch';
export { shapedPeer, subnetOf, type IfbDevice } from '../../apps/agent/src/drivers/tc/tc-layout';
export { renderInterfaceConfig } from '../../apps/agent/src/drivers/wireguard/wg-config';
export { renderTable } from '../../apps/agent/src/drivers/nftables/nft-ruleset';
