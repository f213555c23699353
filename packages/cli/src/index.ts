// The command line as a library, for tests and for embedding (run it with an argv and streams).
export { run } from './run';
export { rtcroom } from './tree';
export { exitStatus } from './cli-error';
