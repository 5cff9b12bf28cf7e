export * from './netns';
export * from './netns-wireguard';
export * from './netns-tcp';
