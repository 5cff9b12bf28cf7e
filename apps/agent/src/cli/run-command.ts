import { loadAgentConfig, statePaths } from '../config/agent-config';
import { LinuxDataPlane } from '../dataplane/linux-dataplane';
import { TcDriver } from '../drivers/tc/tc-driver';
import { ProcessCommandRunner } from '../exec/command-runner';
import { GrpcControllerLink } from '../link/grpc-controller-link';
import type { Logger } from '../log/logger';
import { StateStore } from '../state/state-store';
import { AgentDaemon, DEFAULT_TIMING, type DaemonTiming } from '../sync/agent-daemon';
import { AgentStatusFile, readAgentStatus } from '../sync/agent-status';
import { collectFacts } from '../sync/facts';
import { readPeerFigures } from '../sync/peer-stats';
import { StateApplier } from '../sync/state-applier';
import type { RunArgs } from './args';

// `wgfleet-agent run`: wires the data plane, the state file, the status file and the controller
// link into the daemon. Returns a handle whose stop() is what SIGTERM calls.

export interface RunningAgent {
  /** Resolves when the agent stopped. */
  done: Promise<void>;
  stop(): void;
}

export async function startAgent(args: RunArgs, log: Logger, timing: DaemonTiming = DEFAULT_TIMING): Promise<RunningAgent> {
  const config = await loadAgentConfig(args.configPath);
  const stateDir = args.stateDir ?? config.stateDir;
  const netns = args.netns ?? config.netns;
  const runner = new ProcessCommandRunner({ netns: netns ?? undefined });
  const dataplane = new LinuxDataPlane(runner, { nftables: { enableForwarding: args.sysctl }, others: [new TcDriver(runner)] });
  const statusPath = statePaths(stateDir).status;
  const status = new AgentStatusFile(statusPath, await readAgentStatus(statusPath), (e) => log.warn('cannot write status.json', { error: String(e) }));
  const applier = new StateApplier(dataplane, new StateStore(stateDir), status, log);
  const link = new GrpcControllerLink(config.controller, stateDir, log);
  const daemon = new AgentDaemon({
    hostId: config.hostId,
    stateDir,
    link,
    applier,
    status,
    reports: {
      dataplaneJson: async () => JSON.stringify(await dataplane.readReport()),
      peerFigures: (state) => readPeerFigures(state, (ifname) => dataplane.wireguard.dump(ifname)),
    },
    repairDrift: async () => (dataplane.applied ? dataplane.repairDrift() : null),
    facts: () => collectFacts(runner),
    log,
    timing: args.statsIntervalMs === null ? timing : { ...timing, statsMs: args.statsIntervalMs },
  });
  log.info('agent starting', { hostId: config.hostId, controller: config.controller, stateDir, netns });
  const done = daemon.run().finally(() => link.close());
  return { done, stop: () => daemon.stop() };
}
