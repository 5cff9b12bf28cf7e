export * from './netns';
export * from './netns-wireguard';
export * from './netns-tcp';
export * from './controller-process';
export * from './poll-until';
